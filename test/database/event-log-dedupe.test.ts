/**
 * Migration EventLogDedupe: the event log replaces `processed_events` as the dedupe. A database that
 * processed events before the event log existed keeps recognising them as duplicates after the upgrade.
 */
import { randomUUID } from 'node:crypto';
import { EventLogDedupe1796600000000 } from '../../migrations/1796600000000-EventLogDedupe.js';
import { backend, emptyDatabase, migratedTo } from '../support/app.js';

describe(`migration EventLogDedupe (${backend})`, () => {
  let database: Awaited<ReturnType<typeof emptyDatabase>> | undefined;
  afterAll(() => database?.drop());

  it('moves ids processed before the event log into it, keeps a waiting event’s data, drops processed_events; down restores it', async () => {
    database = await emptyDatabase();
    const before = await migratedTo(database, EventLogDedupe1796600000000, false);
    const [old, waiting, logged] = [randomUUID(), randomUUID(), randomUUID()];
    await before.query(
      `INSERT INTO processed_events (event_id, type, occurred_at, received_at) VALUES
         ($1, 'q2q.outcome.scored', '2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z'),
         ($2, 'kintell.rating.created', '2026-01-04T00:00:00Z', '2026-01-05T00:00:00Z'),
         ($3, 'buddy.event.logged', '2026-01-06T00:00:00Z', '2026-01-07T00:00:00Z')`,
      [old, waiting, logged],
    );
    await before.query(`INSERT INTO pending_events (event_id, wait_entity, wait_key, envelope) VALUES ($1, 'kintell_sessions', 's-1', $2)`, [
      waiting,
      JSON.stringify({ id: waiting, type: 'kintell.rating.created', data: { sessionId: 's-1', rating: 5 } }),
    ]);
    await before.query(
      `INSERT INTO journey_event_log (event_id, user_id, type, occurred_at, source, kafka_topic, kafka_partition, kafka_offset, data)
       VALUES ($1, $2, 'buddy.event.logged', '2026-01-06T00:00:00Z', 'kafka', 'buddy.event.logged', 3, 42, '{"kept":true}')`,
      [logged, randomUUID()],
    );
    await before.destroy();

    const after = await migratedTo(database, EventLogDedupe1796600000000, true);
    try {
      const rows: { event_id: string; user_id: string | null; type: string; received_at: Date; source: string; data: unknown }[] =
        await after.query(`SELECT event_id, user_id, type, received_at, source, data FROM journey_event_log ORDER BY occurred_at`);
      expect(rows).toEqual([
        { event_id: old, user_id: null, type: 'q2q.outcome.scored', received_at: new Date('2026-01-03T00:00:00Z'), source: 'http', data: {} },
        {
          event_id: waiting,
          user_id: null,
          type: 'kintell.rating.created',
          received_at: new Date('2026-01-05T00:00:00Z'),
          source: 'http',
          data: { sessionId: 's-1', rating: 5 },
        },
        // Already logged: left as it was.
        expect.objectContaining({ event_id: logged, source: 'kafka', data: { kept: true } }),
      ]);
      expect(await after.query(`SELECT to_regclass('processed_events') AS t`)).toEqual([{ t: null }]);

      await after.undoLastMigration();
      const restored: { event_id: string }[] = await after.query(`SELECT event_id FROM processed_events ORDER BY received_at`);
      expect(restored.map((r) => r.event_id)).toEqual([old, waiting, logged]);
    } finally {
      await after.destroy();
    }
  });
});
