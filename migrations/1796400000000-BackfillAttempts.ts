import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Walks of a backfill started at its current cursor and not ended cleanly (a batch committed, or a
 * pause at shutdown): a process that keeps dying in the same batch (its heap exhausted, say) has
 * its backfill quarantined instead of resumed at every start.
 */
export class BackfillAttempts1796400000000 implements MigrationInterface {
  name = 'BackfillAttempts1796400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rule_backfills ADD COLUMN attempts integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rule_backfills DROP COLUMN attempts`);
  }
}
