import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Only matches and sessions are looked up by key (to find the participant other events reach
 * through them): a partial index over those instead of every record keeps the ingest's record
 * upserts from maintaining an index nothing reads.
 */
export class OwnerIndex1795837000000 implements MigrationInterface {
  name = 'OwnerIndex1795837000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS participant_records_by_key`);
    await q.query(
      `CREATE INDEX participant_records_owners ON participant_records (entity, record_key)
       WHERE entity IN ('buddy_matches', 'kintell_sessions')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS participant_records_owners`);
    await q.query(`CREATE INDEX participant_records_by_key ON participant_records (entity, record_key)`);
  }
}
