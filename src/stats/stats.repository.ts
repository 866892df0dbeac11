import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Bucket sums from the hourly rollups: `i` is the bucket's index from `from`. */
@Injectable()
export class StatsRepository {
  constructor(private readonly db: DataSource) {}

  /** Holders (value true, not expired at `now`) per flag, from the flags themselves. */
  async holdersNow(now: number): Promise<Map<string, number>> {
    const rows: { flag: string; n: number }[] = await this.db.query(
      `SELECT flag, count(*)::int AS n FROM journey_flags WHERE value AND (expires_at IS NULL OR expires_at > $1) GROUP BY flag`,
      [new Date(now).toISOString()],
    );
    return new Map(rows.map((r) => [r.flag, r.n]));
  }

  /** Participants known now: those of whom some event was seen. */
  async participantsKnown(): Promise<number> {
    const [row]: { n: number }[] = await this.db.query(`SELECT count(*)::int AS n FROM participants`);
    return row?.n ?? 0;
  }

  /** Sets minus clears per flag from `after` on. */
  async netSince(after: number): Promise<Map<string, number>> {
    const rows: { flag: string; n: number }[] = await this.db.query(
      `SELECT flag, sum(sets - clears)::int AS n FROM journey_stats_flag_hourly WHERE hour >= $1 GROUP BY flag`,
      [new Date(after).toISOString()],
    );
    return new Map(rows.map((r) => [r.flag, r.n]));
  }

  async flagBuckets(from: number, to: number, size: number) {
    const rows: { flag: string; i: number; sets: number; clears: number }[] = await this.db.query(
      `SELECT flag, ${bucketIndex} AS i, sum(sets)::int AS sets, sum(clears)::int AS clears
       FROM journey_stats_flag_hourly WHERE hour >= $1 AND hour < $2 GROUP BY 1, 2`,
      [new Date(from).toISOString(), new Date(to).toISOString(), size, from],
    );
    return rows;
  }

  async ruleBuckets(from: number, to: number, size: number) {
    const rows: { ruleId: string; version: number; i: number; fired: number; last: Date }[] = await this.db.query(
      `SELECT rule_id AS "ruleId", version, ${bucketIndex} AS i, sum(fired)::int AS fired, max(last_fired_at) AS last
       FROM journey_stats_rule_hourly WHERE hour >= $1 AND hour < $2 GROUP BY 1, 2, 3`,
      [new Date(from).toISOString(), new Date(to).toISOString(), size, from],
    );
    return rows;
  }
}

/** An hour's bucket: ($3 the bucket size in ms, $4 the first bucket's start in ms; both aligned). */
const bucketIndex = `floor((extract(epoch FROM hour) * 1000 - $4::float8) / $3::float8)::int`;
