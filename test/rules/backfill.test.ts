/**
 * Backfill: creating, activating or changing a rule re-evaluates every known participant in the
 * background, records its progress, resumes after a restart, and emits each event exactly once.
 */
import { jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLAG_EVENT } from '../../src/contracts/rule.js';
import { backend, freshDatabase, startApp, TEST_PG_URL, type TestApp } from '../support/app.js';
import { ev } from '../support/events.js';
import { backfillFinished, ingestPopulation, outboxCount, poll, type BackfillBody } from './helpers.js';

const CUSTOM_EVENT = 'journey.backfill.tested';

// Starting the app on PGlite (WASM) takes tens of seconds on a loaded machine.
jest.setTimeout(120_000);

const rule = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: 'Has two sessions',
  flag: `${id}_flag`,
  priority: 1,
  conditions: [{ type: 'count', entity: 'kintell_sessions', count: '>=', count_value: 2 }],
  actions: [
    { type: 'set_flag', flag: `${id}_flag` },
    { type: 'emit_event', event: CUSTOM_EVENT },
  ],
  ...extra,
});

describe(`backfill (${backend})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ JOURNEY_BACKFILL_BATCH_SIZE: '10' });
  });
  afterAll(() => t.close());

  it('gives existing participants a new rule’s flags and events, records progress, and emits nothing twice', async () => {
    const pop = await ingestPopulation(t, 30, 15, 2);
    await t.as('reader').get('/journey/rules/bf_new/backfill').expect(404);
    const before = Date.now();
    await t.as('admin').post('/journey/rules').send(rule('bf_new')).expect(201);

    const done = await backfillFinished(t, 'bf_new');
    expect(done).toMatchObject({ ruleId: 'bf_new', status: 'completed', processed: 45, total: 45, error: null });
    expect(Date.parse(done.startedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(done.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(done.startedAt));

    const flagged: { user_id: string }[] = await t.db.query(
      `SELECT user_id FROM journey_flags WHERE flag = 'bf_new_flag' AND value ORDER BY user_id`,
    );
    expect(flagged.map((r) => r.user_id)).toEqual(pop.withSessions);
    const history = await t.as('reader').get(`/journey/flags/${pop.withSessions[0]}/history`).expect(200);
    expect(history.body.history.find((h: { flag: string }) => h.flag === 'bf_new_flag')).toMatchObject({
      value: true,
      setByRule: 'bf_new',
      ruleVersion: 1,
    });
    expect(await outboxCount(t, FLAG_EVENT, 'bf_new')).toBe(30);
    expect(await outboxCount(t, CUSTOM_EVENT, 'bf_new')).toBe(30);

    // A change restarts the backfill from the start; nobody's rule starts to match again, so no event repeats.
    await t.as('admin').put('/journey/rules/bf_new').send({ description: 'same conditions, new version' }).expect(200);
    const again = await backfillFinished(t, 'bf_new', done);
    expect(again).toMatchObject({ status: 'completed', processed: 45, total: 45 });
    // So does deactivating and activating it again.
    await t.as('admin').post('/journey/rules/bf_new/deactivate').expect(200);
    await t.as('admin').post('/journey/rules/bf_new/activate').expect(200);
    await backfillFinished(t, 'bf_new', again);
    expect(await outboxCount(t, FLAG_EVENT, 'bf_new')).toBe(30);
    expect(await outboxCount(t, CUSTOM_EVENT, 'bf_new')).toBe(30);

    // Live evaluation after the backfill does not fire again for those it already reached…
    await t
      .as('service')
      .post('/journey/events')
      .send(ev.session(pop.withSessions[0], `extra-${pop.withSessions[0]}`, 5))
      .expect(200);
    expect(await outboxCount(t, FLAG_EVENT, 'bf_new')).toBe(30);
    // …and fires once for a participant who starts to match.
    const u = pop.enrolledOnly[0];
    await t
      .as('service')
      .post('/journey/events')
      .send([ev.session(u, `a-${u}`, 5), ev.session(u, `b-${u}`, 5)])
      .expect(200);
    expect(await outboxCount(t, FLAG_EVENT, 'bf_new')).toBe(31);
    expect(await outboxCount(t, CUSTOM_EVENT, 'bf_new')).toBe(31);
  });

  it('does nothing for an inactive rule', async () => {
    await t
      .as('admin')
      .post('/journey/rules')
      .send(rule('bf_inactive', { active: false }))
      .expect(201);
    await t.as('admin').put('/journey/rules/bf_inactive').send({ description: 'still inactive' }).expect(200);
    // Changes are handled in order, so once a later rule's backfill has finished these have been too.
    await t.as('admin').post('/journey/rules').send(rule('bf_marker')).expect(201);
    await backfillFinished(t, 'bf_marker');
    await t.as('reader').get('/journey/rules/bf_inactive/backfill').expect(404);
    expect(await outboxCount(t, FLAG_EVENT, 'bf_inactive')).toBe(0);
  });
});

describe(`backfill cancellation (${backend})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    // One participant a batch: slow enough to act while it runs.
    t = await startApp({ JOURNEY_BACKFILL_BATCH_SIZE: '1' });
  });
  afterAll(() => t.close());

  it('ends a running backfill when its rule is deactivated', async () => {
    await ingestPopulation(t, 60, 60, 2);
    await t.as('admin').post('/journey/rules').send(rule('bf_cancel')).expect(201);
    const seen = await poll(
      async () => (await t.as('reader').get('/journey/rules/bf_cancel/backfill')).body as BackfillBody,
      (b) => b?.processed > 0,
    );
    expect(seen.processed).toBeLessThan(120);
    await t.as('admin').post('/journey/rules/bf_cancel/deactivate').expect(200);
    const ended = await backfillFinished(t, 'bf_cancel');
    expect(ended).toMatchObject({ status: 'failed', error: 'cancelled: the rule is no longer active', total: 120 });
    expect(ended.processed).toBeLessThan(120);
  });
});

