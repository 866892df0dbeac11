import { invalid } from '../common/errors.js';
import { NAME_PATTERN } from '../contracts/rule.js';
import { UUID_PATTERN, type Problem } from '../contracts/validation.js';
import type { HolderRow } from './flag-holders.repository.js';

export interface HoldersQuery {
  flag: string;
  value: boolean;
  limit: number;
  /** The last participant of the previous page. */
  after: string | null;
}

export const DEFAULT_HOLDERS_LIMIT = 100;
export const MAX_HOLDERS_LIMIT = 1000;
const PARAMS = ['flag', 'value', 'limit', 'cursor'];
const NAME = new RegExp(NAME_PATTERN);

export const encodeHoldersCursor = (userId: string) => Buffer.from(userId).toString('base64url');

/** The query string of GET /journey/flags, or a 400 listing each problem. */
export function parseHoldersQuery(query: Record<string, unknown>): HoldersQuery {
  const problems: Problem[] = [];
  const one = (k: string) => (typeof query[k] === 'string' ? query[k] : undefined);
  for (const key of Object.keys(query)) {
    if (!PARAMS.includes(key)) problems.push({ path: key, reason: `is not allowed (unknown parameter; known: ${PARAMS.join(', ')})` });
    else if (one(key) === undefined) problems.push({ path: key, reason: 'must be given once' });
  }
  const out: HoldersQuery = { flag: '', value: true, limit: DEFAULT_HOLDERS_LIMIT, after: null };
  const flag = one('flag');
  if (flag === undefined) problems.push({ path: 'flag', reason: 'is required (the flag whose holders to list)' });
  else if (!NAME.test(flag)) problems.push({ path: 'flag', reason: 'must be a flag name (1–100 letters, digits, _ . -)' });
  else out.flag = flag;
  const value = one('value');
  if (value !== undefined) {
    if (value !== 'true' && value !== 'false') problems.push({ path: 'value', reason: 'must be true or false' });
    else out.value = value === 'true';
  }
  const limit = one('limit');
  if (limit !== undefined) {
    const n = Number(limit);
    if (!/^\d+$/.test(limit) || n < 1 || n > MAX_HOLDERS_LIMIT)
      problems.push({ path: 'limit', reason: `must be an integer from 1 to ${MAX_HOLDERS_LIMIT}` });
    else out.limit = n;
  }
  const cursor = one('cursor');
  if (cursor !== undefined) {
    const id = Buffer.from(cursor, 'base64url').toString('utf8');
    if (!UUID_PATTERN.test(id) || encodeHoldersCursor(id) !== cursor)
      problems.push({ path: 'cursor', reason: 'is not a cursor this service gave (use the `next` of a previous page)' });
    else out.after = id.toLowerCase();
  }
  if (problems.length) throw invalid('invalid query', problems);
  return out;
}

export function toHolder(r: HolderRow) {
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

const HOLDER_SCHEMA = {
  type: 'object',
  properties: {
    userId: { type: 'string', format: 'uuid' },
    setAt: { type: 'string', format: 'date-time' },
    setByRule: { type: 'string', description: 'The rule holding the flag, or manual' },
    expiresAt: { type: 'string', format: 'date-time', nullable: true },
  },
};

export const HOLDERS_RESPONSE_SCHEMA = {
  type: 'object',
  required: ['flag', 'value', 'count', 'participants', 'next'],
  properties: {
    flag: { type: 'string' },
    value: { type: 'boolean' },
    count: { type: 'integer', description: 'The exact number of participants holding the value now (every page)' },
    participants: { type: 'array', items: HOLDER_SCHEMA, description: 'In participant id order' },
    next: { type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null at the end' },
  },
  example: {
    flag: 'mentor_ready',
    value: true,
    count: 2,
    participants: [
      { userId: '7d3f1c2e-0000-4000-8000-000000000001', setAt: '2025-12-05T09:41:07.118Z', setByRule: 'mentor_ready_001', expiresAt: null },
      {
        userId: '7d3f1c2e-0000-4000-8000-000000000005',
        setAt: '2025-12-05T09:42:11.530Z',
        setByRule: 'manual',
        expiresAt: '2026-01-05T00:00:00.000Z',
      },
    ],
    next: null,
  },
};

export const HOLDERS_CSV_EXAMPLE = `${CSV_HEADER}7d3f1c2e-0000-4000-8000-000000000001,2025-12-05T09:41:07.118Z,mentor_ready_001,\n`;
