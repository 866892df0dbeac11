import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { deleteBatch } from '../database/batched-delete.js';

export interface MilestoneRow {
  milestone: string;
  reachedAt: Date;
  triggeredByRule: string;
  metadata: Record<string, unknown>;
  /** Program time of the cause (the decision time for a manual milestone). */
  occurredAt: Date;
}
interface Row {
  milestone: string;
  reached_at: Date;
  triggered_by_rule: string;
  metadata: Record<string, unknown>;
  occurred_at: Date;
}
const toRow = (r: Row): MilestoneRow => ({
  milestone: r.milestone,
  reachedAt: r.reached_at,
  triggeredByRule: r.triggered_by_rule,
  metadata: r.metadata,
  occurredAt: r.occurred_at,
});

/** The key of a participant's milestone in the set insertMany returns. */
export const milestoneKey = (userId: string, milestone: string) => `${userId}\u0000${milestone}`;

@Injectable()
export class MilestonesRepository {
  constructor(private readonly db: DataSource) {}

  async findByUser(userId: string): Promise<MilestoneRow[]> {
    const rows: Row[] = await this.db.query(
      `SELECT milestone, reached_at, triggered_by_rule, metadata, occurred_at FROM journey_milestones WHERE user_id = $1 ORDER BY reached_at, milestone`,
      [userId],
    );
    return rows.map(toRow);
  }

  async findOne(tx: EntityManager, userId: string, milestone: string): Promise<MilestoneRow | undefined> {
    const rows: Row[] = await tx.query(
      `SELECT milestone, reached_at, triggered_by_rule, metadata, occurred_at FROM journey_milestones WHERE user_id = $1 AND milestone = $2`,
      [userId, milestone],
    );
    return rows[0] && toRow(rows[0]);
  }

  async loadNames(tx: EntityManager, userIds: string[]): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    if (userIds.length === 0) return out;
    const rows: { user_id: string; milestone: string }[] = await tx.query(
      `SELECT user_id, milestone FROM journey_milestones WHERE user_id = ANY($1::uuid[])`,
      [userIds],
    );
    for (const r of rows) {
      const set = out.get(r.user_id) ?? new Set<string>();
      set.add(r.milestone);
      out.set(r.user_id, set);
    }
    return out;
  }

  /**
   * Records milestones; those already reached are left as they were. Returns the ones recorded now.
   * `at` is the decision time, `occurredAt` the program time of the cause (default: `at`).
   */
  async insertMany(
    tx: EntityManager,
    rows: { userId: string; milestone: string; ruleId: string; metadata: object; at: number; occurredAt?: number }[],
  ): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const inserted: { user_id: string; milestone: string }[] = await tx.query(
      `INSERT INTO journey_milestones (user_id, milestone, reached_at, triggered_by_rule, metadata, occurred_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::jsonb[], $6::timestamptz[])
       ON CONFLICT (user_id, milestone) DO NOTHING RETURNING user_id, milestone`,
      [
        rows.map((r) => r.userId),
        rows.map((r) => r.milestone),
        rows.map((r) => new Date(r.at).toISOString()),
        rows.map((r) => r.ruleId),
        rows.map((r) => JSON.stringify(r.metadata)),
        rows.map((r) => new Date(r.occurredAt ?? r.at).toISOString()),
      ],
    );
    return new Set(inserted.map((r) => milestoneKey(r.user_id, r.milestone)));
  }

  /** Deletes milestones reached before `cutoff` (retention, only when configured); how many. */
  deleteReachedBefore(cutoff: Date, limit: number): Promise<number> {
    return deleteBatch(this.db.manager, 'journey_milestones', 'id', 'reached_at < $1', [cutoff.toISOString()], limit);
  }
}
