import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface HolderRow {
  userId: string;
  setAt: Date;
  setByRule: string;
  expiresAt: Date | null;
}

/** Holding `value` at $2: an expired flag is false to readers (as in GET /journey/flags/:userId). */
const holds = (value: boolean) => (value ? `value AND (expires_at IS NULL OR expires_at > $2)` : `(NOT value OR expires_at <= $2)`);

/** Who holds a flag: the participants whose flag has a given value now, in participant order. */
@Injectable()
export class FlagHoldersRepository {
  constructor(private readonly db: DataSource) {}

  async count(flag: string, value: boolean, now: number): Promise<number> {
    const [{ n }]: { n: number }[] = await this.db.query(
      `SELECT count(*)::int AS n FROM journey_flags WHERE flag = $1 AND ${holds(value)}`,
      [flag, new Date(now).toISOString()],
    );
    return n;
  }

  /** Up to `limit` holders after participant `after` (keyset). */
  async page(flag: string, value: boolean, now: number, after: string | null, limit: number): Promise<HolderRow[]> {
    return this.db.query(
      `SELECT user_id AS "userId", set_at AS "setAt", set_by_rule AS "setByRule", expires_at AS "expiresAt"
       FROM journey_flags WHERE flag = $1 AND ${holds(value)} AND ($3::uuid IS NULL OR user_id > $3::uuid)
       ORDER BY user_id LIMIT $4`,
      [flag, new Date(now).toISOString(), after, limit],
    );
  }

  /** Whether any participant ever had this flag. */
  async known(flag: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM journey_flags WHERE flag = $1 LIMIT 1`, [flag]);
    return rows.length > 0;
  }
}
