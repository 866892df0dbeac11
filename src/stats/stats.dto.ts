import { invalid } from '../common/errors.js';
import { ApiProperty } from '@nestjs/swagger';
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
} as const;

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
} as const;

const [FLAG] = FLAG_STATS_EXAMPLE.flags;
const [RULE] = RULE_STATS_EXAMPLE.rules;
const BUCKET_START = {
  format: 'date-time',
  description: 'The start of the bucket (UTC; weeks start on Monday)',
  example: FLAG.series[0].at,
};

/** The buckets an answer covers. */
class StatsRangeResponse {
  @ApiProperty({ enum: [...BUCKETS], example: FLAG_STATS_EXAMPLE.bucket })
  bucket!: Bucket;

  @ApiProperty({ format: 'date-time', description: 'from, floored to its bucket', example: FLAG_STATS_EXAMPLE.from })
  from!: string;

  @ApiProperty({ format: 'date-time', description: 'to, rounded up to the end of its bucket', example: FLAG_STATS_EXAMPLE.to })
  to!: string;
}

export class FlagBucket {
  @ApiProperty(BUCKET_START)
  at!: string;

  @ApiProperty({ type: 'integer', description: 'Holders at the end of the bucket', example: FLAG.series[0].holders })
  holders!: number;

  @ApiProperty({ type: 'integer', description: 'Changes to true within the bucket', example: FLAG.series[0].set })
  set!: number;

  @ApiProperty({ type: 'integer', description: 'Changes from true to false within the bucket', example: FLAG.series[0].cleared })
  cleared!: number;
}

export class FlagTrend {
  @ApiProperty({ example: FLAG.flag })
  flag!: string;

  @ApiProperty({
    type: 'integer',
    description: 'Holders (value true, not expired) at `to`: at or after now, the count of GET /journey/flags',
    example: FLAG.holders,
  })
  holders!: number;

  @ApiProperty({ type: [FlagBucket] })
  series!: FlagBucket[];
}

/** GET /journey/stats/flags. */
export class FlagStatsResponse extends StatsRangeResponse {
  @ApiProperty({
    type: 'integer',
    description: 'Participants known now (some event of theirs was seen): what holders are out of',
    example: FLAG_STATS_EXAMPLE.participants,
  })
  participants!: number;

  @ApiProperty({ type: [FlagTrend] })
  flags!: FlagTrend[];
}

export class RuleBucket {
  @ApiProperty(BUCKET_START)
  at!: string;

  @ApiProperty({ type: 'integer', example: RULE.series[0].fired })
  fired!: number;
}

export class RuleTrend {
  @ApiProperty({ example: RULE.ruleId })
  ruleId!: string;

  @ApiProperty({ type: 'integer', example: RULE.version })
  version!: number;

  @ApiProperty({ type: 'integer', description: 'Rises in from..to (the rule started to hold and its actions ran)', example: RULE.fired })
  fired!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: RULE.lastFiredAt })
  lastFiredAt!: string | null;

  @ApiProperty({ type: [RuleBucket] })
  series!: RuleBucket[];
}

/** GET /journey/stats/rules. */
export class RuleStatsResponse extends StatsRangeResponse {
  @ApiProperty({ type: [RuleTrend] })
  rules!: RuleTrend[];
}
