import { invalid } from '../common/errors.js';
import type { Problem } from '../contracts/validation.js';

export const BUCKETS = ['hour', 'day', 'week'] as const;
export type Bucket = (typeof BUCKETS)[number];
export const MAX_POINTS = 10_000;
const HOUR = 3_600_000;
const SIZE: Record<Bucket, number> = { hour: HOUR, day: 24 * HOUR, week: 7 * 24 * HOUR };
/** 1970-01-05 was a Monday: weeks start on Monday, UTC, as PostgreSQL's date_trunc('week'). */
const MONDAY = 4 * 24 * HOUR;

export interface StatsQuery {
  /** The first bucket's start (from, floored to its bucket). */
  from: number;
  /** The end of the last bucket (to, rounded up to its bucket). */
  to: number;
  bucket: Bucket;
  /** The start of every bucket, oldest first. */
  starts: number[];
}

export const floorTo = (t: number, b: Bucket) => {
  const off = b === 'week' ? MONDAY : 0;
  return Math.floor((t - off) / SIZE[b]) * SIZE[b] + off;
};

/** from/to/bucket, checked: 400 with a path and reason for each problem. `now` is the default `to`; `to` − 7 days the default `from`. */
export function parseStatsQuery(q: Record<string, unknown>, now: number): StatsQuery {
  const problems: Problem[] = [];
  const time = (name: string): number | undefined => {
    const raw = q[name];
    if (raw === undefined) return undefined;
    const t = typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(raw) ? Date.parse(raw) : NaN;
    if (Number.isNaN(t)) problems.push({ path: name, reason: 'must be an ISO 8601 date-time (e.g. 2026-05-01T00:00:00Z)' });
    return t;
  };
  for (const k of Object.keys(q))
    if (!['from', 'to', 'bucket'].includes(k)) problems.push({ path: k, reason: 'unknown parameter (from, to, bucket)' });
  const rawBucket = q.bucket ?? 'day';
  if (typeof rawBucket !== 'string' || !(BUCKETS as readonly string[]).includes(rawBucket))
    problems.push({ path: 'bucket', reason: `must be one of ${BUCKETS.join(', ')}` });
  const toRaw = time('to') ?? now;
  const fromRaw = time('from') ?? toRaw - 7 * 24 * HOUR;
  if (problems.length) throw invalid('invalid stats query', problems);
  if (fromRaw > toRaw) throw invalid('invalid stats query', [{ path: 'from', reason: 'must not be after to' }]);
  const bucket = rawBucket as Bucket;
  const from = floorTo(fromRaw, bucket);
  const lastStart = floorTo(toRaw, bucket);
  const to = lastStart === toRaw && toRaw > from ? toRaw : lastStart + SIZE[bucket];
  const points = Math.round((to - from) / SIZE[bucket]);
  if (points > MAX_POINTS)
    throw invalid('invalid stats query', [
      {
        path: 'bucket',
        reason: `from..to in ${bucket}s gives ${points} points; at most ${MAX_POINTS}: use a larger bucket or a shorter range`,
      },
    ]);
  const starts = Array.from({ length: points }, (_, i) => from + i * SIZE[bucket]);
  return { from, to, bucket, starts };
}

const at = { type: 'string', format: 'date-time', description: 'The start of the bucket (UTC; weeks start on Monday)' };

export const FLAG_STATS_EXAMPLE = {
  bucket: 'day',
  from: '2026-05-01T00:00:00.000Z',
  to: '2026-05-03T00:00:00.000Z',
  participants: 120,
  flags: [
    {
      flag: 'mentor_ready',
      holders: 41,
      series: [
        { at: '2026-05-01T00:00:00.000Z', holders: 38, set: 5, cleared: 1 },
        { at: '2026-05-02T00:00:00.000Z', holders: 41, set: 4, cleared: 1 },
      ],
    },
  ],
};

export const RULE_STATS_EXAMPLE = {
  bucket: 'day',
  from: '2026-05-01T00:00:00.000Z',
  to: '2026-05-03T00:00:00.000Z',
  rules: [
    {
      ruleId: 'mentor_ready_after_three_sessions',
      version: 2,
      fired: 9,
      lastFiredAt: '2026-05-02T17:42:10.000Z',
      series: [
        { at: '2026-05-01T00:00:00.000Z', fired: 5 },
        { at: '2026-05-02T00:00:00.000Z', fired: 4 },
      ],
    },
  ],
};

const range = {
  bucket: { type: 'string', enum: [...BUCKETS] },
  from: { type: 'string', format: 'date-time', description: 'from, floored to its bucket' },
  to: { type: 'string', format: 'date-time', description: 'to, rounded up to the end of its bucket' },
};

export const FLAG_STATS_SCHEMA = {
  type: 'object',
  properties: {
    ...range,
    participants: { type: 'integer', description: 'Participants known now (some event of theirs was seen): what holders are out of' },
    flags: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          flag: { type: 'string' },
          holders: {
            type: 'integer',
            description: 'Holders (value true, not expired) at `to`: at or after now, the count of GET /journey/flags',
          },
          series: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                at,
                holders: { type: 'integer', description: 'Holders at the end of the bucket' },
                set: { type: 'integer', description: 'Changes to true within the bucket' },
                cleared: { type: 'integer', description: 'Changes from true to false within the bucket' },
              },
            },
          },
        },
      },
    },
  },
  example: FLAG_STATS_EXAMPLE,
};

export const RULE_STATS_SCHEMA = {
  type: 'object',
  properties: {
    ...range,
    rules: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ruleId: { type: 'string' },
          version: { type: 'integer' },
          fired: { type: 'integer', description: 'Rises in from..to (the rule started to hold and its actions ran)' },
          lastFiredAt: { type: 'string', format: 'date-time', nullable: true },
          series: { type: 'array', items: { type: 'object', properties: { at, fired: { type: 'integer' } } } },
        },
      },
    },
  },
  example: RULE_STATS_EXAMPLE,
};
