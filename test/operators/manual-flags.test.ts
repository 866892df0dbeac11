/**
 * Manual flags (issue G.5) over HTTP on the real app and database: set by hand, left alone by the
 * rules, handed back with an immediate re-evaluation in the same transaction.
 */
import { randomUUID } from 'node:crypto';
import { BACKGROUND_OFF, backend, startApp, type TestApp } from '../support/app.js';
import { daysAgo, ev } from '../support/events.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp(BACKGROUND_OFF);
}, 90_000);
afterAll(() => t.close());

const ingest = (events: unknown) => t.ingest(events);
const flagOf = async (u: string, flag: string) =>
  ((await t.as('reader').get(`/journey/flags/${u}`).expect(200)).body.flags as Record<string, unknown>[]).find((f) => f.flag === flag);
const history = async (u: string) =>
  (await t.as('reader').get(`/journey/flags/${u}/history`).expect(200)).body.history as Record<string, unknown>[];
const outputs = (u: string) =>
  t.db.query<{ envelope: { type: string; data: Record<string, unknown> } }[]>(
    `SELECT envelope FROM journey_outbox WHERE user_id = $1 ORDER BY id`,
    [u],
  );

describe(`manual flags (${backend})`, () => {
  it('PUT sets a flag by hand: setByRule manual, a history row, an orchestration.flag.updated event with ruleId manual', async () => {
    const u = randomUUID();
    await ingest(ev.session(u, `s1-${u}`, 5));
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const res = await t
      .as('admin')
      .put(`/journey/flags/${u}/mentor_ready`)
      .send({ value: true, expiresAt, reason: 'confirmed by phone' })
      .expect(200);
    expect(res.body).toEqual({
      userId: u,
      flag: { flag: 'mentor_ready', value: true, setByRule: 'manual', setAt: expect.any(String), expiresAt },
    });
    expect(await flagOf(u, 'mentor_ready')).toMatchObject({ value: true, setByRule: 'manual', expiresAt });
    expect(await history(u)).toEqual([
      expect.objectContaining({
        flag: 'mentor_ready',
        value: true,
        previousValue: null,
        setByRule: 'manual',
        reason: 'confirmed by phone',
      }),
    ]);
    const out = (await outputs(u)).map((o) => o.envelope);
    expect(out).toEqual([
      expect.objectContaining({
        type: 'orchestration.flag.updated',
        data: { userId: u, flag: 'mentor_ready', value: true, previousValue: null, ruleId: 'manual', reason: 'confirmed by phone' },
      }),
    ]);
    const timeline = (await t.as('reader').get(`/journey/participants/${u}/timeline?kinds=flag`).expect(200)).body.entries;
    expect(timeline[0]).toMatchObject({ flag: 'mentor_ready', ruleId: 'manual', causedBy: { trigger: 'manual' } });
    // Another event: the manual flag stays, owned by hand.
    await ingest(ev.session(u, `s2-${u}`, 1));
    expect(await flagOf(u, 'mentor_ready')).toMatchObject({ value: true, setByRule: 'manual' });
  });

  it('the rules leave a manual flag alone; DELETE hands it back and the participant is re-evaluated at once', async () => {
    const u = randomUUID();
    await ingest([1, 2, 3].map((d) => ev.session(u, `s${d}-${u}`, 5, daysAgo(d))));
    expect(await flagOf(u, 'mentor_ready')).toMatchObject({ value: true, setByRule: 'mentor_ready_001' });

    await t.as('admin').put(`/journey/flags/${u}/mentor_ready`).send({ value: false, reason: 'on leave' }).expect(200);
    await ingest(ev.session(u, `s4-${u}`, 5));
    expect(await flagOf(u, 'mentor_ready')).toMatchObject({ value: false, setByRule: 'manual' });

    const back = await t.as('admin').delete(`/journey/flags/${u}/mentor_ready`).expect(200);
    expect(back.body.flag).toMatchObject({ flag: 'mentor_ready', value: true, setByRule: 'mentor_ready_001' });
    expect(await flagOf(u, 'mentor_ready')).toMatchObject({ value: true, setByRule: 'mentor_ready_001' });
    expect((await history(u)).map((h) => [h.value, h.previousValue, h.setByRule])).toEqual([
      [true, null, 'mentor_ready_001'],
      [false, true, 'manual'],
      [true, false, 'mentor_ready_001'],
    ]);
  });

  it('handed back while the matching rule says the same, the flag stays and the rule holds it, with a history row and an event', async () => {
    const u = randomUUID();
    await ingest([1, 2, 3].map((d) => ev.session(u, `s${d}-${u}`, 5, daysAgo(d))));
    await t.as('admin').put(`/journey/flags/${u}/mentor_ready`).send({ value: true, reason: 'confirmed' }).expect(200);
    const back = await t.as('admin').delete(`/journey/flags/${u}/mentor_ready`).expect(200);
    expect(back.body.flag).toMatchObject({ flag: 'mentor_ready', value: true, setByRule: 'mentor_ready_001' });
    expect((await history(u)).map((h) => [h.value, h.previousValue, h.setByRule, h.reason])).toEqual([
      [true, null, 'mentor_ready_001', 'conditions hold'],
      [true, true, 'manual', 'confirmed'],
      [true, true, 'mentor_ready_001', 'handed back to the rules'],
    ]);
    expect((await outputs(u)).filter((o) => o.envelope.type === 'orchestration.flag.updated').map((o) => o.envelope.data.ruleId)).toEqual([
      'mentor_ready_001',
      'manual',
      'mentor_ready_001',
    ]);
    // Then the rule's as any: nothing more while it keeps matching.
    await ingest(ev.session(u, `s4-${u}`, 5));
    expect(await history(u)).toHaveLength(3);
  });

  it('a rule that starts to match later leaves a manual flag alone too', async () => {
    const u = randomUUID();
    // Set by hand before any rule matches; then the events that make mentor_ready_001 match arrive.
    await t.as('admin').put(`/journey/flags/${u}/mentor_ready`).send({ value: false, reason: 'not this term' }).expect(200);
    await ingest([1, 2, 3].map((d) => ev.session(u, `s${d}-${u}`, 5, daysAgo(d))));
    expect(await flagOf(u, 'mentor_ready')).toMatchObject({ value: false, setByRule: 'manual' });
    expect((await history(u)).map((h) => [h.value, h.setByRule])).toEqual([[false, 'manual']]);
    // Handed back, the rule that matches now sets it.
    await t.as('admin').delete(`/journey/flags/${u}/mentor_ready`).expect(200);
    expect(await flagOf(u, 'mentor_ready')).toMatchObject({ value: true, setByRule: 'mentor_ready_001' });
  });

  it('no rule can be named manual', async () => {
    const res = await t
      .as('admin')
      .post('/journey/rules')
      .send({
        id: 'Manual',
        name: 'x',
        flag: 'x',
        priority: 1,
        conditions: [{ type: 'exists', entity: 'kintell_sessions' }],
        actions: [{ type: 'set_flag', flag: 'x' }],
      })
      .expect(400);
    expect(res.body.problems).toContainEqual({ path: 'id', reason: expect.stringContaining('set by hand') });
  });

  it('a manual flag no rule holds falls back to false when handed back, with a history row and an event', async () => {
    const u = randomUUID();
    await t.as('admin').put(`/journey/flags/${u}/vip`).send({ value: true, reason: 'sponsor' }).expect(200);
    const back = await t.as('admin').delete(`/journey/flags/${u}/vip`).expect(200);
    expect(back.body).toEqual({ userId: u, flag: null });
    expect(await flagOf(u, 'vip')).toBeUndefined();
    expect((await history(u)).map((h) => [h.value, h.setByRule, h.reason])).toEqual([
      [true, 'manual', 'sponsor'],
      [false, 'manual', 'handed back to the rules'],
    ]);
    expect((await outputs(u)).map((o) => o.envelope.data.value)).toEqual([true, false]);
  });

  it('DELETE of a flag not set by hand → 404', async () => {
    const u = randomUUID();
    await ingest([1, 2, 3].map((d) => ev.session(u, `s${d}-${u}`, 5, daysAgo(d))));
    await t.as('admin').delete(`/journey/flags/${u}/mentor_ready`).expect(404);
    await t.as('admin').delete(`/journey/flags/${u}/never_set`).expect(404);
    expect(await flagOf(u, 'mentor_ready')).toMatchObject({ value: true, setByRule: 'mentor_ready_001' });
  });

  it.each([
    [{ reason: 'x' }, 'value'],
    [{ value: 'yes', reason: 'x' }, 'value'],
    [{ value: true }, 'reason'],
    [{ value: true, reason: '' }, 'reason'],
    [{ value: true, reason: 'x', expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt'],
    [{ value: true, reason: 'x', expiresAt: 'tomorrow' }, 'expiresAt'],
    [{ value: true, reason: 'x', by: 'me' }, 'by'],
  ])('bad body %j → 400 naming %s', async (body, path) => {
    const res = await t.as('admin').put(`/journey/flags/${randomUUID()}/mentor_ready`).send(body).expect(400);
    expect(res.body.problems).toEqual(expect.arrayContaining([expect.objectContaining({ path, reason: expect.any(String) })]));
  });

  it('a bad flag name → 400; reader and service keys → 403', async () => {
    const u = randomUUID();
    await t.as('admin').put(`/journey/flags/${u}/bad name`).send({ value: true, reason: 'x' }).expect(400);
    await t.as('reader').put(`/journey/flags/${u}/vip`).send({ value: true, reason: 'x' }).expect(403);
    await t.as('service').delete(`/journey/flags/${u}/vip`).expect(403);
  });
});
