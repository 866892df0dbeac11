/**
 * Issue J over HTTP: inputs a real producer or admin can send that must neither lose data nor answer 500.
 * Upper-case uuids, timestamps PostgreSQL or JavaScript cannot hold, rule ids a route shadows or named like
 * built-in object properties, invalid path parameters, the Bearer scheme in any case, rules too costly to run.
 * (The same inputs on Kafka: test/kafka/input-boundary.test.ts.)
 */
import { randomUUID } from 'node:crypto';
import { backend, KEYS, startApp, type TestApp } from '../support/app.js';
import { ev } from '../support/events.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp({ JOURNEY_RATE_LIMIT: '0' });
}, 90_000);
afterAll(() => t.close());

const flagsOf = async (userId: string) =>
  Object.fromEntries(
    ((await t.as('reader').get(`/journey/flags/${userId}`).expect(200)).body.flags as { flag: string; value: boolean }[]).map((f) => [
      f.flag,
      f.value,
    ]),
  );

describe(`uuids in any case are one id (${backend})`, () => {
  it('an event id in upper case is applied, and the same id in another case is a duplicate', async () => {
    const u = randomUUID();
    const e = ev.session(u, `s1-${u}`, 5);
    const upper = { ...e, id: e.id.toUpperCase() };
    expect((await t.as('service').post('/journey/events').send(upper).expect(200)).body).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await t.as('service').post('/journey/events').send(e).expect(200)).body).toMatchObject({ accepted: 0, duplicates: 1 });
    const ctx = (await t.as('reader').get(`/journey/context/${u}`).expect(200)).body;
    expect(ctx.known).toBe(true);
  });

  it('accepted + duplicates always equals the events sent, whatever the case of repeated ids', async () => {
    const u = randomUUID();
    const [a, b] = [ev.session(u, `s1-${u}`, 5), ev.session(u, `s2-${u}`, 5)];
    const batch = [a, { ...a, id: a.id.toUpperCase() }, { ...b, id: b.id.toUpperCase() }, b];
    const res = (await t.as('service').post('/journey/events').send(batch).expect(200)).body;
    expect(res.accepted + res.duplicates).toBe(batch.length);
    expect(res.accepted).toBe(2);
  });

  it('a participant id in upper case is the same participant as in lower case; later events do not fail', async () => {
    const u = randomUUID();
    const U = u.toUpperCase();
    await t
      .as('service')
      .post('/journey/events')
      .send(ev.session(U, `s1-${u}`, 5))
      .expect(200);
    await t
      .as('service')
      .post('/journey/events')
      .send(ev.session(u, `s2-${u}`, 5))
      .expect(200);
    await t
      .as('service')
      .post('/journey/events')
      .send(ev.session(U, `s3-${u}`, 4))
      .expect(200);
    expect(await flagsOf(u)).toMatchObject({ mentor_ready: true });
    // The path parameter is canonical too: the upper-case form reads the same participant.
    const upper = (await t.as('reader').get(`/journey/flags/${U}`).expect(200)).body;
    expect(upper.userId).toBe(u);
    expect(upper.flags.map((f: { flag: string }) => f.flag)).toContain('mentor_ready');
    expect((await t.as('reader').get(`/journey/context/${U}`).expect(200)).body.userId).toBe(u);
  });

  it('correlation and causation ids are carried over in lower case', async () => {
    const u = randomUUID();
    const correlationId = randomUUID();
    const sessions = [ev.session(u, `s1-${u}`, 5), ev.session(u, `s2-${u}`, 5), ev.session(u, `s3-${u}`, 5)].map((e) => ({
      ...e,
      id: e.id.toUpperCase(),
      correlationId: correlationId.toUpperCase(),
      causationId: randomUUID().toUpperCase(),
    }));
    await t.as('service').post('/journey/events').send(sessions).expect(200);
    const rows = await t.db.query<{ envelope: unknown }[]>(`SELECT envelope FROM journey_outbox WHERE user_id = $1`, [u]);
    expect(rows.length).toBeGreaterThan(0);
    for (const { envelope } of rows) {
      const e = (typeof envelope === 'string' ? JSON.parse(envelope) : envelope) as { correlationId: string; causationId: string };
      expect(e.correlationId).toBe(correlationId);
      expect(sessions.map((s) => s.id.toLowerCase())).toContain(e.causationId);
    }
  });
});

