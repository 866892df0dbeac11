import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Progress of the background re-evaluation that follows a rule's creation, activation or change. */
export class RuleBackfills1795756452893 implements MigrationInterface {
  name = 'RuleBackfills1795756452893';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rule_backfills (
        rule_id varchar(100) PRIMARY KEY,
        status varchar(20) NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
        run integer NOT NULL DEFAULT 1,
        rule_version integer,
        processed integer NOT NULL DEFAULT 0,
        total integer NOT NULL DEFAULT 0,
        cursor uuid,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        error text
      )`);
    await q.query(`CREATE INDEX rule_backfills_running ON rule_backfills (started_at) WHERE status = 'running'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS rule_backfills`);
  }
}
