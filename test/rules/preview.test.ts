/**
 * POST /journey/rules/preview: a rule evaluated over every known participant, saved nowhere,
 * checked against a population whose answers are known.
 */
import { stringify } from 'yaml';
import { backend, startApp, type TestApp } from '../support/app.js';
import { ingestPopulation, outboxCount, type Population } from './helpers.js';

let t: TestApp;
let pop: Population;
beforeAll(async () => {
  // Small batches: the 50 participants are read in 8 pages.
  t = await startApp({ JOURNEY_BACKFILL_BATCH_SIZE: '7' });
  // 25 with three language sessions rated 5 (mentor_ready_001, a default rule, sets mentor_ready live), 15 with one, 10 with none.
  const ready = await ingestPopulation(t, 25, 10, 3);
  const one = await ingestPopulation(t, 15, 0, 1);
  pop = { withSessions: ready.withSessions, enrolledOnly: ready.enrolledOnly, all: [...ready.all, ...one.all].sort() };
});
afterAll(() => t.close());

const twoSessions = {
  id: 'preview_two_sessions',
  name: 'Two sessions',
  flag: 'two_sessions',
  priority: 1,
  conditions: [{ type: 'count', entity: 'kintell_sessions', count: '>=', count_value: 2 }],
  actions: [
    { type: 'set_flag', flag: 'two_sessions' },
    { type: 'emit_event', event: 'journey.preview.tested' },
  ],
};

describe(`impact preview (${backend})`, () => {
  it('counts the participants a new rule matches and the flags it would set, with a sample of 20 in id order', async () => {
    const res = await t.as('admin').post('/journey/rules/preview').send(twoSessions).expect(200);
    expect(res.body).toEqual({ matching: 25, evaluated: 50, wouldSet: 25, wouldClear: 0, sample: pop.withSessions.slice(0, 20) });
  });

  it('saves nothing: no rule, no version, no flag, no event, no backfill', async () => {
    await t.as('admin').post('/journey/rules/preview').send(twoSessions).expect(200);
    await t.as('reader').get('/journey/rules/preview_two_sessions').expect(404);
    await t.as('reader').get('/journey/rules/preview_two_sessions/versions').expect(404);
    await t.as('reader').get('/journey/rules/preview_two_sessions/backfill').expect(404);
    expect(await t.db.query(`SELECT 1 FROM journey_flags WHERE flag = 'two_sessions'`)).toEqual([]);
    expect(await outboxCount(t, 'journey.preview.tested', 'preview_two_sessions')).toBe(0);
  });

  it('previews a change to a live rule against the participants’ real state: only what the change would alter', async () => {
    const live = (await t.as('reader').get('/journey/rules/mentor_ready_001').expect(200)).body;
    const { version: _v, createdAt: _c, updatedAt: _u, ...doc } = live;
    // Unchanged: the 25 already matched, so nothing would fire again.
    expect((await t.as('admin').post('/journey/rules/preview').send(doc).expect(200)).body).toMatchObject({
      matching: 25,
      evaluated: 50,
      wouldSet: 0,
      wouldClear: 0,
    });
    // Stricter: nobody matches any more, and the 25 flags it set would be cleared.
    const stricter = { ...doc, conditions: [{ ...doc.conditions[0], count_value: 4 }, doc.conditions[1]] };
    expect((await t.as('admin').post('/journey/rules/preview').send(stricter).expect(200)).body).toEqual({
      matching: 0,
      evaluated: 50,
      wouldSet: 0,
      wouldClear: 25,
      sample: [],
    });
  });

  it('takes YAML, and answers 400 with each problem for an invalid rule; admins only', async () => {
    const yaml = await t
      .as('admin')
      .post('/journey/rules/preview')
      .set('Content-Type', 'application/yaml')
      .send(stringify(twoSessions))
      .expect(200);
    expect(yaml.body.matching).toBe(25);
    const bad = await t
      .as('admin')
      .post('/journey/rules/preview')
      .send({ ...twoSessions, conditions: [{ type: 'count', entity: 'kintell_sessions', count: '>=', count_value: 'two' }] })
      .expect(400);
    expect(bad.body.problems).toEqual([{ path: 'conditions[0].count_value', reason: 'must be number' }]);
    await t.as('reader').post('/journey/rules/preview').send(twoSessions).expect(403);
  });
});
