/**
 * The HTTP surface: every route and role, the rules API, bad input, the OpenAPI document.
 */
import { randomUUID } from 'node:crypto';
import { backend, KEYS, startApp, type TestApp } from '../support/app.js';
import { ev } from '../support/events.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

const U = '11111111-2222-4333-8444-555555555555';
const customRule = {
  id: 'custom_rule_001',
  name: 'Custom Rule',
  description: 'Description of what triggers this rule',
  flag: 'custom_flag',
  priority: 10,
  active: true,
  conditions: [{ type: 'count', entity: 'buddy_matches', count: '>=', count_value: 5 }],
  actions: [
    { type: 'set_flag', flag: 'custom_flag', value: true },
    { type: 'emit_event', event: 'orchestration.custom.event', payload: { message: 'Custom event triggered' } },
  ],
};

describe(`access (${backend})`, () => {
  const routes: [method: 'get' | 'post' | 'put' | 'delete', path: string, least: keyof typeof KEYS][] = [
    ['get', `/journey/flags/${U}`, 'reader'],
    ['get', `/journey/flags/${U}/history`, 'reader'],
    ['get', `/journey/milestones/${U}`, 'reader'],
    ['get', `/journey/context/${U}`, 'reader'],
    ['get', '/journey/rules', 'reader'],
    ['get', '/journey/rules/mentor_ready_001', 'reader'],
    ['get', '/journey/rules/schema', 'reader'],
    ['post', `/journey/flags/${U}/evaluate`, 'service'],
    ['post', '/journey/events', 'service'],
    ['post', '/journey/rules', 'admin'],
    ['put', '/journey/rules/nope_rule', 'admin'],
    ['delete', '/journey/rules/nope_rule', 'admin'],
    ['post', '/journey/rules/nope_rule/activate', 'admin'],
    ['post', '/journey/rules/nope_rule/deactivate', 'admin'],
    ['post', `/journey/milestones/${U}/x`, 'admin'],
  ];
  const rank = { reader: 1, service: 2, admin: 3 };

  it.each(routes)('%s %s: 401 without a key or with an unknown one', async (method, path) => {
    expect((await t.http[method](path)).status).toBe(401);
    expect((await t.http[method](path).set('Authorization', 'Bearer not-a-key-at-all')).status).toBe(401);
  });

  it.each(routes)('%s %s: 403 below %s, allowed from there', async (method, path, least) => {
    for (const role of ['reader', 'service', 'admin'] as const) {
      const res = await t.http[method](path).set('X-API-Key', KEYS[role]);
      if (rank[role] < rank[least]) expect(res.status).toBe(403);
      else expect([401, 403]).not.toContain(res.status);
    }
  });

  it('health and docs are open', async () => {
    expect((await t.http.get('/health')).body).toMatchObject({ status: 'ok' });
    expect((await t.http.get('/docs-json')).status).toBe(200);
    expect((await t.http.get('/docs')).text).toContain('swagger');
  });
});