describe(`backfill across a restart (${backend})`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'journey-backfill-'));
  let database: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = TEST_PG_URL ? await freshDatabase() : undefined;
    // Both apps on the same database: a PGlite data directory, or one PostgreSQL database.
    env = { JOURNEY_BACKFILL_BATCH_SIZE: '3', ...(database ? { DATABASE_URL: database.url } : { JOURNEY_DATA_DIR: dataDir }) };
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes a running backfill from its cursor on the next start, and still emits each event once', async () => {
    const first = await startApp(env);
    let seen: BackfillBody;
    let pop;
    try {
      pop = await ingestPopulation(first, 60, 60, 2);
      await first.as('admin').post('/journey/rules').send(rule('bf_resume')).expect(201);
      // 40 batches of 3: stop the service once the backfill is under way.
      seen = await poll(
        async () => (await first.as('reader').get('/journey/rules/bf_resume/backfill')).body as BackfillBody,
        (b) => b?.processed > 0,
      );
      expect(seen).toMatchObject({ status: 'running', total: 120 });
      expect(seen.processed).toBeLessThan(120);
    } finally {
      await first.close();
    }

    const second = await startApp(env);
    try {
      const done = await backfillFinished(second, 'bf_resume');
      // The same run, carried on: not started again.
      expect(done).toMatchObject({ status: 'completed', processed: 120, total: 120, startedAt: seen.startedAt });
      const flagged: { n: number }[] = await second.db.query(
        `SELECT count(*)::int AS n FROM journey_flags WHERE flag = 'bf_resume_flag' AND value`,
      );
      expect(flagged[0].n).toBe(60);
      expect(await outboxCount(second, FLAG_EVENT, 'bf_resume')).toBe(60);
      expect(await outboxCount(second, CUSTOM_EVENT, 'bf_resume')).toBe(60);
      expect(pop.withSessions).toHaveLength(60);
    } finally {
      await second.close();
    }
  }, 240_000);
});
