/**
 * The shipped JSON Schema and the server's validator agree. schemas/rule.schema.json is what
 * `npm run schema` writes from RULE_SCHEMA; a separate, plain JSON Schema validator (as an editor
 * would use) loads the file, and generated documents must get the same verdict from both, but for
 * what only the server's semantic checks can see. Then the semantic checks and warnings over HTTP.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { SCHEMA_FILE, renderSchema } from '../../scripts/write-schema.js';
import { ENTITIES, ENTITY_NAMES, type EntityName, type FieldSpec } from '../../src/contracts/entities.js';
import { MAX_DEPTH, MILESTONE_EVENT, RULE_SCHEMA } from '../../src/contracts/rule.js';
import { validateRule } from '../../src/contracts/validation.js';
import { backend, startApp, type TestApp } from '../support/app.js';

const fileText = readFileSync(SCHEMA_FILE, 'utf8');
const fileSchema = JSON.parse(fileText) as object;
// Its own instance, none of the server's options (no discriminator support): plain JSON Schema 2020-12.
const editor = new Ajv2020({ allErrors: true, strict: false }).compile(fileSchema);
const schemaAccepts = (doc: unknown) => editor(doc);

// Generated documents are taken apart and broken freely: loosely typed on purpose.

type Doc = Record<string, any>;
const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/* ------------------------------------------------------------ documents valid by construction */

const fieldsOf = (e: EntityName) => ENTITIES[e].fields as Record<string, FieldSpec>;
const NAME = fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/);
const EVENT = fc.stringMatching(/^[a-z]{1,8}(\.[a-z_]{1,8}){1,3}$/);
const DURATION = fc
  .tuple(fc.integer({ min: 1, max: 999 }), fc.constantFrom('second', 'minute', 'hour', 'day', 'week', 'month'), fc.boolean())
  .map(([n, unit, s]) => `${n} ${unit}${s ? 's' : ''}`);
const TIME = fc.date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());

function valueFor(spec: FieldSpec): fc.Arbitrary<string | number> {
  if (spec.type === 'number') return fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }));
  if (spec.type === 'timestamp') return TIME;
  return spec.values ? fc.constantFrom(...spec.values) : fc.string({ maxLength: 30 });
}

/** A comparison the validator accepts for a field of this type. */
function comparison(spec: FieldSpec): fc.Arbitrary<{ operator: string; value: unknown }> {
  const single = spec.type === 'string' ? ['=', '==', '!='] : ['=', '==', '!=', '>', '>=', '<', '<='];
  return fc.oneof(
    fc.record({ operator: fc.constantFrom(...single), value: valueFor(spec) }),
    fc.record({ operator: fc.constantFrom('in', 'not_in'), value: fc.array(valueFor(spec), { minLength: 1, maxLength: 4 }) }),
  );
}

/** A filter on a field of the entity; `=` may be left out where the rule language allows it. */
const filter = (e: EntityName, operatorOptional = true) =>
  fc
    .constantFrom(...Object.keys(fieldsOf(e)))
    .chain((field) => comparison(fieldsOf(e)[field]).map((c) => ({ field, ...c })))
    .chain((f) =>
      operatorOptional && f.operator === '=' ? fc.constantFrom<Doc>(f, { field: f.field, value: f.value }) : fc.constant<Doc>(f),
    );

const where = (e: EntityName) => fc.option(fc.array(filter(e), { minLength: 1, maxLength: 3 }), { nil: undefined });

function leaf(): fc.Arbitrary<Doc> {
  return fc.constantFrom(...ENTITY_NAMES).chain((entity) => {
    const fields = fieldsOf(entity);
    const numeric = Object.keys(fields).filter((f) => fields[f].type === 'number');
    const times = ['last_activity', ...Object.keys(fields).filter((f) => fields[f].type === 'timestamp')];
    const derived = ['count', ...numeric.flatMap((f) => ['avg', 'min', 'max', 'sum'].map((fn) => `${fn}_${f}`))];
    const shorthand = fc.option(filter(entity), { nil: undefined });
    return fc.oneof(
      fc
        .record({
          f: shorthand,
          where: where(entity),
          within: fc.option(DURATION, { nil: undefined }),
          count: fc.constantFrom('=', '==', '!=', '>', '>=', '<', '<='),
          count_value: fc.integer({ min: 0, max: 20 }),
        })
        .map(({ f, ...c }) => ({ type: 'count', entity, ...f, ...c })),
      fc
        .record({ f: shorthand, where: where(entity), within: fc.option(DURATION, { nil: undefined }) })
        .map(({ f, ...c }) => ({ type: 'exists', entity, ...f, ...c })),
      fc
        .oneof(
          filter(entity, false),
          fc.constantFrom(...derived).chain((field) => comparison({ type: 'number', description: '' }).map((c) => ({ field, ...c }))),
        )
        .chain((f) => where(entity).map((w) => ({ type: 'value', entity, ...f, where: w }))),
      fc
        .record({ field: fc.option(fc.constantFrom(...times), { nil: undefined }), duration: DURATION, where: where(entity) })
        .map((c) => ({ type: 'time_since', entity, ...c })),
    );
  });
}

