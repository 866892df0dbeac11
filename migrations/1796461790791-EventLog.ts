import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event log (every accepted input event, with its participant once known, its source and its
 * data) and the program time (`occurred_at`) of what caused each flag change, milestone and output,
 * indexed for a participant's timeline newest first.
 */
export class EventLog1796461790791 implements MigrationInterface {
  name = 'EventLog1796461790791';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE journey_event_log (
        id bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        user_id uuid,
        type varchar(100) NOT NULL,
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        source varchar(10) NOT NULL CHECK (source IN ('http', 'kafka')),
        kafka_topic varchar(255),
        kafka_partition integer,
        kafka_offset bigint,
        data jsonb NOT NULL
      )`);
    // A pending event has no participant yet: it joins the timeline when its match or session arrives.
    await q.query(`CREATE INDEX journey_event_log_timeline ON journey_event_log (user_id, occurred_at, id) WHERE user_id IS NOT NULL`);
    await q.query(`CREATE INDEX journey_event_log_received ON journey_event_log (received_at)`);

    // Program time of the cause, beside the decision time; rows written before this migration take the decision time
    // (to the millisecond, like every instant the service writes: the timeline's cursor is in milliseconds).
    await q.query(`ALTER TABLE journey_flag_history ADD COLUMN occurred_at timestamptz, ADD COLUMN caused_by_events uuid[],
      ADD COLUMN trigger varchar(20)`);
    await q.query(`UPDATE journey_flag_history SET occurred_at = date_trunc('milliseconds', changed_at),
      caused_by_events = CASE WHEN caused_by IS NULL THEN NULL ELSE ARRAY[caused_by] END,
      trigger = CASE WHEN caused_by IS NULL THEN 'evaluation' ELSE 'events' END`);
    await q.query(`ALTER TABLE journey_flag_history ALTER COLUMN occurred_at SET NOT NULL, ALTER COLUMN trigger SET NOT NULL`);
    await q.query(`CREATE INDEX journey_flag_history_timeline ON journey_flag_history (user_id, occurred_at, id)`);
    await q.query(`CREATE INDEX journey_flag_history_changed ON journey_flag_history (changed_at)`);

    await q.query(`ALTER TABLE journey_milestones ADD COLUMN occurred_at timestamptz`);
    await q.query(`UPDATE journey_milestones SET occurred_at = date_trunc('milliseconds', reached_at)`);
    await q.query(`ALTER TABLE journey_milestones ALTER COLUMN occurred_at SET NOT NULL`);
    await q.query(`CREATE INDEX journey_milestones_timeline ON journey_milestones (user_id, occurred_at, id)`);

    await q.query(`ALTER TABLE journey_outbox ADD COLUMN occurred_at timestamptz`);
    await q.query(`UPDATE journey_outbox SET occurred_at = date_trunc('milliseconds', created_at)`);
    await q.query(`ALTER TABLE journey_outbox ALTER COLUMN occurred_at SET NOT NULL`);
    await q.query(`CREATE INDEX journey_outbox_timeline ON journey_outbox (user_id, occurred_at, id)`);
    await q.query(`CREATE INDEX journey_outbox_published ON journey_outbox (published_at) WHERE published_at IS NOT NULL`);

    await q.query(`CREATE INDEX processed_events_received ON processed_events (received_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS processed_events_received`);
    await q.query(`DROP INDEX IF EXISTS journey_outbox_published`);
    await q.query(`DROP INDEX IF EXISTS journey_outbox_timeline`);
    await q.query(`ALTER TABLE journey_outbox DROP COLUMN IF EXISTS occurred_at`);
    await q.query(`DROP INDEX IF EXISTS journey_milestones_timeline`);
    await q.query(`ALTER TABLE journey_milestones DROP COLUMN IF EXISTS occurred_at`);
    await q.query(`DROP INDEX IF EXISTS journey_flag_history_changed`);
    await q.query(`DROP INDEX IF EXISTS journey_flag_history_timeline`);
    await q.query(`ALTER TABLE journey_flag_history DROP COLUMN IF EXISTS occurred_at, DROP COLUMN IF EXISTS caused_by_events,
      DROP COLUMN IF EXISTS trigger`);
    await q.query(`DROP TABLE IF EXISTS journey_event_log`);
  }
}
