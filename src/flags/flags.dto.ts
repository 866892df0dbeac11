import { ApiProperty } from '@nestjs/swagger';
import { EXAMPLE_USER, FLAGS_EXAMPLE } from '../common/examples.js';
import type { FlagRow, HistoryRow } from './flags.repository.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const [SEED_FLAG] = FLAGS_EXAMPLE.flags;
const DECIDED_AT = '2025-01-15T10:30:02.418Z';

/** A flag as readers see it. */
export class FlagResponse {
  @ApiProperty({ example: SEED_FLAG.flag })
  flag!: string;

  @ApiProperty({ description: 'The value now: an expired flag is false', example: SEED_FLAG.value })
  value!: boolean;

  @ApiProperty({ description: 'The rule that set it, or manual', example: SEED_FLAG.setByRule })
  setByRule!: string;

  @ApiProperty({ format: 'date-time', example: SEED_FLAG.setAt })
  setAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: SEED_FLAG.expiresAt })
  expiresAt!: string | null;
}

/** GET /journey/flags/:userId. */
export class FlagsResponse {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_USER })
  userId!: string;

  @ApiProperty({ type: [FlagResponse] })
  flags!: FlagResponse[];

  @ApiProperty({ type: 'integer', example: FLAGS_EXAMPLE.count })
  count!: number;
}

/** One change of a flag. */
export class FlagChange {
  @ApiProperty({ example: SEED_FLAG.flag })
  flag!: string;

  @ApiProperty({ example: true })
  value!: boolean;

  @ApiProperty({ type: Boolean, nullable: true, example: null })
  previousValue!: boolean | null;

  @ApiProperty({ description: 'The rule that decided, or manual', example: SEED_FLAG.setByRule })
  setByRule!: string;

  @ApiProperty({ type: 'integer', nullable: true, example: 1 })
  ruleVersion!: number | null;

  @ApiProperty({ example: 'conditions hold' })
  reason!: string;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The input event behind the change',
    example: '5b1d3c1e-8a55-4d0e-9d7f-2f7f3f0a9c11',
  })
  causedBy!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Condition trace of the deciding rule, or why the flag was cleared',
  })
  explanation!: unknown;

  @ApiProperty({ format: 'date-time', description: 'When the service decided', example: DECIDED_AT })
  changedAt!: string;

  @ApiProperty({
    format: 'date-time',
    description:
      "Program time of the cause: the latest causing event's timestamp, a time flip's due instant, or the moment of a manual action",
    example: SEED_FLAG.setAt,
  })
  occurredAt!: string;
}

/** GET /journey/flags/:userId/history. */
export class FlagHistoryResponse {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_USER })
  userId!: string;

  @ApiProperty({ type: [FlagChange], description: 'Oldest first' })
  history!: FlagChange[];

  @ApiProperty({ type: 'integer', example: 1 })
  count!: number;
}

/** A flag as readers see it: an expired flag is never reported as set. */
export function toFlagResponse(f: FlagRow, now: number): FlagResponse {
  const expired = f.expiresAt !== null && f.expiresAt.getTime() <= now;
  return { flag: f.flag, value: f.value && !expired, setByRule: f.setByRule, setAt: f.setAt.toISOString(), expiresAt: iso(f.expiresAt) };
}

export function toFlagsResponse(userId: string, rows: FlagRow[], now: number): FlagsResponse {
  const flags = rows.map((f) => toFlagResponse(f, now));
  return { userId, flags, count: flags.length };
}

export function toHistoryResponse(userId: string, rows: HistoryRow[]): FlagHistoryResponse {
  const history = rows.map((h) => ({ ...h, changedAt: h.changedAt.toISOString(), occurredAt: h.occurredAt.toISOString() }));
  return { userId, history, count: history.length };
}
