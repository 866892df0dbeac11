/**
 * The relay's claim and the backlog read a few pages whatever the outbox holds. The pending queue
 * drains as fast as it fills, so the planner's figures for it are often stale; a join of the queue
 * with the outbox then walked the whole outbox on every claim (95 ms per claim with 200,000 rows).
 */
import { OutboxRepository } from '../../src/outbox/outbox.repository.js';
import { BACKGROUND_OFF, backend, startApp, statementsSent, type TestApp } from '../support/app.js';

const ROWS = 30_000;
const PENDING = 300;

describe(`the outbox relay's reads on a large outbox (${backend})`, () => {
  let t: TestApp;
  let outbox: OutboxRepository;
  beforeAll(async () => {
    t = await startApp(BACKGROUND_OFF);
    outbox = t.app.get(OutboxRepository);
    await t.db.query(
      `INSERT INTO journey_outbox (event_id, type, user_id, envelope, occurred_at)
       SELECT gen_random_uuid(), 'orchestration.flag.updated', gen_random_uuid(),
         jsonb_build_object('data', jsonb_build_object('flag', 'language_support_needed', 'padding', repeat('x', 300))), now()
       FROM generate_series(1, $1::int)`,
      [ROWS],
    );
    // Statistics taken while everything waited, then all but the newest published: stale, as in a running relay.
    await t.db.query(`ANALYZE journey_outbox_pending`);
    await t.db.query(`ANALYZE journey_outbox`);
    await t.db.query(
      `DELETE FROM journey_outbox_pending WHERE id NOT IN (SELECT id FROM journey_outbox_pending ORDER BY id DESC LIMIT $1)`,
      [PENDING],
    );
  }, 120_000);
  afterAll(() => t.close());

  /** The one statement `work` sends, and what `work` returned. */
  async function sent<R>(work: () => Promise<R>): Promise<{ query: string; parameters: unknown[]; result: R }> {
    const { result, sent } = await statementsSent(t.db, work);
    expect(sent).toHaveLength(1);
    return { query: sent[0].query, parameters: sent[0].parameters, result };
  }

  /** Pages the statement touches (shared buffers hit or read), from EXPLAIN (ANALYZE, BUFFERS). */
  async function pagesOf(query: string, parameters: unknown[]): Promise<number> {
    const [row] = await t.db.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${query}`, parameters);
    const plan = (row['QUERY PLAN'] as { Plan: Record<string, number> }[])[0].Plan;
    return plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];
  }

  it('claims the oldest pending rows in order, reading a few pages of a 30,000-row outbox', async () => {
    const pending = (await t.db.query(`SELECT id FROM journey_outbox_pending ORDER BY id LIMIT 100`)).map((r: { id: string }) => r.id);
    const { query, parameters, result } = await sent(() => outbox.claimUnpublished(t.db.manager, 100));
    expect(result.map((r) => r.id)).toEqual(pending);
    expect(result[0].envelope).toMatchObject({ data: { flag: 'language_support_needed' } });
    // 100 rows by primary key and 100 ids from the queue: 90-300 pages measured; the join read the whole outbox (2,030).
    expect(await pagesOf(query, parameters)).toBeLessThan(600);
  });

  it('reports the backlog (how many, since when) from a few pages', async () => {
    const [oldest] = await t.db.query(`SELECT created_at FROM journey_outbox WHERE id = (SELECT min(id) FROM journey_outbox_pending)`);
    const { query, parameters, result } = await sent(() => outbox.backlog());
    expect(result).toEqual({ count: PENDING, oldest: oldest.created_at });
    // The queue with its dead rows (220 pages measured); the join read the whole outbox (2,008).
    expect(await pagesOf(query, parameters)).toBeLessThan(600);
  });
});
