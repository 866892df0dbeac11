/**
 * Migration OutboxPending: what the relay has yet to publish moves from `published_at` to
 * `journey_outbox_pending`, which the database fills for every outbox row written; down restores the column.
 */
import { randomUUID } from 'node:crypto';
import { OutboxPending1796700000000 } from '../../migrations/1796700000000-OutboxPending.js';
import { backend, emptyDatabase, migratedTo } from '../support/app.js';

describe(`migration OutboxPending (${backend})`, () => {
  let database: Awaited<ReturnType<typeof emptyDatabase>> | undefined;
  afterAll(() => database?.drop());

  it('keeps unpublished rows pending, marks every row written after it pending, and down restores published_at', async () => {
    database = await emptyDatabase();
    const user = randomUUID();
    const insert = `INSERT INTO journey_outbox (event_id, type, user_id, envelope, occurred_at)
      SELECT gen_random_uuid(), 'orchestration.flag.updated', $1, '{}', now() FROM generate_series(1, $2::int)`;

    const before = await migratedTo(database, OutboxPending1796700000000, false);
    await before.query(insert, [user, 3]);
    await before.query(`UPDATE journey_outbox SET published_at = now() WHERE id = (SELECT min(id) FROM journey_outbox)`);
    await before.destroy();

    const after = await migratedTo(database, OutboxPending1796700000000, true);
    try {
      const ids = async () => (await after.query<{ id: string }[]>(`SELECT id FROM journey_outbox ORDER BY id`)).map((r) => r.id);
      const pending = async () => (await after.query<{ id: string }[]>(`SELECT id FROM journey_outbox_pending ORDER BY id`)).map((r) => r.id);
      const [published, ...waiting] = await ids();
      expect(await pending()).toEqual(waiting);

      // Two rows written in one statement's CTE, as ingest writes them (WriteBatch): both pending, nothing else.
      await after.query(`WITH w0 AS (${insert}) SELECT 1`, [user, 2]);
      const written = (await ids()).slice(3);
      expect(written).toHaveLength(2);
      expect(await pending()).toEqual([...waiting, ...written]);
      expect(await pending()).not.toContain(published);

      await after.undoLastMigration();
      const restored: { id: string; published: boolean }[] = await after.query(
        `SELECT id, published_at IS NOT NULL AS published FROM journey_outbox ORDER BY id`,
      );
      expect(restored).toEqual([published, ...waiting, ...written].map((id) => ({ id, published: id === published })));
      expect(await after.query(`SELECT to_regclass('journey_outbox_pending') AS t`)).toEqual([{ t: null }]);
    } finally {
      await after.destroy();
    }
  });
});
