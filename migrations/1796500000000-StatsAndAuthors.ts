import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who did it (the name of the API key behind a manual flag or milestone) and trends: hourly rollups of
 * flag sets/clears and rule rises, written in each decision's transaction, filled here from the history so far.
 */
export class StatsAndAuthors1796500000000 implements MigrationInterface {
  name = 'StatsAndAuthors1796500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE journey_flag_history ADD COLUMN actor text`);
    await q.query(`ALTER TABLE journey_milestones ADD COLUMN actor text`);
    await q.query(`CREATE TABLE journey_stats_flag_hourly (
      flag text NOT NULL, hour timestamptz NOT NULL, sets int NOT NULL DEFAULT 0, clears int NOT NULL DEFAULT 0,
      PRIMARY KEY (flag, hour))`);
    await q.query(`CREATE TABLE journey_stats_rule_hourly (
      rule_id text NOT NULL, version int NOT NULL, hour timestamptz NOT NULL, fired int NOT NULL DEFAULT 0,
      last_fired_at timestamptz NOT NULL, PRIMARY KEY (rule_id, version, hour))`);
    await q.query(`CREATE INDEX journey_stats_rule_hourly_hour ON journey_stats_rule_hourly (hour)`);
    // What changed after `to` (usually: nothing, `to` being now) without reading every flag's hours.
    await q.query(`CREATE INDEX journey_stats_flag_hourly_hour ON journey_stats_flag_hourly (hour)`);
    // Today's holders of every flag, counted from the index alone.
    await q.query(`CREATE INDEX journey_flags_holding ON journey_flags (flag, expires_at) WHERE value`);
    await q.query(`INSERT INTO journey_stats_flag_hourly (flag, hour, sets, clears)
      SELECT flag, date_trunc('hour', changed_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
        count(*) FILTER (WHERE value AND previous_value IS NOT TRUE), count(*) FILTER (WHERE NOT value AND previous_value IS TRUE)
      FROM journey_flag_history GROUP BY 1, 2`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS journey_flags_holding`);
    await q.query(`DROP TABLE IF EXISTS journey_stats_rule_hourly`);
    await q.query(`DROP TABLE IF EXISTS journey_stats_flag_hourly`);
    await q.query(`ALTER TABLE journey_milestones DROP COLUMN IF EXISTS actor`);
    await q.query(`ALTER TABLE journey_flag_history DROP COLUMN IF EXISTS actor`);
  }
}