describe(`rules API (${backend})`, () => {
  it('lists the three default rules, highest priority first', async () => {
    const res = await t.as('reader').get('/journey/rules').expect(200);
    expect(res.body.rules.map((r: { id: string }) => r.id)).toEqual([
      'followup_needed_001',
      'language_support_needed_001',
      'mentor_ready_001',
    ]);
    expect(res.body.count).toBe(3);
    expect(res.body.rules[2]).toMatchObject({ id: 'mentor_ready_001', active: true, version: 1, flag: 'mentor_ready' });
  });

  it('creates from JSON (201), refuses a duplicate (409), reads, updates partially, (de)activates, deletes', async () => {
    const created = await t.as('admin').post('/journey/rules').send(customRule).expect(201);
    expect(created.body.rule).toMatchObject({ ...customRule, version: 1 });
    expect(created.body.warnings).toEqual([]);
    await t.as('admin').post('/journey/rules').send(customRule).expect(409);

    const updated = await t.as('admin').put('/journey/rules/custom_rule_001').send({ priority: 12, description: 'changed' }).expect(200);
    expect(updated.body.rule).toMatchObject({ priority: 12, description: 'changed', name: 'Custom Rule', version: 2 });

    const bad = await t
      .as('admin')
      .put('/journey/rules/custom_rule_001')
      .send({ conditions: [{ type: 'count', entity: 'buddy_matches', count: '>=' }] })
      .expect(400);
    expect(bad.body.problems).toEqual([{ path: 'conditions[0].count_value', reason: 'is required' }]);
    await t.as('admin').put('/journey/rules/custom_rule_001').send({ id: 'other' }).expect(400);

    expect((await t.as('admin').post('/journey/rules/custom_rule_001/deactivate').expect(200)).body.active).toBe(false);
    expect((await t.as('reader').get('/journey/rules/custom_rule_001').expect(200)).body.active).toBe(false);
    expect((await t.as('admin').post('/journey/rules/custom_rule_001/activate').expect(200)).body.active).toBe(true);

    await t.as('admin').delete('/journey/rules/custom_rule_001').expect(204);
    await t.as('reader').get('/journey/rules/custom_rule_001').expect(404);
    await t.as('admin').delete('/journey/rules/custom_rule_001').expect(404);
    await t.as('admin').put('/journey/rules/custom_rule_001').send({ priority: 1 }).expect(404);
    await t.as('admin').post('/journey/rules/custom_rule_001/activate').expect(404);
  });

  it('creates from YAML (the seed example)', async () => {
    const yaml = `id: high_engagement_001
name: High Engagement
description: User has high activity across all programs
flag: high_engagement
priority: 25
active: true
conditions:
  - type: all_of
    conditions:
      - type: count
        entity: buddy_events
        count: '>='
        count_value: 10
      - type: count
        entity: kintell_sessions
        count: '>='
        count_value: 5
      - type: count
        entity: learning_progress
        count: '>='
        count_value: 3
actions:
  - type: set_flag
    flag: high_engagement
    value: true
  - type: emit_event
    event: orchestration.milestone.reached
    payload:
      milestone: high_engagement
      tier: gold
`;
    const res = await t.as('admin').post('/journey/rules').set('Content-Type', 'application/yaml').send(yaml).expect(201);
    expect(res.body.rule).toMatchObject({ id: 'high_engagement_001', priority: 25 });
    const broken = await t.as('admin').post('/journey/rules').set('Content-Type', 'application/yaml').send('id: [unclosed').expect(400);
    expect(broken.body.problems[0].reason).toMatch(/line 1/);
    await t.as('admin').delete('/journey/rules/high_engagement_001').expect(204);
  });

  it.each([
    [
      { ...customRule, conditions: [{ type: 'count', entity: 'buddy_matches', count: '>=', count_value: 'five' }] },
      'conditions[0].count_value',
      /number/,
    ],
    [{ ...customRule, conditions: [{ type: 'sometimes', entity: 'buddy_matches' }] }, 'conditions[0].type', /unknown type "sometimes"/],
    [{ ...customRule, conditions: [{ type: 'exists', entity: 'mars_missions' }] }, 'conditions[0].entity', /must be one of/],
    [
      { ...customRule, conditions: [{ type: 'value', entity: 'kintell_sessions', field: 'colour', operator: '=', value: 'red' }] },
      'conditions[0].field',
      /no field "colour"/,
    ],
    [
      { ...customRule, conditions: [{ type: 'value', entity: 'kintell_sessions', field: 'avg_rating', operator: '~', value: 4 }] },
      'conditions[0].operator',
      /must be one of/,
    ],
    [
      { ...customRule, conditions: [{ type: 'time_since', entity: 'buddy_events', duration: '14 fortnights' }] },
      'conditions[0].duration',
      /invalid format/,
    ],
    [{ ...customRule, actions: [{ type: 'launch_rocket' }] }, 'actions[0].type', /unknown type/],
    [{ ...customRule, surprise: true }, 'surprise', /unknown field/],
    [{ ...customRule, priority: 'high' }, 'priority', /integer/],
    [(({ name: _n, ...r }) => r)(customRule), 'name', /required/],
  ])('refuses an invalid rule with a path and a reason (%#)', async (body, path, reason) => {
    const res = await t.as('admin').post('/journey/rules').send(body).expect(400);
    expect(res.body.problems).toEqual(expect.arrayContaining([{ path, reason: expect.stringMatching(reason) }]));
    await t.as('reader').get('/journey/rules/custom_rule_001').expect(404);
  });
});