describe(`timestamps (${backend})`, () => {
  const u = randomUUID();
  const at = (timestamp: string, completedAt = '2025-01-15T10:30:00Z') => {
    const e = ev.session(u, `s-${randomUUID()}`, 5);
    return { ...e, timestamp, data: { ...e.data, completedAt } };
  };

  it.each([
    ['a leap second', '2016-12-31T23:59:60Z', /leap second/],
    ['year 0000', '0000-01-01T00:00:00Z', /0001-01-01T00:00:00Z/],
    ['before year 1 once the offset is applied', '0001-01-01T00:30:00+01:00', /0001-01-01T00:00:00Z/],
    ['a date that does not exist', '2025-02-29T10:00:00Z', /date-time/],
    ['a space for the T (read as another year by JavaScript)', '0001-01-01 00:00:00Z', /T/],
  ])('%s in the envelope or in data: 400 naming the event and the field', async (_what, bad, reason) => {
    const good = at('2025-01-15T10:30:00Z');
    for (const [event, path] of [
      [at(bad), 'timestamp'],
      [at('2025-01-15T10:30:00Z', bad), 'data.completedAt'],
    ] as const) {
      const res = await t.as('service').post('/journey/events').send([good, event]).expect(400);
      expect(res.body.problems).toEqual([expect.objectContaining({ index: 1, path })]);
      expect(res.body.problems[0].reason).toMatch(reason);
    }
    // nothing of a refused batch is stored
    const [row] = await t.db.query<unknown[]>(`SELECT 1 FROM journey_event_log WHERE event_id = $1`, [good.id]);
    expect(row).toBeUndefined();
  });

  it('the first and last instants of the documented range are taken', async () => {
    const res = await t
      .as('service')
      .post('/journey/events')
      .send([at('0001-01-01T00:00:00Z', '0001-01-01T00:00:00Z'), at('9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z')])
      .expect(200);
    expect(res.body.accepted).toBe(2);
    await t.as('reader').get(`/journey/context/${u}`).expect(200);
  });

  it('a rule whose expiry or due time falls past the range treats it as "never" (an event at the last instant, a long expiry)', async () => {
    const id = `far_${randomUUID().slice(0, 8)}`;
    await t
      .as('admin')
      .post('/journey/rules')
      .send({
        id,
        name: 'far future',
        flag: id,
        priority: 1,
        conditions: [{ type: 'time_since', entity: 'kintell_sessions', duration: '1 day' }],
        actions: [{ type: 'set_flag', flag: id, expires_in: '999999999 months' }],
      })
      .expect(201);
    const v = randomUUID();
    const e = ev.session(v, `s-${randomUUID()}`, 5);
    const last = '9999-12-31T23:59:59.999Z';
    await t
      .as('service')
      .post('/journey/events')
      .send({ ...e, timestamp: last, data: { ...e.data, completedAt: last } })
      .expect(200);
    // A day after the last instant never comes: nothing set, nothing due.
    expect(await flagsOf(v)).toEqual({});
    const w = randomUUID();
    await t
      .as('service')
      .post('/journey/events')
      .send(ev.session(w, `s-${randomUUID()}`, 5, new Date('2020-01-01T00:00:00Z')))
      .expect(200);
    const [flag] = (await t.as('reader').get(`/journey/flags/${w}`).expect(200)).body.flags;
    expect(flag).toMatchObject({ flag: id, value: true, expiresAt: null });
  });

  it('asOf of a dry-run evaluation is held to the same range', async () => {
    await t.as('service').post(`/journey/flags/${u}/evaluate?dryRun=true&asOf=0000-01-01T00:00:00Z`).expect(400);
    await t.as('service').post(`/journey/flags/${u}/evaluate?dryRun=true&asOf=2016-12-31T23:59:60Z`).expect(400);
  });
});

const rule = (id: string, flag = `flag_${id.replace(/[^A-Za-z0-9]/g, '')}`) => ({
  id,
  name: `rule ${id}`,
  flag,
  priority: 1,
  conditions: [{ type: 'exists', entity: 'buddy_events' }],
  actions: [{ type: 'set_flag', flag }],
});

describe(`rule ids (${backend})`, () => {
  it.each(['schema', 'preview', 'Schema', 'PREVIEW'])('"%s" is shadowed by a route: 400 at create', async (id) => {
    const res = await t.as('admin').post('/journey/rules').send(rule(id, 'shadow_flag')).expect(400);
    expect(res.body.problems).toEqual([{ path: 'id', reason: expect.stringMatching(/route/) }]);
  });

  it.each(['constructor', 'toString', 'hasOwnProperty', 'valueOf'])('"%s" is an ordinary id', async (id) => {
    await t.as('admin').post('/journey/rules').send(rule(id)).expect(201);
    expect((await t.as('reader').get(`/journey/rules/${id}`).expect(200)).body.id).toBe(id);
  });

  it('"__proto__" is refused with a reason, never taken as the prototype', async () => {
    const res = await t
      .as('admin')
      .post('/journey/rules')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(rule('__proto__', 'proto_flag')))
      .expect(400);
    expect(res.body.problems[0].path).toBe('id');
  });
});