const { condition } = fc.letrec<{ condition: Doc }>((tie) => ({
  condition: fc.oneof(
    { maxDepth: 3, withCrossShrink: true },
    leaf(),
    fc.record({ type: fc.constantFrom('all_of', 'any_of'), conditions: fc.array(tie('condition'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ type: fc.constant('not'), condition: tie('condition') }),
  ),
}));

const action = (flag: string) =>
  fc.oneof(
    fc.record(
      {
        type: fc.constant('set_flag'),
        flag: fc.oneof(fc.constant(flag), NAME),
        value: fc.boolean(),
        expires_in: DURATION,
      },
      { requiredKeys: ['type', 'flag'] },
    ),
    fc.record({ type: fc.constant('clear_flag'), flag: fc.oneof(fc.constant(flag), NAME) }),
    fc.record(
      {
        type: fc.constant('emit_event'),
        event: EVENT,
        payload: fc.dictionary(NAME, fc.string(), { maxKeys: 3 }),
      },
      { requiredKeys: ['type', 'event'] },
    ),
    fc.record({ type: fc.constant('emit_event'), event: fc.constant(MILESTONE_EVENT), payload: fc.record({ milestone: NAME }) }),
  );

/** Rule documents that pass the schema and every semantic check. */
const validRule: fc.Arbitrary<Doc> = NAME.chain((flag) =>
  fc
    .record(
      {
        id: NAME,
        name: fc.string({ minLength: 1, maxLength: 40 }),
        description: fc.string({ maxLength: 60 }),
        flag: fc.constant(flag),
        priority: fc.integer({ min: -1000, max: 1000 }),
        active: fc.boolean(),
        sticky: fc.boolean(),
        conditions: fc.array(condition, { minLength: 1, maxLength: 3 }),
        actions: fc.array(action(flag), { minLength: 1, maxLength: 3 }),
      },
      { requiredKeys: ['id', 'name', 'flag', 'priority', 'conditions', 'actions'] },
    )
    .map(json),
);

/* ------------------------------------------------------------ the same documents, broken on purpose */

type Mutation = { kind: 'schema' | 'semantic'; what: string; apply: (d: Doc) => void };
const first = (d: Doc) => d.conditions[0] as Doc;
const nestedBeyondLimit = () => {
  let c: Doc = { type: 'exists', entity: 'credentials' };
  for (let i = 0; i < MAX_DEPTH; i++) c = { type: 'not', condition: c };
  return c;
};
const MUTATIONS: Mutation[] = [
  { kind: 'schema', what: 'unknown top-level field', apply: (d) => (d.colour = 'red') },
  ...['id', 'name', 'flag', 'priority', 'conditions', 'actions'].map((k): Mutation => ({
    kind: 'schema',
    what: `no ${k}`,
    apply: (d) => delete d[k],
  })),
  { kind: 'schema', what: 'fractional priority', apply: (d) => (d.priority = 1.5) },
  { kind: 'schema', what: 'priority as text', apply: (d) => (d.priority = 'high') },
  { kind: 'schema', what: 'bad id', apply: (d) => (d.id = '-nope') },
  { kind: 'schema', what: 'no conditions', apply: (d) => (d.conditions = []) },
  { kind: 'schema', what: 'unknown condition type', apply: (d) => (d.conditions[0] = { type: 'sometimes', entity: 'credentials' }) },
  { kind: 'schema', what: 'unknown entity', apply: (d) => (d.conditions[0] = { type: 'exists', entity: 'meetings' }) },
  {
    kind: 'schema',
    what: 'unknown operator',
    apply: (d) => (d.conditions[0] = { type: 'value', entity: 'outcome_scores', field: 'score', operator: '~', value: 1 }),
  },
  {
    kind: 'schema',
    what: 'negative count_value',
    apply: (d) => (d.conditions[0] = { type: 'count', entity: 'credentials', count: '>=', count_value: -1 }),
  },
  {
    kind: 'schema',
    what: 'bad duration',
    apply: (d) => (d.conditions[0] = { type: 'time_since', entity: 'credentials', duration: '14 dayz' }),
  },
  { kind: 'schema', what: 'unknown condition field', apply: (d) => (first(d).weight = 2) },
  { kind: 'schema', what: 'engine flag event', apply: (d) => d.actions.push({ type: 'emit_event', event: 'orchestration.flag.updated' }) },
  { kind: 'schema', what: 'bad flag name', apply: (d) => d.actions.push({ type: 'set_flag', flag: '_x y' }) },
  { kind: 'schema', what: 'set_flag value as text', apply: (d) => d.actions.push({ type: 'set_flag', flag: d.flag, value: 'yes' }) },
  {
    kind: 'semantic',
    what: 'a field the entity lacks',
    apply: (d) => (d.conditions[0] = { type: 'value', entity: 'kintell_sessions', field: 'mood', operator: '=', value: 'ok' }),
  },
  {
    kind: 'semantic',
    what: 'a where on another entity’s field',
    apply: (d) =>
      (d.conditions[0] = { type: 'count', entity: 'credentials', where: [{ field: 'rating', value: 5 }], count: '>=', count_value: 1 }),
  },
  {
    kind: 'semantic',
    what: 'a numeric operator on text',
    apply: (d) => (d.conditions[0] = { type: 'value', entity: 'kintell_sessions', field: 'language_level', operator: '>', value: 'B1' }),
  },
  {
    kind: 'semantic',
    what: 'text for a number',
    apply: (d) => (d.conditions[0] = { type: 'value', entity: 'outcome_scores', field: 'score', operator: '>=', value: 'high' }),
  },
  {
    kind: 'semantic',
    what: 'a value a field never takes',
    apply: (d) => (d.conditions[0] = { type: 'exists', entity: 'program_enrollments', field: 'status', value: 'paused' }),
  },
  {
    kind: 'semantic',
    what: 'a milestone without its name',
    apply: (d) => d.actions.push({ type: 'emit_event', event: MILESTONE_EVENT, payload: {} }),
  },
  { kind: 'semantic', what: 'nesting beyond the limit', apply: (d) => (d.conditions[0] = nestedBeyondLimit()) },
];

const mutated = fc.tuple(validRule, fc.constantFrom(...MUTATIONS)).map(([doc, m]) => {
  const d = json(doc);
  m.apply(d);
  return { doc: d, m };
});

/** Any JSON put anywhere in a valid document: mostly nonsense, sometimes not. */
const noisy = fc
  .tuple(
    validRule,
    fc.array(fc.tuple(fc.nat(), fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })), { minLength: 1, maxLength: 3 }),
  )
  .map(([doc, edits]) => {
    const d = json(doc);
    for (const [n, key, value] of edits) {
      // Walk to some object inside and set one of its keys, an existing one or not.
      const objects: Doc[] = [];
      const collect = (v: unknown) => {
        if (v && typeof v === 'object') {
          if (!Array.isArray(v)) objects.push(v);
          for (const x of Object.values(v)) collect(x);
        }
      };
      collect(d);
      const target = objects[n % objects.length];
      const keys = Object.keys(target);
      target[n % 2 === 0 && keys.length ? keys[n % keys.length] : key] = value;
    }
    return d;
  });

