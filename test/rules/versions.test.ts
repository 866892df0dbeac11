/**
 * Rule versions and rollback over real HTTP: every create and update stores an immutable version
 * (number, document, the key's role, when); a rollback makes an old document current as a new version.
 */
import { backend, startApp, type TestApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

const rule = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: 'Has sessions',
  flag: 'has_sessions',
  priority: 5,
  conditions: [{ type: 'count', entity: 'kintell_sessions', count: '>=', count_value: 2 }],
  actions: [{ type: 'set_flag', flag: 'has_sessions' }],
  ...extra,
});

describe(`rule versions and rollback (${backend})`, () => {
  it('lists every version with its document, author role and time, oldest first', async () => {
    await t.as('admin').post('/journey/rules').send(rule('versions_a')).expect(201);
    await t.as('admin').put('/journey/rules/versions_a').send({ priority: 7 }).expect(200);
    await t.as('admin').post('/journey/rules/versions_a/deactivate').expect(200);
    // Activating twice stores one version: an activation that changes nothing is no version.
    await t.as('admin').post('/journey/rules/versions_a/activate').expect(200);
    await t.as('admin').post('/journey/rules/versions_a/activate').expect(200);

    const res = await t.as('reader').get('/journey/rules/versions_a/versions').expect(200);
    expect(res.body.ruleId).toBe('versions_a');
    expect(res.body.count).toBe(4);
    expect(res.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2, 3, 4]);
    expect(res.body.versions.map((v: { createdBy: string }) => v.createdBy)).toEqual(['admin', 'admin', 'admin', 'admin']);
    expect(
      res.body.versions.map((v: { document: { priority: number; active?: boolean } }) => [v.document.priority, v.document.active]),
    ).toEqual([
      [5, undefined],
      [7, true],
      [7, false],
      [7, true],
    ]);
    expect(res.body.versions[0].document).toEqual(rule('versions_a'));
    for (const v of res.body.versions) expect(Date.parse(v.createdAt)).not.toBeNaN();
  });

  it('rolls back to an old version as a new version, and keeps the versions in between', async () => {
    await t
      .as('admin')
      .post('/journey/rules')
      .send(rule('versions_b', { description: 'first' }))
      .expect(201);
    await t.as('admin').put('/journey/rules/versions_b').send({ description: 'second', priority: 9 }).expect(200);

    const back = await t.as('admin').post('/journey/rules/versions_b/rollback/1').expect(200);
    expect(back.body.rule).toMatchObject({ id: 'versions_b', description: 'first', priority: 5, version: 3, active: true });
    expect(back.body.warnings).toEqual([]);

    const current = await t.as('reader').get('/journey/rules/versions_b').expect(200);
    expect(current.body).toMatchObject({ description: 'first', priority: 5, version: 3 });
    const versions = (await t.as('reader').get('/journey/rules/versions_b/versions').expect(200)).body;
    expect(
      versions.versions.map((v: { version: number; document: { description: string } }) => [v.version, v.document.description]),
    ).toEqual([
      [1, 'first'],
      [2, 'second'],
      [3, 'first'],
    ]);
  });

  it('restores a deleted rule from its versions', async () => {
    await t.as('admin').post('/journey/rules').send(rule('versions_c')).expect(201);
    await t.as('admin').delete('/journey/rules/versions_c').expect(204);
    await t.as('reader').get('/journey/rules/versions_c').expect(404);
    // The history outlives the rule.
    expect((await t.as('reader').get('/journey/rules/versions_c/versions').expect(200)).body.count).toBe(1);

    const back = await t.as('admin').post('/journey/rules/versions_c/rollback/1').expect(200);
    expect(back.body.rule).toMatchObject({ id: 'versions_c', version: 2 });
    await t.as('reader').get('/journey/rules/versions_c').expect(200);
  });

  it('answers 404 for an unknown rule or version, 400 for a version that is not a number, 403 for a reader', async () => {
    await t.as('admin').post('/journey/rules').send(rule('versions_d')).expect(201);
    const noRule = await t.as('reader').get('/journey/rules/no_such_rule/versions').expect(404);
    expect(noRule.body.message).toContain('no_such_rule');
    const noVersion = await t.as('admin').post('/journey/rules/versions_d/rollback/9').expect(404);
    expect(noVersion.body.message).toContain('no version 9');
    const bad = await t.as('admin').post('/journey/rules/versions_d/rollback/first').expect(400);
    expect(bad.body.problems).toEqual([{ path: 'version', reason: 'must be a positive integer' }]);
    await t.as('reader').post('/journey/rules/versions_d/rollback/1').expect(403);
  });

  it('removes a field given as null in an update (JSON merge patch), which is how apply drops an optional field', async () => {
    await t
      .as('admin')
      .post('/journey/rules')
      .send(rule('versions_e', { description: 'to drop', sticky: true }))
      .expect(201);
    const res = await t.as('admin').put('/journey/rules/versions_e').send({ description: null, sticky: null }).expect(200);
    expect(res.body.rule).not.toHaveProperty('description');
    expect(res.body.rule).not.toHaveProperty('sticky');
    const missing = await t.as('admin').put('/journey/rules/versions_e').send({ name: null }).expect(400);
    expect(missing.body.problems).toEqual([{ path: 'name', reason: 'is required' }]);
  });
});