describe(`path parameters (${backend})`, () => {
  const bad = ['a%00b', '%00', 'has%20space', 'x'.repeat(300), '%E2%80%AE'];
  const u = randomUUID();
  // Every route that takes a rule id, with the least role it needs.
  const routes: [method: 'get' | 'post' | 'put' | 'delete', path: (id: string) => string, least: keyof typeof KEYS][] = [
    ['get', (id) => `/journey/rules/${id}`, 'reader'],
    ['put', (id) => `/journey/rules/${id}`, 'admin'],
    ['delete', (id) => `/journey/rules/${id}`, 'admin'],
    ['get', (id) => `/journey/rules/${id}/versions`, 'reader'],
    ['post', (id) => `/journey/rules/${id}/rollback/1`, 'admin'],
    ['post', (id) => `/journey/rules/${id}/activate`, 'admin'],
    ['post', (id) => `/journey/rules/${id}/deactivate`, 'admin'],
    ['get', (id) => `/journey/rules/${id}/explain/${u}`, 'reader'],
    ['get', (id) => `/journey/rules/${id}/backfill`, 'reader'],
  ];

  it(`every one of the ${routes.length} rule-id routes answers 400 to an invalid id, with a reader and an admin key`, async () => {
    expect(routes).toHaveLength(9);
    for (const [method, path, least] of routes)
      for (const id of bad)
        for (const role of ['reader', 'admin'] as const) {
          const req = t.as(role)[method](path(id));
          const res = method === 'put' ? await req.send({ name: 'x' }) : await req;
          const expected = role === 'reader' && least === 'admin' ? 403 : 400;
          expect([method, path(id), role, res.status]).toEqual([method, path(id), role, expected]);
          if (expected === 400) expect(res.body.problems).toEqual([{ path: 'id', reason: expect.any(String) }]);
        }
  });

  it('a user id that is not a uuid, and a milestone name with a NUL, answer 400', async () => {
    await t.as('reader').get('/journey/flags/a%00b').expect(400);
    await t.as('reader').get(`/journey/rules/mentor_ready_001/explain/a%00b`).expect(400);
    await t.as('admin').post(`/journey/milestones/${u}/a%00b`).expect(400);
    await t.as('admin').post(`/journey/rules/mentor_ready_001/rollback/a%00b`).expect(400);
  });
});

describe(`the Authorization scheme (${backend})`, () => {
  it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('"%s KEY" is accepted', async (scheme) => {
    await t.http.get('/journey/rules').set('Authorization', `${scheme} ${KEYS.reader}`).expect(200);
  });
  it('another scheme is not', async () => {
    await t.http.get('/journey/rules').set('Authorization', `Basic ${KEYS.reader}`).expect(401);
  });
});

describe(`the cost of a rule is bounded (${backend})`, () => {
  const leaves = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ type: 'count', entity: 'buddy_events', count: '>=', count_value: i }));
  /** n leaf conditions within the depth and list limits: groups of 50 under groups of 50. */
  const wide = (n: number) => {
    const groups = [];
    for (let i = 0; i < n; i += 50) groups.push({ type: 'all_of', conditions: leaves(Math.min(50, n - i)) });
    const top = [];
    for (let i = 0; i < groups.length; i += 50) top.push({ type: 'any_of', conditions: groups.slice(i, i + 50) });
    return top;
  };

  it('a rule of 10,000 leaf conditions is refused with the numbers', async () => {
    const doc = { ...rule('costly_rule'), conditions: wide(10_000) };
    const res = await t.as('admin').post('/journey/rules').send(doc).expect(400);
    expect(res.body.problems).toContainEqual({ path: 'conditions', reason: '10000 leaf conditions, at most 500' });
    await t.as('admin').post('/journey/rules/preview').send(doc).expect(400);
    await t.as('reader').get('/journey/rules/costly_rule').expect(404);
  });

  it('501 leaf conditions are refused, 500 are taken', async () => {
    await t
      .as('admin')
      .post('/journey/rules')
      .send({ ...rule('leafy_rule'), conditions: wide(501) })
      .expect(400);
    await t
      .as('admin')
      .post('/journey/rules')
      .send({ ...rule('leafy_rule'), conditions: wide(500) })
      .expect(201);
  });

  it('a document over 64 KB is refused with its size', async () => {
    const doc = { ...rule('big_rule'), description: 'd'.repeat(2000), conditions: [{ type: 'exists', entity: 'buddy_events' }] };
    doc.actions = [
      ...doc.actions,
      ...Array.from({ length: 19 }, (_, i) => ({
        type: 'emit_event',
        event: 'partner.big.event',
        payload: { [`k${i}`]: 'p'.repeat(4000) },
      })),
    ] as typeof doc.actions;
    const res = await t.as('admin').post('/journey/rules').send(doc).expect(400);
    expect(res.body.problems).toContainEqual({ path: '', reason: expect.stringMatching(/^\d+ bytes, at most 65536$/) });
  });

  it('an update cannot grow a rule past the bound either', async () => {
    await t.as('admin').post('/journey/rules').send(rule('growing_rule')).expect(201);
    await t
      .as('admin')
      .put('/journey/rules/growing_rule')
      .send({ conditions: wide(600) })
      .expect(400);
  });
});