describe('schemas/rule.schema.json', () => {
  it('is what `npm run schema` writes from the schema the server validates with', async () => {
    expect(fileSchema).toEqual(json(RULE_SCHEMA));
    expect(fileText).toBe(await renderSchema());
  });

  it('accepts every document the server accepts, and the server accepts every schema-valid document that passes the semantic checks', () => {
    fc.assert(
      fc.property(validRule, (doc) => {
        const v = validateRule(doc);
        expect(v.problems).toEqual([]);
        expect(schemaAccepts(doc)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects what the server rejects for its shape; what only the semantic checks see, the schema lets through and the server refuses', () => {
    fc.assert(
      fc.property(mutated, ({ doc, m }) => {
        expect({ what: m.what, server: validateRule(doc).ok }).toEqual({ what: m.what, server: false });
        expect({ what: m.what, schema: schemaAccepts(doc) }).toEqual({ what: m.what, schema: m.kind === 'semantic' });
      }),
      { numRuns: 300 },
    );
  });

  it('never accepts a document the server refuses for its shape, whatever the noise', () => {
    fc.assert(
      fc.property(noisy, (doc) => {
        if (validateRule(doc).ok) expect(schemaAccepts(doc)).toBe(true);
        if (!schemaAccepts(doc)) expect(validateRule(doc).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe(`semantic checks and warnings over HTTP (${backend})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ JOURNEY_BACKFILL_BATCH_SIZE: '0' });
  });
  afterAll(() => t.close());

  const rule = (id: string, extra: Doc = {}) => ({
    id,
    name: id,
    flag: 'semantic_flag',
    priority: 40,
    conditions: [{ type: 'exists', entity: 'credentials' }],
    actions: [{ type: 'set_flag', flag: 'semantic_flag' }],
    ...extra,
  });

  it('serves the same schema at GET /journey/rules/schema', async () => {
    expect((await t.as('reader').get('/journey/rules/schema').expect(200)).body).toEqual(fileSchema);
  });

  it('checks a document without storing it at POST /journey/rules/validate (a reader may; JSON or YAML): problems and warnings', async () => {
    const broken = await t
      .as('reader')
      .post('/journey/rules/validate')
      .send(
        rule('validate_only', { conditions: [{ type: 'exists', entity: 'credential' }], actions: [{ type: 'set_flag', flag: 'other' }] }),
      )
      .expect(200);
    expect(broken.body).toEqual({
      valid: false,
      problems: [{ path: 'conditions[0].entity', reason: expect.stringMatching(/^must be one of: .*credentials/) }],
      warnings: [],
    });
    const yaml =
      'id: validate_only\nname: x\nflag: f\npriority: 1\nconditions:\n  - type: exists\n    entity: credentials\nactions:\n  - type: set_flag\n    flag: other\n';
    const valid = await t.as('reader').post('/journey/rules/validate').set('Content-Type', 'application/yaml').send(yaml).expect(200);
    expect(valid.body).toEqual({
      valid: true,
      problems: [],
      warnings: [{ path: 'actions', reason: 'no action sets or clears the rule\'s own flag "f"' }],
    });
    // Nothing was stored; a body that is no document at all, or no key, is refused as anywhere else.
    await t.as('reader').get('/journey/rules/validate_only').expect(404);
    const unreadable = await t
      .as('reader')
      .post('/journey/rules/validate')
      .set('Content-Type', 'application/yaml')
      .send('a: [')
      .expect(400);
    expect(unreadable.body.problems).toEqual([{ path: '', reason: expect.stringContaining('at line 1') }]);
    await t.http.post('/journey/rules/validate').send(rule('validate_only')).expect(401);
  });

  it('refuses a where on another entity’s field and a numeric operator on text, with path and reason', async () => {
    const res = await t
      .as('admin')
      .post('/journey/rules')
      .send(
        rule('semantic_bad', {
          conditions: [
            { type: 'count', entity: 'credentials', where: [{ field: 'rating', operator: '>=', value: 4 }], count: '>=', count_value: 1 },
            { type: 'value', entity: 'kintell_sessions', field: 'language_level', operator: '>', value: 'B1' },
          ],
        }),
      )
      .expect(400);
    expect(res.body.problems).toEqual([
      {
        path: 'conditions[0].where[0].field',
        reason: 'credentials has no field "rating" (fields: course_id, credential_type, occurred_at)',
      },
      { path: 'conditions[1].operator', reason: '> needs a numeric or time field; this field of kintell_sessions is text' },
    ]);
  });

  it('warns, in the create and update responses, about a rule that never touches its own flag and about a same-priority conflict', async () => {
    const own = await t
      .as('admin')
      .post('/journey/rules')
      .send(rule('semantic_other_flag', { actions: [{ type: 'set_flag', flag: 'another_flag' }] }))
      .expect(201);
    expect(own.body.warnings).toEqual([{ path: 'actions', reason: 'no action sets or clears the rule\'s own flag "semantic_flag"' }]);

    await t.as('admin').post('/journey/rules').send(rule('semantic_sets')).expect(201);
    const clears = await t
      .as('admin')
      .post('/journey/rules')
      .send(rule('semantic_clears', { actions: [{ type: 'clear_flag', flag: 'semantic_flag' }] }))
      .expect(201);
    expect(clears.body.warnings).toEqual([
      {
        path: 'priority',
        reason: 'rule semantic_sets has the same priority and sets semantic_flag to true; the order between them falls to their ids',
      },
    ]);
    // Moved away, then back: the update's response says it too.
    await t.as('admin').put('/journey/rules/semantic_clears').send({ priority: 41 }).expect(200);
    const back = await t.as('admin').put('/journey/rules/semantic_clears').send({ priority: 40 }).expect(200);
    expect(back.body.warnings.map((w: { path: string }) => w.path)).toEqual(['priority']);
  });
});
