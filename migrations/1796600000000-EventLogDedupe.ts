import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event log becomes the dedupe: `processed_events` held the same ids over the same retention, one
 * more index-bearing insert per event. Ids processed before the event log existed join it first (user
 * unknown, so on no timeline; the data of one still waiting for its match or session is its envelope's),
 * so they stay duplicates. Their source was never recorded: they are written as 'http', with no Kafka position.
 *
 * The receipt and decision times that only retention reads become BRIN indexes: rows arrive in time
 * order, so a block range summary finds the old rows as well as a B-tree, without a B-tree insert
 * (and its WAL) for every event and every flag change.
 */
const TIME_INDEXES = [
  ['journey_event_log', 'journey_event_log_received', 'received_at'],
  ['journey_flag_history', 'journey_flag_history_changed', 'changed_at'],
] as const;

export class EventLogDedupe1796600000000 implements MigrationInterface {
  name = 'EventLogDedupe1796600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      INSERT INTO journey_event_log (event_id, type, occurred_at, received_at, source, data)
      SELECT p.event_id, p.type, p.occurred_at, p.received_at, 'http', coalesce(w.envelope -> 'data', '{}'::jsonb)
      FROM processed_events p LEFT JOIN pending_events w USING (event_id)
      WHERE NOT EXISTS (SELECT 1 FROM journey_event_log l WHERE l.event_id = p.event_id)
      ORDER BY p.received_at, p.event_id`);
    await q.query(`DROP TABLE processed_events`);
    for (const [table, index, column] of TIME_INDEXES) {
      await q.query(`DROP INDEX ${index}`);
      await q.query(`CREATE INDEX ${index} ON ${table} USING brin (${column}) WITH (autosummarize = on)`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, index, column] of TIME_INDEXES) {
      await q.query(`DROP INDEX ${index}`);
      await q.query(`CREATE INDEX ${index} ON ${table} (${column})`);
    }
    await q.query(`
      CREATE TABLE processed_events (
        event_id uuid PRIMARY KEY,
        type varchar(100) NOT NULL,
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX processed_events_received ON processed_events (received_at)`);
    await q.query(`INSERT INTO processed_events (event_id, type, occurred_at, received_at)
      SELECT event_id, type, occurred_at, received_at FROM journey_event_log`);
  }
}
