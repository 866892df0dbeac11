/**
 * Requests through the DTO classes and the one global ValidationPipe (issue I.1): an unknown query
 * parameter or body field, a value of the wrong type, and several problems at once, each answered with
 * the API's 400 shape, every problem with its path in one answer; and the OpenAPI entries come from
 * the same classes.
 */
import { randomUUID } from 'node:crypto';
import { BACKGROUND_OFF, backend, startApp, type TestApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp(BACKGROUND_OFF);
}, 90_000);
afterAll(() => t.close());

const u = randomUUID();
const timeline = (query: string) => t.as('reader').get(`/journey/participants/${u}/timeline?${query}`);
const setFlag = (body: unknown) =>
  t
    .as('admin')
    .put(`/journey/flags/${u}/mentor_ready`)
    .send(body as object);

describe(`request DTOs and the global ValidationPipe (${backend})`, () => {
  it.each([
    ['GET /journey/flags', () => t.as('reader').get('/journey/flags?flag=mentor_ready&sort=desc'), 'sort'],
    ['GET timeline', () => timeline('order=asc'), 'order'],
    ['GET /journey/stats/flags', () => t.as('reader').get('/journey/stats/flags?bucket=day&tz=UTC'), 'tz'],
    ['GET explain', () => t.as('reader').get(`/journey/rules/mentor_ready_001/explain/${u}?at=now`), 'at'],
    ['POST evaluate', () => t.as('service').post(`/journey/flags/${u}/evaluate?dryRun=true&verbose=1`), 'verbose'],
  ])('%s: an unknown query parameter is a 400 naming it and the known ones', async (_route, call, path) => {
    const res = await call().expect(400);
    expect(res.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'invalid query',
      problems: [{ path, reason: expect.stringMatching(/^is not allowed \(unknown field; known: \w+/) }],
    });
  });

  it('an unknown body field is a 400 naming it; nothing is written', async () => {
    const res = await setFlag({ value: true, reason: 'confirmed by phone', by: 'me' }).expect(400);
    expect(res.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'invalid body',
      problems: [{ path: 'by', reason: 'is not allowed (unknown field; known: value, expiresAt, reason)' }],
    });
    const milestone = await t.as('admin').post(`/journey/milestones/${u}/mentor_ready`).send({ metadata: {}, note: 'x' }).expect(400);
    expect(milestone.body.problems).toEqual([{ path: 'note', reason: expect.stringContaining('is not allowed') }]);
    expect((await t.as('reader').get(`/journey/flags/${u}`).expect(200)).body.flags).toEqual([]);
  });

  it.each([
    ['limit=abc', 'limit', 'must be an integer from 1 to 500'],
    ['limit=1.5', 'limit', 'must be an integer from 1 to 500'],
    ['limit=5&limit=6', 'limit', 'must be given once'],
    ['kinds=event&kinds=flag', 'kinds', 'must be given once'],
    ['from=1736937000000', 'from', 'must be a valid date-time'],
  ])('a wrong type (%s) is a 400 naming the parameter', async (query, path, reason) => {
    expect((await timeline(query).expect(400)).body.problems).toEqual([{ path, reason }]);
  });

  it('a wrong type in a body names the field: a number is not a date-time, a string not a boolean', async () => {
    const res = await setFlag({ value: 'yes', reason: 'x', expiresAt: 1767225600000 }).expect(400);
    expect(res.body.problems).toEqual(
      expect.arrayContaining([
        { path: 'value', reason: 'is required and must be a boolean' },
        { path: 'expiresAt', reason: 'must be a date-time string' },
      ]),
    );
    expect((await setFlag([{ value: true, reason: 'x' }]).expect(400)).body.problems).toEqual([
      { path: '', reason: 'must be a JSON object' },
    ]);
  });

  it('every problem of a request comes back in one answer', async () => {
    const query = await timeline('limit=abc&kinds=event,mood&from=yesterday&before=nope&order=asc').expect(400);
    expect(query.body.message).toBe('invalid query');
    expect(query.body.problems).toHaveLength(5);
    expect(query.body.problems).toEqual(
      expect.arrayContaining([
        { path: 'order', reason: expect.stringContaining('is not allowed') },
        { path: 'limit', reason: 'must be an integer from 1 to 500' },
        { path: 'kinds', reason: 'unknown kind "mood"; known: event, flag, milestone, output' },
        { path: 'from', reason: 'must be a valid date-time' },
        { path: 'before', reason: 'is not a cursor this service gave (use the `next` of a previous page)' },
      ]),
    );
    const body = await setFlag({ value: 1, reason: '   ', expiresAt: 'tomorrow', by: 'me' }).expect(400);
    expect(body.body.problems.map((p: { path: string }) => p.path).sort()).toEqual(['by', 'expiresAt', 'reason', 'value']);
  });

  it('checks between parameters still answer with a path: asOf only with dryRun, from not after to', async () => {
    const asOf = await t.as('service').post(`/journey/flags/${u}/evaluate?asOf=2025-01-15T10:30:00Z`).expect(400);
    expect(asOf.body.problems).toEqual([{ path: 'asOf', reason: 'only allowed with dryRun=true' }]);
    const range = await timeline('from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z').expect(400);
    expect(range.body.problems).toEqual([{ path: 'from', reason: 'must not be after `to`' }]);
  });

  it('valid values arrive typed: limit as a number, dryRun as a boolean, asOf as an instant', async () => {
    expect((await timeline('limit=1&kinds=flag,event').expect(200)).body).toEqual({ userId: u, entries: [], next: null });
    const dry = await t.as('service').post(`/journey/flags/${u}/evaluate?dryRun=true&asOf=2030-01-01T00:00:00Z`).expect(200);
    expect(dry.body).toMatchObject({ userId: u, dryRun: true, timestamp: '2030-01-01T00:00:00.000Z' });
  });

  it('documents the query parameters and bodies from the same classes, with examples', async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema: { example?: unknown } }[] }>>;
      components: {
        schemas: Record<string, { required?: string[]; additionalProperties?: unknown; properties: Record<string, { example?: unknown }> }>;
      };
    };
    const query = (path: string, method = 'get') => doc.paths[path][method].parameters!.filter((p) => p.in === 'query');
    expect(query('/journey/participants/{userId}/timeline').map((p) => p.name)).toEqual(['limit', 'before', 'kinds', 'from', 'to']);
    expect(query('/journey/flags').map((p) => [p.name, p.schema.example !== undefined])).toEqual([
      ['flag', true],
      ['value', true],
      ['limit', true],
      ['cursor', true],
    ]);
    expect(query('/journey/flags/{userId}/evaluate', 'post').map((p) => p.name)).toEqual(['dryRun', 'asOf']);
    expect(query('/journey/stats/rules').map((p) => p.name)).toEqual(['from', 'to', 'bucket']);
    const manual = doc.components.schemas.ManualFlagBody;
    expect(manual.required).toEqual(['value', 'reason']);
    expect(manual.additionalProperties).toBe(false);
    expect(manual.properties.reason.example).toBe('Coordinator confirmed readiness by phone');
    // Answers too: each documented by the class its mapping function returns, every field with an example.
    const answer = (path: string, method = 'get', status = '200') =>
      JSON.stringify((doc.paths[path][method] as unknown as { responses: Record<string, unknown> }).responses[status]);
    for (const [path, method, status, name] of [
      ['/journey/flags/{userId}', 'get', '200', 'FlagsResponse'],
      ['/journey/flags/{userId}/history', 'get', '200', 'FlagHistoryResponse'],
      ['/journey/flags', 'get', '200', 'HoldersPage'],
      ['/journey/flags/{userId}/{flag}', 'put', '200', 'ManualFlagResponse'],
      ['/journey/milestones/{userId}', 'get', '200', 'MilestonesResponse'],
      ['/journey/milestones/{userId}/{milestone}', 'post', '201', 'ManualMilestoneResponse'],
      ['/journey/rules/{id}/backfill', 'get', '200', 'BackfillResponse'],
      ['/journey/rules/preview', 'post', '200', 'PreviewResponse'],
      ['/journey/stats/flags', 'get', '200', 'FlagStatsResponse'],
      ['/journey/stats/rules', 'get', '200', 'RuleStatsResponse'],
    ])
      expect([path, answer(path, method, status)]).toEqual([path, expect.stringContaining(`"#/components/schemas/${name}"`)]);
    expect(Object.keys(doc.components.schemas.FlagStatsResponse.properties)).toEqual(['bucket', 'from', 'to', 'participants', 'flags']);
    for (const name of ['FlagResponse', 'MilestoneResponse', 'Holder', 'BackfillResponse', 'FlagBucket', 'RuleBucket'])
      for (const [field, property] of Object.entries(doc.components.schemas[name].properties))
        expect([name, field, property.example !== undefined]).toEqual([name, field, true]);
    expect(doc.components.schemas.MilestoneResponse.properties.metadata.example).toEqual({ reason: 'Completed 3+ language sessions' });
    expect(doc.components.schemas.ManualMilestoneBody.properties.metadata.example).toEqual({
      reason: 'Manual override',
      triggeredBy: 'admin@example.com',
    });
  });
});
