import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Who holds a flag (GET /journey/flags?flag=…): the holders of one flag and value, in participant order. */
export class FlagHolders1796463460053 implements MigrationInterface {
  name = 'FlagHolders1796463460053';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX journey_flags_holders ON journey_flags (flag, value, user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS journey_flags_holders`);
  }
}
