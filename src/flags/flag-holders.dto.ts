import { ApiProperty } from '@nestjs/swagger';
import { BooleanParam, Check, IntegerParam, QueryParam } from '../common/dto.js';
import { NAME_PATTERN } from '../contracts/rule.js';
import { UUID_PATTERN } from '../contracts/validation.js';
import type { HolderRow } from './flag-holders.repository.js';

export const DEFAULT_HOLDERS_LIMIT = 100;
export const MAX_HOLDERS_LIMIT = 1000;
const NAME = new RegExp(NAME_PATTERN);

export const encodeHoldersCursor = (userId: string) => Buffer.from(userId).toString('base64url');

/** The participant a cursor names, or undefined when it is not one this service gave. */
function decodeHoldersCursor(cursor: string): string | undefined {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  return UUID_PATTERN.test(id) && encodeHoldersCursor(id) === cursor ? id.toLowerCase() : undefined;
}

/** The query string of GET /journey/flags. */
export class HoldersQuery {
  @QueryParam(
    { required: true, description: 'The flag whose holders to list', example: 'mentor_ready' },
    Check(
      'flag',
      (v) => typeof v === 'string' && NAME.test(v),
      ({ value }) =>
        value === undefined ? 'is required (the flag whose holders to list)' : 'must be a flag name (1–100 letters, digits, _ . -)',
    ),
  )
  flag!: string;

  @BooleanParam({ description: 'The value held (default true)', example: true })
  value: boolean = true;

  @IntegerParam(1, MAX_HOLDERS_LIMIT, {
    description: `Participants per page (default ${DEFAULT_HOLDERS_LIMIT}); ignored by CSV`,
    example: 50,
  })
  limit: number = DEFAULT_HOLDERS_LIMIT;

  @QueryParam(
    { description: 'The `next` of the previous page', example: encodeHoldersCursor('7d3f1c2e-0000-4000-8000-000000000001') },
    Check(
      'cursor',
      (v) => typeof v === 'string' && decodeHoldersCursor(v) !== undefined,
      'is not a cursor this service gave (use the `next` of a previous page)',
    ),
  )
  cursor?: string;

  /** The last participant of the previous page. */
  get after(): string | null {
    return this.cursor === undefined ? null : decodeHoldersCursor(this.cursor)!;
  }
}

export function toHolder(r: HolderRow): Holder {
  return {
    userId: r.userId,
    setAt: r.setAt.toISOString(),
    setByRule: r.setByRule,
    expiresAt: r.expiresAt ? r.expiresAt.toISOString() : null,
  };
}

export const CSV_HEADER = 'userId,setAt,setByRule,expiresAt\n';

const cell = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function toCsvLine(r: HolderRow): string {
  const h = toHolder(r);
  return `${h.userId},${h.setAt},${cell(h.setByRule)},${h.expiresAt ?? ''}\n`;
}

const HOLDERS_EXAMPLE = [
  { userId: '7d3f1c2e-0000-4000-8000-000000000001', setAt: '2025-12-05T09:41:07.118Z', setByRule: 'mentor_ready_001', expiresAt: null },
  {
    userId: '7d3f1c2e-0000-4000-8000-000000000005',
    setAt: '2025-12-05T09:42:11.530Z',
    setByRule: 'manual',
    expiresAt: '2026-01-05T00:00:00.000Z',
  },
];

/** A participant holding the flag's value. */
export class Holder {
  @ApiProperty({ format: 'uuid', example: HOLDERS_EXAMPLE[0].userId })
  userId!: string;

  @ApiProperty({ format: 'date-time', example: HOLDERS_EXAMPLE[0].setAt })
  setAt!: string;

  @ApiProperty({ description: 'The rule holding the flag, or manual', example: HOLDERS_EXAMPLE[0].setByRule })
  setByRule!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: HOLDERS_EXAMPLE[1].expiresAt })
  expiresAt!: string | null;
}

/** GET /journey/flags as JSON: one page of holders. */
export class HoldersPage {
  @ApiProperty({ example: 'mentor_ready' })
  flag!: string;

  @ApiProperty({ example: true })
  value!: boolean;

  @ApiProperty({ type: 'integer', description: 'The exact number of participants holding the value now (every page)', example: 2 })
  count!: number;

  @ApiProperty({ type: [Holder], description: 'In participant id order', example: HOLDERS_EXAMPLE })
  participants!: Holder[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null at the end', example: null })
  next!: string | null;
}

export const HOLDERS_CSV_EXAMPLE = `${CSV_HEADER}7d3f1c2e-0000-4000-8000-000000000001,2025-12-05T09:41:07.118Z,mentor_ready_001,\n`;
