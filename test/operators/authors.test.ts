/**
 * Who did it (issue G.6) over HTTP: JOURNEY_API_KEYS takes role:name:KEY beside role:KEY, and every
 * write that records an author (rule versions, rollbacks, manual milestones and flags) stores the
 * key's name; the timeline shows it.
 */
import { randomUUID } from 'node:crypto';
import { backend, KEYS, startApp, type TestApp } from '../support/app.js';
import { ev } from '../support/events.js';

const ALICE = 'alice-key-123456';
const BOB = 'bob-reader-key-123456';

let t: TestApp;
beforeAll(async () => {
  t = await startApp({
    JOURNEY_API_KEYS: `admin:${KEYS.admin},service:${KEYS.service},reader:${KEYS.reader},admin:alice:${ALICE},reader:bob:${BOB}`,
    JOURNEY_BACKFILL_BATCH_SIZE: '0',
    JOURNEY_SCHEDULER_INTERVAL_MS: '0',
    JOURNEY_RETENTION_INTERVAL_MS: '0',
  });
}, 90_000);
afterAll(() => t.close());

const alice = {
  post: (url: string) => t.http.post(url).set('Authorization', `Bearer ${ALICE}`),
  put: (url: string) => t.http.put(url).set('X-API-Key', ALICE),
  delete: (url: string) => t.http.delete(url).set('Authorization', `Bearer ${ALICE}`),
};
const rule = (id: string, priority = 5) => ({
  id,
  name: 'Has sessions',
  flag: 'authors_flag',
  priority,
  conditions: [{ type: 'count', entity: 'kintell_sessions', count: '>=', count_value: 2 }],
  actions: [{ type: 'set_flag', flag: 'authors_flag' }],
});
const timeline = async (u: string, kinds: string) =>
  (await t.as('reader').get(`/journey/participants/${u}/timeline?kinds=${kinds}`).expect(200)).body.entries as Record<string, unknown>[];

describe(`who did it (${backend})`, () => {
  it('rule versions and rollbacks record the key name; an old role:KEY key is named after its role', async () => {
    await alice.post('/journey/rules').send(rule('authors_a')).expect(201);
    await t.as('admin').put('/journey/rules/authors_a').send({ priority: 7 }).expect(200);
    await alice.post('/journey/rules/authors_a/rollback/1').expect(200);
    const res = await t.as('reader').get('/journey/rules/authors_a/versions').expect(200);
    expect(res.body.versions.map((v: { createdBy: string }) => v.createdBy)).toEqual(['alice', 'admin', 'alice']);
  });

  it('a named key keeps its role: a named reader cannot write', async () => {
    await t.http.post('/journey/rules').set('Authorization', `Bearer ${BOB}`).send(rule('authors_b')).expect(403);
    await t.http.get('/journey/rules').set('Authorization', `Bearer ${BOB}`).expect(200);
  });

  it('a manual flag, its hand-back and a manual milestone record the key name, and the timeline shows it', async () => {
    const u = randomUUID();
    await t
      .as('service')
      .post('/journey/events')
      .send([ev.session(u, `s1-${u}`, 5)])
      .expect(200);
    await alice.put(`/journey/flags/${u}/mentor_ready`).send({ value: true, reason: 'confirmed by phone' }).expect(200);
    await alice.delete(`/journey/flags/${u}/mentor_ready`).expect(200);
    await alice
      .post(`/journey/milestones/${u}/first_call`)
      .send({ metadata: { note: 'called' } })
      .expect(201);
    await t.as('admin').post(`/journey/milestones/${u}/second_call`).send({}).expect(201);

    const flags = await timeline(u, 'flag');
    expect(flags.map((f) => [f.value, f.causedBy])).toEqual([
      [false, { trigger: 'manual', by: 'alice' }],
      [true, { trigger: 'manual', by: 'alice' }],
    ]);
    const milestones = await timeline(u, 'milestone');
    expect(milestones.map((m) => [m.milestone, m.by])).toEqual(
      expect.arrayContaining([
        ['first_call', 'alice'],
        ['second_call', 'admin'],
      ]),
    );
  });
});