describe(`bad input (${backend})`, () => {
  it('malformed JSON → 400, an oversized body → 413, non-UUID user ids → 400', async () => {
    const res = await t.as('service').post('/journey/events').set('Content-Type', 'application/json').send('{"id": ');
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/JSON/);
    const huge = JSON.stringify({ pad: 'x'.repeat(2_000_000) });
    expect((await t.as('service').post('/journey/events').set('Content-Type', 'application/json').send(huge)).status).toBe(413);
    const bad = await t.as('reader').get('/journey/flags/not-a-uuid').expect(400);
    expect(bad.body.problems).toEqual([{ path: 'userId', reason: expect.stringMatching(/UUID/) }]);
    await t.as('reader').get('/journey/milestones/1234').expect(400);
    await t.as('service').post('/journey/flags/zzz/evaluate').expect(400);
    await t.as('admin').post(`/journey/milestones/${U}/bad name!`).expect(400);
    await t.as('admin').post(`/journey/milestones/${U}/ok`).send({ metadata: 'nope' }).expect(400);
    await t.as('admin').post(`/journey/milestones/${U}/ok`).send({ extra: 1 }).expect(400);
  });

  it('a batch with one invalid event is refused whole, naming index, path and reason; nothing is stored', async () => {
    const u = randomUUID();
    const good = ev.score(u, 0.2);
    const badOne = { ...ev.score(u, 0.2), data: { scoreId: 's', userId: u, dimension: 'happiness', score: 2, scoredAt: 'yesterday' } };
    const res = await t.as('service').post('/journey/events').send([good, badOne]).expect(400);
    expect(res.body.problems).toEqual(
      expect.arrayContaining([
        { index: 1, path: 'data.dimension', reason: expect.stringMatching(/one of/) },
        { index: 1, path: 'data.score', reason: expect.stringMatching(/<= 1/) },
        { index: 1, path: 'data.scoredAt', reason: expect.stringMatching(/date-time/) },
      ]),
    );
    expect(res.body.problems.every((p: { index: number }) => p.index === 1)).toBe(true);
    expect((await t.db.query(`SELECT count(*) AS n FROM journey_event_log WHERE event_id = $1`, [good.id]))[0].n).toBe('0');
    // The same good event alone is then accepted: nothing was half-written.
    expect((await t.as('service').post('/journey/events').send(good).expect(200)).body).toEqual({ accepted: 1, duplicates: 0, pending: 0 });
  });

  it('unknown event types and extra data fields', async () => {
    const u = randomUUID();
    const unknown = { ...ev.score(u, 0.5), type: 'buddy.match.exploded' };
    expect((await t.as('service').post('/journey/events').send(unknown).expect(400)).body.problems[0]).toMatchObject({
      index: 0,
      path: 'type',
    });
    const extra = ev.score(u, 0.5);
    extra.data.note = 'kept, never an error';
    await t.as('service').post('/journey/events').send(extra).expect(200);
    await t.as('service').post('/journey/events').send([]).expect(400);
    await t.as('service').post('/journey/events').send('"just a string"').set('Content-Type', 'application/json').expect(400);
  });

  it('errors never leak stack traces or SQL', async () => {
    const res = await t.as('service').post('/journey/events').send({ id: "'; DROP TABLE journey_rules; --" });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:|SELECT|INSERT/);
    await t.as('reader').get('/journey/rules').expect(200);
  });
});

describe(`OpenAPI (${backend})`, () => {
  it('documents every route with responses and the auth schemes', async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body;
    expect(Object.keys(doc.components.securitySchemes)).toEqual(expect.arrayContaining(['bearer', 'api-key']));
    const paths = Object.keys(doc.paths);
    for (const p of [
      '/journey/flags/{userId}',
      '/journey/flags/{userId}/evaluate',
      '/journey/flags/{userId}/history',
      '/journey/milestones/{userId}',
      '/journey/milestones/{userId}/{milestone}',
      '/journey/rules',
      '/journey/rules/{id}',
      '/journey/rules/{id}/activate',
      '/journey/rules/{id}/deactivate',
      '/journey/events',
      '/journey/context/{userId}',
      '/health',
    ]) {
      expect(paths).toContain(p);
      for (const op of Object.values<{ responses: Record<string, unknown> }>(doc.paths[p]))
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    }
    expect(doc.components.schemas.Rule.properties.conditions.items.$ref).toBe('#/components/schemas/Rule_condition');
    expect(doc.paths['/journey/rules'].post.requestBody.content['application/yaml']).toBeDefined();
  });
});
