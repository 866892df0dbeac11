import { invalid } from '../common/errors.js';
import { Transform } from 'class-transformer';
import { Check, QueryParam } from '../common/dto.js';

export const BUCKETS = ['hour', 'day', 'week'] as const;
export type Bucket = (typeof BUCKETS)[number];
export const MAX_POINTS = 10_000;
const HOUR = 3_600_000;
const SIZE: Record<Bucket, number> = { hour: HOUR, day: 24 * HOUR, week: 7 * 24 * HOUR };
/** 1970-01-05 was a Monday: weeks start on Monday, UTC, as PostgreSQL's date_trunc('week'). */
const MONDAY = 4 * 24 * HOUR;

/** The buckets a stats query asks for. */
export interface StatsRange {
  /** The first bucket's start (from, floored to its bucket). */
  from: number;
  /** The end of the last bucket (to, rounded up to its bucket). */
  to: number;
  bucket: Bucket;
  /** The start of every bucket, oldest first. */
  starts: number[];
}

/** An ISO 8601 date-time as a stats bound (read as Date.parse reads it), or the value as it came for the check to refuse. */
const readTime = (value: unknown) => {
  const t = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  return Number.isNaN(t) ? value : t;
};
const Time = (api: { description: string; example: string }) =>
  QueryParam(
    { ...api, format: 'date-time' },
    Check('time', (v) => typeof v === 'number', 'must be an ISO 8601 date-time (e.g. 2026-05-01T00:00:00Z)'),
    Transform(({ value }: { value: unknown }) => readTime(value)),
  );

/** The query string of GET /journey/stats/flags and /journey/stats/rules. */
export class StatsQuery {
  @Time({ description: 'Default: 7 days before `to`', example: '2026-05-01T00:00:00Z' })
  from?: number;

  @Time({ description: 'Default: now', example: '2026-05-03T00:00:00Z' })
  to?: number;

  @QueryParam(
    { enum: [...BUCKETS], description: 'Default: day (UTC; weeks start on Monday)', example: 'day' },
    Check('bucket', (v) => (BUCKETS as readonly unknown[]).includes(v), `must be one of ${BUCKETS.join(', ')}`),
  )
  bucket: Bucket = 'day';
}

export const floorTo = (t: number, b: Bucket) => {
  const off = b === 'week' ? MONDAY : 0;
  return Math.floor((t - off) / SIZE[b]) * SIZE[b] + off;
};

/** The buckets of a checked query: `now` is the default `to`; `to` − 7 days the default `from`. 400 when from is after to or there are too many. */
export function statsRange(q: StatsQuery, now: number): StatsRange {
  const toRaw = q.to ?? now;
  const fromRaw = q.from ?? toRaw - 7 * 24 * HOUR;
  if (fromRaw > toRaw) throw invalid('invalid stats query', [{ path: 'from', reason: 'must not be after to' }]);
  const bucket = q.bucket;
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
