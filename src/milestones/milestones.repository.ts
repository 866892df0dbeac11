import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { deleteBatch } from '../database/batched-delete.js';
import type { RowOf } from '../database/row.js';
import type { Reader } from '../database/read-batch.js';
import { MilestoneEntity } from './milestone.entity.js';

export interface MilestoneRow {
  milestone: string;
  reachedAt: Date;
  triggeredByRule: string;
  metadata: Record<string, unknown>;
  /** Program time of the cause (the decision time for a manual milestone). */
  occurredAt: Date;
}
const toRow = (r: MilestoneEntity): MilestoneRow => ({
  milestone: r.milestone,
  reachedAt: r.reachedAt,
  triggeredByRule: r.triggeredByRule,
  metadata: r.metadata,
  occurredAt: r.occurredAt,
});

/** The key of a participant's milestone in the set insertMany returns. */
export const milestoneKey = (userId: string, milestone: string) => `${userId}\u0000${milestone}`;

@Injectable()
export class MilestonesRepository {
  constructor(private readonly db: DataSource) {}

  async findByUser(userId: string): Promise<MilestoneRow[]> {
    const rows = await this.db.getRepository(MilestoneEntity).find({ where: { userId }, order: { reachedAt: 'ASC', milestone: 'ASC' } });
    return rows.map(toRow);
  }

  async findOne(tx: EntityManager, userId: string, milestone: string): Promise<MilestoneRow | undefined> {
    const row = await tx.getRepository(MilestoneEntity).findOneBy({ userId, milestone });
    return row ? toRow(row) : undefined;
  }

  async loadNames(reader: Reader, userIds: string[]): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    if (userIds.length === 0) return out;
    const rows = await reader.query<Pick<RowOf<MilestoneEntity>, 'user_id' | 'milestone'>>(
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
    rows: { userId: string; milestone: string; ruleId: string; metadata: object; at: number; occurredAt?: number; actor?: string }[],
  ): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const inserted: Pick<RowOf<MilestoneEntity>, 'user_id' | 'milestone'>[] = await tx.query(
      `INSERT INTO journey_milestones (user_id, milestone, reached_at, triggered_by_rule, metadata, occurred_at, actor)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(user_id uuid, milestone text, reached_at timestamptz, triggered_by_rule text,
         metadata jsonb, occurred_at timestamptz, actor text)
       ON CONFLICT (user_id, milestone) DO NOTHING RETURNING user_id, milestone`,
      [
        JSON.stringify(
          rows.map((r) => ({
            user_id: r.userId,
            milestone: r.milestone,
            reached_at: new Date(r.at).toISOString(),
            triggered_by_rule: r.ruleId,
            metadata: r.metadata,
            occurred_at: new Date(r.occurredAt ?? r.at).toISOString(),
            actor: r.actor ?? null,
          })),
        ),
      ],
    );
    return new Set(inserted.map((r) => milestoneKey(r.user_id, r.milestone)));
  }

  /** Deletes milestones reached before `cutoff` (retention, only when configured); how many. */
  deleteReachedBefore(cutoff: Date, limit: number): Promise<number> {
    return deleteBatch(this.db.manager, 'journey_milestones', 'id', 'reached_at < $1', [cutoff.toISOString()], limit);
  }
}
