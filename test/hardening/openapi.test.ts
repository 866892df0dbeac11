/**
 * The OpenAPI document as a reader of /docs and a generator of clients meet it (issue I.1, issue L.3):
 * each event type's data fields and `version: "v1"`, real examples from the seed, groups with
 * descriptions, an API key scheme (not JWT); and the answers that go with it (an empty body, every
 * problem of a bad event at once).
 */
import { backend, startApp, type TestApp } from '../support/app.js';
import { EVENT_TYPES } from '../../src/contracts/events.js';

let t: TestApp;
let doc: {
  tags: { name: string; description?: string }[];
  components: { schemas: Record<string, Record<string, unknown>>; securitySchemes: Record<string, Record<string, unknown>> };
  paths: Record<
    string,
    Record<string, { tags?: string[]; requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> } }>
  >;
};
beforeAll(async () => {
  t = await startApp();
  doc = (await t.http.get('/docs-json').expect(200)).body as typeof doc;
}, 90_000);
afterAll(() => t.close());

describe(`the OpenAPI document (${backend})`, () => {
  it("shows each event type's data fields and version v1, the envelope choosing by type", () => {
    const envelope = doc.components.schemas.EventEnvelope as {
      oneOf: { $ref: string }[];
      discriminator: { mapping: Record<string, string> };
    };
    expect(envelope.oneOf).toHaveLength(EVENT_TYPES.length);
    expect(Object.keys(envelope.discriminator.mapping).sort()).toEqual([...EVENT_TYPES].sort());
    const session = doc.components.schemas[envelope.discriminator.mapping['kintell.session.completed'].split('/').pop()!] as {
      properties: {
        version: { const: string };
        type: { const: string };
        data: { properties: Record<string, unknown>; required: string[] };
      };
    };
    expect(session.properties.version.const).toBe('v1');
    expect(session.properties.type.const).toBe('kintell.session.completed');
    expect(Object.keys(session.properties.data.properties)).toEqual(
      expect.arrayContaining(['sessionId', 'sessionType', 'participantId', 'volunteerId', 'completedAt', 'durationMinutes', 'rating']),
    );
    expect(session.properties.data.required).not.toContain('rating');
  });

  it('gives real examples: the seed rule, a contract event', () => {
    const rule = doc.paths['/journey/rules'].post.requestBody!.content['application/json'].examples!;
    expect(Object.values(rule).map((e) => (e.value as { id?: string }).id)).toContain('custom_rule_001');
    const events = doc.paths['/journey/events'].post.requestBody!.content['application/json'].examples!;
    expect(events.one.value).toMatchObject({
      id: '5b1d3c1e-8a55-4d0e-9d7f-2f7f3f0a9c11',
      version: 'v1',
      type: 'kintell.session.completed',
    });
    expect(Object.keys((events.one.value as { data: object }).data).length).toBeGreaterThan(3);
    const simulate = doc.paths['/journey/simulate'].post.requestBody!.content['application/json'].examples!;
    expect((simulate.followup.value as { events: { type: string }[] }).events.map((e) => e.type)).toEqual([
      'program.enrollment.created',
      'buddy.event.attended',
    ]);
  });

  it('groups the routes under described tags, none called "operations"; the key scheme is an API key, not a JWT', () => {
    const names = doc.tags.map((tag) => tag.name);
    expect(names).not.toContain('operations');
    for (const tag of doc.tags) expect(tag.description?.length).toBeGreaterThan(10);
    const used = new Set(Object.values(doc.paths).flatMap((ops) => Object.values(ops).flatMap((op) => op.tags ?? [])));
    for (const tag of used) expect(names).toContain(tag);
    expect(doc.components.securitySchemes.bearer.bearerFormat).toBe('API key');
    expect(JSON.stringify(doc.components.securitySchemes)).not.toContain('JWT');
  });
});

describe(`answers that go with the contract (${backend})`, () => {
  it.each([
    ['post', '/journey/events'],
    ['post', '/journey/rules'],
    ['post', '/journey/rules/preview'],
    ['put', '/journey/rules/mentor_ready_001'],
    ['post', '/journey/simulate'],
  ] as const)('%s %s with an empty body: 400 "the body is empty"', async (method, url) => {
    const role = url === '/journey/events' ? 'service' : 'admin';
    for (const contentType of ['application/json', 'application/x-www-form-urlencoded', 'application/yaml']) {
      const res = await t.as(role)[method](url).set('Content-Type', contentType).send('');
      expect([contentType, res.status, res.body.message]).toEqual([contentType, 400, 'the body is empty']);
    }
  });

  it('a bad event reports every problem at once, envelope and data', async () => {
    const res = await t
      .as('service')
      .post('/journey/events')
      .send([
        {
          id: 'not-a-uuid',
          type: 'kintell.session.completed',
          version: 'v2',
          timestamp: '2025-01-15T10:30:00Z',
          data: { sessionId: 's', sessionType: 'language', volunteerId: 'v', completedAt: 'yesterday', durationMinutes: 5, rating: 9 },
        },
      ])
      .expect(400);
    expect(res.body.problems).toEqual(
      expect.arrayContaining([
        { index: 0, path: 'id', reason: 'must be a valid uuid' },
        { index: 0, path: 'version', reason: 'must be "v1"' },
        { index: 0, path: 'data.participantId', reason: 'is required' },
        { index: 0, path: 'data.completedAt', reason: 'must be a valid date-time' },
        { index: 0, path: 'data.rating', reason: 'must be <= 5' },
      ]),
    );
  });
});
