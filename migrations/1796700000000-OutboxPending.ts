import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the relay has yet to publish moves to its own small table, `journey_outbox_pending` (the row id
 * alone): a statement trigger adds every row an INSERT writes to the outbox, so no writer can forget
 * it, and the relay deletes it once published. The outbox row itself is then written once and never
 * updated. Before, publishing updated every row's `published_at`, which two partial indexes read, so
 * each publication wrote a second copy of the row and four index entries.
 * Retention counts an output's age from its creation (BRIN, rows arrive in time order); pending rows
 * are still never deleted.
 */
export class OutboxPending1796700000000 implements MigrationInterface {
  name = 'OutboxPending1796700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE journey_outbox_pending (id bigint NOT NULL, CONSTRAINT journey_outbox_pending_pkey PRIMARY KEY (id))`);
    await q.query(`INSERT INTO journey_outbox_pending (id) SELECT id FROM journey_outbox WHERE published_at IS NULL`);
    await q.query(`
      CREATE FUNCTION journey_outbox_pend() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO journey_outbox_pending (id) SELECT id FROM written;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER journey_outbox_pend AFTER INSERT ON journey_outbox
      REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION journey_outbox_pend()`);
    await q.query(`DROP INDEX journey_outbox_unpublished`);
    await q.query(`DROP INDEX journey_outbox_published`);
    await q.query(`ALTER TABLE journey_outbox DROP COLUMN published_at`);
    await q.query(`CREATE INDEX journey_outbox_created ON journey_outbox USING brin (created_at) WITH (autosummarize = on)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX journey_outbox_created`);
    await q.query(`ALTER TABLE journey_outbox ADD COLUMN published_at timestamptz`);
    // When each was published was not kept: its creation stands in.
    await q.query(`UPDATE journey_outbox o SET published_at = o.created_at
      WHERE NOT EXISTS (SELECT 1 FROM journey_outbox_pending p WHERE p.id = o.id)`);
    await q.query(`CREATE INDEX journey_outbox_unpublished ON journey_outbox (id) WHERE published_at IS NULL`);
    await q.query(`CREATE INDEX journey_outbox_published ON journey_outbox (published_at) WHERE published_at IS NOT NULL`);
    await q.query(`DROP TRIGGER journey_outbox_pend ON journey_outbox`);
    await q.query(`DROP FUNCTION journey_outbox_pend()`);
    await q.query(`DROP TABLE journey_outbox_pending`);
  }
}
