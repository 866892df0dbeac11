import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ContextRepository } from './context.repository.js';

export interface DueRow {
  userId: string;
  nextDueAt: number | null;
}

const rows = (found: { user_id: string; next_due_at: Date | null }[]): DueRow[] =>
  found.map((r) => ({ userId: r.user_id, nextDueAt: r.next_due_at ? r.next_due_at.getTime() : null }));

/** Which participants time has caught up with (for the scheduler and the sweep), and pages of all of them for the sweep. */
@Injectable()
export class DueRepository {
  constructor(private readonly participants: ContextRepository) {}

  /**
   * Locks up to `limit` participants due at `now`, the longest overdue first. Rows another
   * transaction holds (a scheduler elsewhere, an ingest, a backfill) are skipped, never waited for.
   * Served by the partial index on next_due_at: no scan of the population.
   */
  async claimDue(tx: EntityManager, now: number, limit: number): Promise<DueRow[]> {
    return rows(
      await tx.query(
        `SELECT user_id, next_due_at FROM participants
         WHERE next_due_at <= $1 ORDER BY next_due_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [new Date(now).toISOString(), limit],
      ),
    );
  }

  /** The earliest due instant still ahead of `now`, if any (the first entry of the same index). */
  async earliestAfter(db: EntityManager, now: number): Promise<number | null> {
    const [row]: { at: Date | null }[] = await db.query(`SELECT min(next_due_at) AS at FROM participants WHERE next_due_at > $1`, [
      new Date(now).toISOString(),
    ]);
    return row.at ? row.at.getTime() : null;
  }

  /**
   * The next page of participant ids after `after` (keyset order), and those of them not held by
   * another transaction, now locked. The page decides the cursor, so a skipped row never ends the walk.
   */
  async lockPage(tx: EntityManager, after: string | null, limit: number): Promise<{ last: string | null; locked: DueRow[] }> {
    const page = await this.participants.idsAfter(tx, after, limit);
    if (page.length === 0) return { last: null, locked: [] };
    const locked = rows(
      await tx.query(
        `SELECT user_id, next_due_at FROM participants WHERE user_id = ANY($1::uuid[]) ORDER BY user_id FOR UPDATE SKIP LOCKED`,
        [page],
      ),
    );
    return { last: page.length < limit ? null : page[page.length - 1], locked };
  }
}
