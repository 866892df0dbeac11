/**
 * Several instances on one database with REDIS_URL: the caches are shared, so a rule change made
 * on one instance is used by the other at once (not after the rules cache TTL).
 */
import { randomUUID } from 'node:crypto';
import { freshDatabase, startApp, TEST_PG_URL, type TestApp } from '../support/app.js';
import { ev } from '../support/events.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const suite = TEST_PG_URL ? describe : describe.skip;
if (!TEST_PG_URL) console.log('instances.test: needs TEST_PG_URL (two instances cannot share an embedded PGlite); skipped');

suite('two instances sharing PostgreSQL and Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const db = await freshDatabase();
    drop = db.drop;
    const env = { DATABASE_URL: db.url, REDIS_URL, JOURNEY_CACHE_NAMESPACE: `test-${randomUUID()}`, JOURNEY_BACKFILL_BATCH_SIZE: '0' };
    a = await startApp(env);
    b = await startApp(env);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
  });

  it('a rule created on one instance is evaluated by the other at once', async () => {
    const u = randomUUID();
    await b
      .as('service')
      .post('/journey/events')
      .send(ev.score(u, 0.95, new Date(), 'belonging'))
      .expect(200);
    // B has the active rules cached now.
    expect((await b.as('service').post(`/journey/flags/${u}/evaluate`).expect(200)).body.evaluatedRules).toHaveLength(3);

    await a
      .as('admin')
      .post('/journey/rules')
      .send({
        id: 'belonging_high_001',
        name: 'High belonging',
        flag: 'belonging_high',
        priority: 5,
        conditions: [
          {
            type: 'value',
            entity: 'outcome_scores',
            field: 'score',
            where: [{ field: 'dimension', value: 'belonging' }],
            operator: '>=',
            value: 0.9,
          },
        ],
        actions: [{ type: 'set_flag', flag: 'belonging_high' }],
      })
      .expect(201);

    const r = await b.as('service').post(`/journey/flags/${u}/evaluate`).expect(200);
    expect(r.body.evaluatedRules).toContain('belonging_high_001');
    expect(r.body.changes).toEqual([expect.objectContaining({ type: 'flag_set', flag: 'belonging_high', ruleId: 'belonging_high_001' })]);

    // And a deactivation on B is seen by A just as fast.
    await b.as('admin').post('/journey/rules/belonging_high_001/deactivate').expect(200);
    expect((await a.as('service').post(`/journey/flags/${u}/evaluate`).expect(200)).body.evaluatedRules).not.toContain(
      'belonging_high_001',
    );
  });
});
