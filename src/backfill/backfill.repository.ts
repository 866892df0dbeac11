import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { deleteBatch } from '../database/batched-delete.js';
import type { RowOf } from '../database/row.js';
import { BackfillEntity, type BackfillStatus } from './backfill.entity.js';

export type { BackfillStatus };

/** A backfill's progress, as the service sees it (the API maps it in backfill.dto.ts). */
export type Backfill = BackfillEntity;

type BackfillRow = RowOf<BackfillEntity>;

const COLUMNS = 'rule_id, status, run, rule_version, processed, total, cursor, attempts, started_at, finished_at, error';

const toBackfill = (r: BackfillRow): Backfill => ({
  ruleId: r.rule_id,
  status: r.status,
  run: r.run,
  ruleVersion: r.rule_version,
  processed: r.processed,
  total: r.total,
  cursor: r.cursor,
  attempts: r.attempts,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  error: r.error,
});

/** Backfill progress (rule_backfills). */
@Injectable()
export class BackfillRepository {
  constructor(private readonly db: DataSource) {}

  async findByRule(ruleId: string): Promise<Backfill | undefined> {
    return (await this.db.getRepository(BackfillEntity).findOneBy({ ruleId })) ?? undefined;
  }

  async findRunning(): Promise<Backfill[]> {
    return this.db.getRepository(BackfillEntity).find({ where: { status: 'running' }, order: { startedAt: 'ASC' } });
  }

  /** Starts (or restarts from the beginning) the backfill of a rule. */
  async restart(ruleId: string, ruleVersion: number, total: number): Promise<Backfill> {
    const rows: BackfillRow[] = await this.db.query(
      `INSERT INTO rule_backfills (rule_id, status, run, rule_version, processed, total, cursor, attempts, started_at)
       VALUES ($1, 'running', 1, $2, 0, $3, NULL, 1, clock_timestamp())
       ON CONFLICT (rule_id) DO UPDATE SET status = 'running', run = rule_backfills.run + 1, rule_version = EXCLUDED.rule_version,
         processed = 0, total = EXCLUDED.total, cursor = NULL, attempts = 1, started_at = EXCLUDED.started_at, finished_at = NULL, error = NULL
       RETURNING ${COLUMNS}`,
      [ruleId, ruleVersion, total],
    );
    return toBackfill(rows[0]);
  }

  /**
   * Takes over a running backfill to resume it: a new run number and one more attempt, same cursor
   * and progress. Another instance still walking the old run stops at its next batch, so two never
   * walk one backfill.
   */
  async claim(ruleId: string): Promise<Backfill | undefined> {
    const rows: BackfillRow[] = await this.db.query(
      `WITH u AS (UPDATE rule_backfills SET run = run + 1, attempts = attempts + 1 WHERE rule_id = $1 AND status = 'running' RETURNING ${COLUMNS}) SELECT * FROM u`,
      [ruleId],
    );
    return rows[0] && toBackfill(rows[0]);
  }

  /**
   * Records a batch done for the runs walking together, in the batch's transaction; `finished` completes them.
   * Returns the rules whose run is still current (a newer run, restarted elsewhere, is left alone).
   */
  async advance(
    tx: EntityManager,
    runs: { ruleId: string; run: number }[],
    cursor: string | null,
    done: number,
    finished: boolean,
  ): Promise<Set<string>> {
    const rows: { rule_id: string }[] = await tx.query(
      // In a WITH: TypeORM answers a bare UPDATE with [rows, count], a SELECT with the rows.
      `WITH u AS (
         UPDATE rule_backfills b SET cursor = $3, processed = b.processed + $4, total = GREATEST(b.total, b.processed + $4), attempts = 1,
           status = CASE WHEN $5 THEN 'completed' ELSE b.status END, finished_at = CASE WHEN $5 THEN clock_timestamp() END
         FROM unnest($1::text[], $2::int[]) AS x(rule_id, run)
         WHERE b.rule_id = x.rule_id AND b.run = x.run AND b.status = 'running' RETURNING b.rule_id
       ) SELECT rule_id FROM u`,
      [runs.map((r) => r.ruleId), runs.map((r) => r.run), cursor, done, finished],
    );
    return new Set(rows.map((r) => r.rule_id));
  }

  /** A walk paused cleanly (shutdown): its attempt does not count against the backfill. */
  async pause(runs: { ruleId: string; run: number }[]): Promise<void> {
    await this.db.query(
      `UPDATE rule_backfills b SET attempts = 0 FROM unnest($1::text[], $2::int[]) AS x(rule_id, run)
       WHERE b.rule_id = x.rule_id AND b.run = x.run AND b.status = 'running'`,
      [runs.map((r) => r.ruleId), runs.map((r) => r.run)],
    );
  }

  /** Ends a running backfill with an error (a failure, or a cancellation); `run` omitted: whichever run is current. */
  async fail(ruleId: string, error: string, run?: number): Promise<void> {
    await this.db.query(
      `UPDATE rule_backfills SET status = 'failed', finished_at = clock_timestamp(), error = $2
       WHERE rule_id = $1 AND status = 'running' AND ($3::int IS NULL OR run = $3)`,
      [ruleId, error.slice(0, 2000), run ?? null],
    );
  }

  /** Deletes backfills that finished (completed or failed) before `cutoff` (retention); how many. */
  deleteFinishedBefore(cutoff: Date, limit: number): Promise<number> {
    return deleteBatch(
      this.db.manager,
      'rule_backfills',
      'rule_id',
      `status <> 'running' AND finished_at < $1`,
      [cutoff.toISOString()],
      limit,
    );
  }
}
