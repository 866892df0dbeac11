/**
 * Fuzzing the two write endpoints with thousands of generated bodies — valid, nearly valid (one field of
 * a valid document broken) and hostile (deep nesting, huge strings, prototype-pollution keys, wrong types,
 * unicode, arrays for objects, malformed text, leap seconds and years PostgreSQL or JavaScript cannot hold,
 * route-shadowed rule ids) — with uuids in upper and mixed case and rule ids named like built-in object
 * properties among the valid ones. Whatever comes in: never a 5xx, a refusal is a 400 with
 * its problems, valid input is taken, nothing is half-stored, and the service stays healthy.
 */
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { ENTITIES, ENTITY_NAMES, type EntityName, type FieldSpec } from '../../src/contracts/entities.js';
import { EVENT_DATA_SCHEMAS, type EventType } from '../../src/contracts/events.js';
import { COMPARATORS, MAX_DEPTH } from '../../src/contracts/rule.js';
import { backend, KEYS, startApp, type TestApp } from '../support/app.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
/** Per endpoint: the suite stays within about a minute even on a busy machine, running fewer cases there. */
const TIME_LIMIT_MS = Number(process.env.FUZZ_TIME_LIMIT_MS ?? 22_000);
const MIN_RUNS = Math.min(RUNS, 400);
const BODY_LIMIT = 1024 * 1024;

/** A generated rule or event, which the mutations below edit freely. */

type Doc = Record<string, any>;

/** A request body: a value sent as JSON, or raw text with its content type. */
type Body = { json: unknown } | { raw: string; contentType: string };
interface Case {
  kind: 'valid' | 'nearly valid' | 'hostile';
  body: Body;
  /** Index of the one broken event of a nearly valid batch: every problem must point at it. */
  index?: number;
  /** A valid document whose id may have been taken by an earlier case (then a 409). */
  mayExist?: boolean;
}

/* ----------------------------------------------------------------- shared pieces */

/** Any unicode text PostgreSQL can store: everything but NUL and unpaired surrogates (those are refused, see below). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const storable = (s: string) => !s.includes('\u0000') && !LONE_SURROGATE.test(s);
const text = (maxLength = 40) => fc.string({ unit: 'binary', maxLength }).filter(storable);
const unstorable = fc.constantFrom('\u0000', 'a\u0000b', '\uD800', 'x\uDFFFy', '\uDBFF\uDBFF');
/** A deep copy that keeps own `__proto__` keys (JSON.parse makes them own properties). */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,30}$/);
const duration = fc.tuple(
  fc.integer({ min: 1, max: 500 }),
  fc.constantFrom('second', 'minute', 'hour', 'day', 'week', 'month', 'days', 'weeks'),
);
const iso = fc
  .oneof(
    {
      weight: 9,
      arbitrary: fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2090-01-01T00:00:00Z'), noInvalidDate: true }),
    },
    // The ends of the accepted range (0001-01-01T00:00:00Z … 9999-12-31T23:59:59.999Z).
    { weight: 1, arbitrary: fc.constantFrom(new Date('0001-01-01T00:00:00Z'), new Date('9999-12-31T23:59:59.999Z')) },
  )
  .map((d) => d.toISOString());
/** Instants PostgreSQL or JavaScript cannot hold, or read differently: each is refused. */
const badInstant = fc.constantFrom(
  '2016-12-31T23:59:60Z',
  '2025-06-30T23:59:60.5+02:00',
  '0000-01-01T00:00:00Z',
  '0000-12-31T23:59:59.999Z',
  '0001-01-01T00:30:00+01:00',
  '9999-12-31T23:59:59-01:00',
  '10000-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '0001-01-01 00:00:00Z',
  '2025-02-29T00:00:00Z',
);
/** A uuid in any case: the same id as its lower-case form. */
const anyCase = (id: string, n: number) =>
  n % 3 === 0 ? id.toUpperCase() : n % 3 === 1 ? id : id.replace(/[a-f]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c));

/** An object with a key JSON.parse keeps as an own property but an object literal would not: `__proto__`. */
const withKey = (key: string, value: unknown) => JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(value)}}`) as Record<string, unknown>;
const protoKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', '__defineGetter__', 'valueOf');
const pollution = fc.oneof(
  fc.constant(withKey('__proto__', { polluted: 'yes' })),
  fc.constant({ constructor: { prototype: { polluted: 'yes' } } }),
  fc.tuple(protoKey, fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => withKey(k, v)),
);
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 4 }), pollution).filter((v) => storable(JSON.stringify(v) ?? ''));

/** Ways to break any body, whatever the endpoint. */
const hostile: fc.Arbitrary<Body> = fc.oneof(
  anyJson.map((json) => ({ json })),
  fc.constantFrom(null, 0, -1, 1e308, true, false, '', 'x', [], [[]], {}, [{}], [null]).map((json) => ({ json })),
  fc.integer({ min: 50, max: 20_000 }).map((d) => ({ raw: '['.repeat(d) + ']'.repeat(d), contentType: 'application/json' })),
  fc.integer({ min: 50, max: 20_000 }).map((d) => ({ raw: '{"a":'.repeat(d) + '1' + '}'.repeat(d), contentType: 'application/json' })),
  fc.integer({ min: 1, max: 20 }).map((n) => ({ raw: '{"id": "x", "name": '.slice(0, n), contentType: 'application/json' })),
  fc
    .constantFrom('{"a":1,}', "{'a':1}", 'NaN', '{"a":\u0000}', '\uFEFF{', '{"__proto__":', 'undefined')
    .map((raw) => ({ raw, contentType: 'application/json' })),
  // Near and beyond the body limit.
  fc.constantFrom(200_000, 900_000, BODY_LIMIT + 10).map((n) => ({ json: { id: 'huge', name: 'n'.repeat(n) } })),
  fc
    .constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x')
    .map((contentType) => ({ raw: '{"id":"x"}', contentType })),
  fc
    .constantFrom(
      // A billion laughs, an unknown tag, a deep flow sequence, a tab-indented document.
      'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'id: !!js/function "function(){}"',
      '['.repeat(5000),
      'id: x\n\tname: y',
      '- 1\n- 2',
    )
    .map((raw) => ({ raw, contentType: 'application/yaml' })),
);

/* ----------------------------------------------------------------- rules */

const fieldsOf = (e: EntityName) => Object.entries(ENTITIES[e].fields as Record<string, FieldSpec>);
const entity = fc.constantFrom(...ENTITY_NAMES);
const enumFilter = (e: EntityName) => {
  const choices = fieldsOf(e).filter(([, s]) => s.values);
  if (choices.length === 0) return fc.constant(undefined);
  return fc.constantFrom(...choices).chain(([field, spec]) =>
    fc.oneof(
      fc.constantFrom(...spec.values!).map((value) => ({ field, value })),
      fc.subarray([...spec.values!], { minLength: 1 }).map((value) => ({ field, operator: 'in', value })),
    ),
  );
};
const numericRef = (e: EntityName) => {
  const numeric = fieldsOf(e)
    .filter(([, s]) => s.type === 'number')
    .map(([f]) => f);
  return fc.constantFrom('count', ...numeric, ...numeric.flatMap((f) => ['avg', 'min', 'max', 'sum'].map((a) => `${a}_${f}`)));
};

const leaf: fc.Arbitrary<Record<string, unknown>> = entity.chain((e) =>
  fc.oneof(
    fc
      .record({
        count: fc.constantFrom(...COMPARATORS),
        count_value: fc.integer({ min: 0, max: 10 }),
        filter: enumFilter(e),
        within: fc.option(duration),
      })
      .map(({ filter, within, ...c }) => ({ type: 'count', entity: e, ...c, ...filter, ...(within ? { within: within.join(' ') } : {}) })),
    fc
      .record({ where: fc.option(enumFilter(e)) })
      .map(({ where }) => ({ type: 'exists', entity: e, ...(where ? { where: [where] } : {}) })),
    fc
      .record({
        field: numericRef(e),
        operator: fc.constantFrom('>', '>=', '<', '<=', '=', '!='),
        value: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      })
      .map((c) => ({ type: 'value', entity: e, ...c })),
    duration.map((d) => ({ type: 'time_since', entity: e, duration: d.join(' ') })),
  ),
);
const { condition } = fc.letrec<{ condition: Record<string, unknown> }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    leaf,
    fc.record({ type: fc.constantFrom('all_of', 'any_of'), conditions: fc.array(tie('condition'), { minLength: 1, maxLength: 3 }) }),
    tie('condition').map((c) => ({ type: 'not', condition: c })),
  ),
}));

const action = (flag: string) =>
  fc.oneof(
    fc.record({ expires: fc.option(duration), value: fc.boolean() }).map(({ expires, value }) => ({
      type: 'set_flag',
      flag,
      value,
      ...(expires ? { expires_in: expires.join(' ') } : {}),
    })),
    fc.constant({ type: 'clear_flag', flag }),
    fc
      .record({
        event: fc.constantFrom('partner.nudge.sent', 'journey.custom_thing'),
        payload: fc.dictionary(text(10), fc.oneof(text(), fc.integer(), pollution)),
      })
      .map((a) => ({ type: 'emit_event', ...a })),
    name.map((milestone) => ({ type: 'emit_event', event: 'orchestration.milestone.reached', payload: { milestone, note: '✓ \u202e' } })),
  );

let ruleCounter = 0;
const validRule = fc
  .record({
    name: text(60).filter((s) => s.length > 0),
    description: fc.option(text(200), { nil: undefined }),
    flag: name,
    priority: fc.integer({ min: -1000, max: 1000 }),
    // Mostly inactive: hundreds of active random rules would be no service's reality, and slow every ingest.
    active: fc.constantFrom(false, false, false, true, undefined),
    sticky: fc.option(fc.boolean(), { nil: undefined }),
    conditions: fc.array(condition, { minLength: 1, maxLength: 4 }),
  })
  .chain((r) => fc.array(action(r.flag), { minLength: 1, maxLength: 3 }).map((actions) => ({ ...r, actions })))
  // Unique ids, so a valid document is never a 409.
  .map((r) => JSON.parse(JSON.stringify({ id: `fuzz_${++ruleCounter}_${randomUUID().slice(0, 8)}`, ...r })) as Doc);

const nested = (depth: number, inner: Record<string, unknown>): Record<string, unknown> =>
  depth === 0 ? inner : { type: 'not', condition: nested(depth - 1, inner) };

/** One field of a valid rule broken, each way sure to be refused. */
const ruleMutations: [string, (r: Doc) => void][] = [
  ['a required field missing', (r) => delete r[['id', 'name', 'flag', 'priority', 'conditions', 'actions'][Math.abs(r.priority) % 6]]],
  ['priority as text', (r) => (r.priority = String(r.priority))],
  ['a fractional priority', (r) => (r.priority = 1.5)],
  ['no conditions', (r) => (r.conditions = [])],
  ['conditions as an object', (r) => (r.conditions = r.conditions[0])],
  ['actions as an object', (r) => (r.actions = r.actions[0])],
  ['a condition as an array', (r) => (r.conditions[0] = [r.conditions[0]])],
  ['an unknown entity', (r) => (r.conditions[0] = { type: 'exists', entity: 'no_such_entity' })],
  ['an unknown condition type', (r) => (r.conditions[0] = { ...r.conditions[0], type: 'sometimes' })],
  ['an unknown field', (r) => (r.extra = true)],
  ['an id with spaces', (r) => (r.id = 'not a valid id!')],
  ['an unknown action', (r) => (r.actions[0] = { type: 'explode', flag: r.flag })],
  [
    'an unknown operator',
    (r) => (r.conditions[0] = { type: 'value', entity: 'kintell_sessions', field: 'rating', operator: 'like', value: 4 }),
  ],
  ['a bad duration', (r) => (r.conditions[0] = { type: 'time_since', entity: 'buddy_events', duration: '14 fortnights' })],
  ['count_value as text', (r) => (r.conditions[0] = { type: 'count', entity: 'buddy_events', count: '>=', count_value: 'three' })],
  [
    'a text field compared with >',
    (r) => (r.conditions[0] = { type: 'value', entity: 'buddy_matches', field: 'status', operator: '>', value: 'active' }),
  ],
  ['nesting too deep', (r) => (r.conditions[0] = nested(MAX_DEPTH + 1, { type: 'exists', entity: 'buddy_events' }))],
  ['a milestone without its name', (r) => (r.actions[0] = { type: 'emit_event', event: 'orchestration.milestone.reached', payload: {} })],
  ['a name too long', (r) => (r.name = 'n'.repeat(201))],
  // An own `__proto__` property, as JSON.parse makes it (Object.assign would set the prototype instead).
  ['a pollution key at the top', (r) => Object.defineProperty(r, '__proto__', { value: { active: false }, enumerable: true })],
  ['a NUL in the name', (r) => (r.name = `${r.name}\u0000`)],
  // Ids a route under /journey/rules shadows, in any case; and the one prototype name the id pattern refuses.
  ['an id a route shadows', (r) => (r.id = ['schema', 'preview', 'Schema', 'PREVIEW'][Math.abs(r.priority) % 4])],
  ['__proto__ as the id', (r) => (r.id = '__proto__')],
  [
    'a leap second in a time value',
    (r) =>
      (r.conditions[0] = { type: 'value', entity: 'buddy_matches', field: 'matched_at', operator: '>', value: '2016-12-31T23:59:60Z' }),
  ],
  [
    'the year 0000 in a time value',
    (r) =>
      (r.conditions[0] = { type: 'value', entity: 'buddy_matches', field: 'matched_at', operator: '<', value: '0000-06-01T00:00:00Z' }),
  ],
  ['an unpaired surrogate in the description', (r) => (r.description = 'broken \uD800 text')],
];

/** Ids named like built-in object properties are ordinary ids: taken once (201), then a 409. */
const protoNamedId = fc.constantFrom(
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'prototype',
  'isPrototypeOf',
  'toLocaleString',
);

const ruleCases: fc.Arbitrary<Case> = fc.oneof(
  validRule.map((json): Case => ({ kind: 'valid', body: { json } })),
  fc.tuple(validRule, protoNamedId).map(([valid, id]): Case => ({ kind: 'valid', body: { json: { ...valid, id } }, mayExist: true })),
  fc.tuple(validRule, fc.constantFrom(...ruleMutations)).map(([valid, [, mutate]]): Case => {
    const r = copy(valid);
    mutate(r);
    return { kind: 'nearly valid', body: { json: r } };
  }),
  // Text that cannot be stored, hidden in an emit_event payload (free-form, kept as it is).
  fc.tuple(validRule, unstorable, text(10)).map(([valid, bad, key]): Case => {
    const r = copy(valid);
    r.actions.push({ type: 'emit_event', event: 'partner.nudge.sent', payload: { [key || 'k']: { deeper: [bad] } } });
    return { kind: 'nearly valid', body: { json: r } };
  }),
  fc
    .oneof(
      hostile,
      // Hostile rules that are nearly rules: a nesting far past the limit, in raw text.
      fc.integer({ min: 100, max: 20_000 }).map((d) => ({
        raw: `{"id":"deep","name":"deep","flag":"f","priority":1,"actions":[{"type":"set_flag","flag":"f"}],"conditions":[${'{"type":"not","condition":'.repeat(d)}{"type":"exists","entity":"buddy_events"}${'}'.repeat(d)}]}`,
        contentType: 'application/json',
      })),
    )
    .map((body): Case => ({ kind: 'hostile', body })),
);

/* ----------------------------------------------------------------- events */

const users = Array.from({ length: 25 }, () => randomUUID());
/** A participant, now and then with its uuid in upper or mixed case: the same participant. */
const user = fc.tuple(fc.constantFrom(...users), fc.nat()).map(([u, n]) => (n % 4 === 0 ? anyCase(u, n >> 2) : u));
const ref = (prefix: string) => fc.integer({ min: 1, max: 40 }).map((n) => `${prefix}-${n}`);
const extra = fc.option(fc.record({ extra: anyJson }), { nil: undefined }).map((x) => x ?? {});

const dataOf: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  'kintell.session.completed': fc.record({
    sessionId: ref('s'),
    sessionType: fc.constantFrom('language', 'mentorship'),
    participantId: user,
    volunteerId: text().filter((s) => s.length > 0),
    completedAt: iso,
    durationMinutes: fc.integer({ min: 0, max: 600 }),
    rating: fc.integer({ min: 2, max: 10 }).map((n) => n / 2),
    languageLevel: text(),
  }),
  'kintell.rating.created': fc.record({
    ratingId: fc.uuid(),
    sessionId: ref('s'),
    fromRole: fc.constantFrom('participant', 'volunteer'),
    rating: fc.constantFrom(1, 2.5, 5),
    createdAt: iso,
  }),
  'buddy.match.created': fc.record({ matchId: ref('m'), participantId: user, buddyId: text().filter((s) => s.length > 0), matchedAt: iso }),
  'buddy.event.logged': fc.record({ eventId: fc.uuid(), matchId: ref('m'), eventType: text(), eventDate: iso }),
  'buddy.event.attended': fc.record({ eventId: fc.uuid(), userId: user, eventType: text(), attendedAt: iso }),
  'buddy.checkin.completed': fc.record({ checkinId: fc.uuid(), matchId: ref('m'), checkinDate: iso, mood: text() }),
  'program.enrollment.created': fc.record({
    enrollmentId: ref('e'),
    userId: user,
    programType: fc.constantFrom('buddy', 'language', 'mentorship', 'upskilling'),
    status: fc.constantFrom('active', 'completed', 'dropped'),
    enrolledAt: iso,
  }),
  'q2q.outcome.scored': fc.record({
    scoreId: fc.uuid(),
    userId: user,
    dimension: fc.constantFrom('confidence', 'belonging', 'language_comfort', 'job_readiness', 'well_being'),
    score: fc.integer({ min: 0, max: 10 }).map((n) => n / 10),
    scoredAt: iso,
  }),
  'upskilling.progress.updated': fc.record({
    progressId: ref('p'),
    userId: user,
    courseId: text().filter((s) => s.length > 0),
    courseName: text(),
    progressPercent: fc.integer({ min: 0, max: 100 }),
    status: fc.constantFrom('enrolled', 'in_progress', 'completed', 'dropped'),
    updatedAt: iso,
  }),
};

const posted: string[] = [];
const eventId = fc
  .tuple(fc.oneof({ weight: 9, arbitrary: fc.uuid() }, { weight: 1, arbitrary: fc.constant(null) }), fc.nat())
  .map(([id, n]) =>
    // Now and then an id already sent (a duplicate), and now and then in upper or mixed case (the same id).
    anyCase(id ?? posted[Math.floor(Math.random() * posted.length)] ?? randomUUID(), n % 6 === 0 ? n : 1),
  );
const validEvent = fc
  .tuple(fc.constantFrom(...Object.keys(dataOf)), eventId, iso, fc.option(fc.uuid(), { nil: undefined }))
  .chain(([type, id, timestamp, correlationId]) =>
    fc.tuple(dataOf[type], extra).map(([data, more]) => ({
      id,
      type,
      version: 'v1',
      timestamp,
      ...(correlationId ? { correlationId } : {}),
      data: { ...data, ...more },
    })),
  )
  .map((e) => JSON.parse(JSON.stringify(e)) as Doc);
const validBatch = fc.oneof(validEvent, fc.array(validEvent, { minLength: 1, maxLength: 12 }));

const required = (type: string) => (EVENT_DATA_SCHEMAS[type as EventType] as { required: string[] }).required;
/** One field of one event broken, each way sure to be refused. */
const eventMutations: ((e: Doc) => void)[] = [
  (e) => delete e[['id', 'type', 'timestamp', 'data'][e.timestamp.length % 4]],
  (e) => (e.id = 'not-a-uuid'),
  (e) => (e.type = 'buddy.match.exploded'),
  (e) => (e.timestamp = 'yesterday'),
  (e) => (e.timestamp = 1736937000000),
  (e) => (e.data = []),
  (e) => (e.data = 'data'),
  (e) => delete e.data[required(e.type)[0]],
  (e) => (e.data[required(e.type)[1]] = { nested: true }),
  (e) => (e.version = 'v2'),
  (e) => (e.correlationId = 'abc'),
  (e) => (e.data[required(e.type).find((k) => /At$|Date$/.test(k))!] = '2025-13-45T99:00:00Z'),
  (e) => (e.data[required(e.type).find((k) => /Id$/.test(k))!] = ''),
  (e) => (e.data[required(e.type)[0]] = 'id-with-\u0000-inside'),
  (e) => (e.data.extra = { note: ['\uD83D'] }),
  (e) => (e.data = { ...e.data, ...withKey('bad\u0000key', 1) }),
];
/** A time PostgreSQL or JavaScript cannot hold, in the envelope or in data. */
const instantMutations: ((bad: string) => (e: Doc) => void)[] = [
  (bad) => (e) => (e.timestamp = bad),
  (bad) => (e) => (e.data[required(e.type).find((k) => /At$|Date$/.test(k))!] = bad),
];

const eventCases: fc.Arbitrary<Case> = fc.oneof(
  validBatch.map((json): Case => ({ kind: 'valid', body: { json } })),
  fc
    .tuple(fc.array(validEvent, { minLength: 1, maxLength: 8 }), fc.nat(), fc.constantFrom(...eventMutations))
    .map(([valid, n, mutate]): Case => {
      const batch = copy(valid);
      const index = n % batch.length;
      mutate(batch[index]);
      return { kind: 'nearly valid', body: { json: batch }, index };
    }),
  fc
    .tuple(fc.array(validEvent, { minLength: 1, maxLength: 8 }), fc.nat(), fc.constantFrom(...instantMutations), badInstant)
    .map(([valid, n, mutate, bad]): Case => {
      const batch = copy(valid);
      const index = n % batch.length;
      mutate(bad)(batch[index]);
      return { kind: 'nearly valid', body: { json: batch }, index };
    }),
  fc
    .oneof(
      hostile,
      fc.array(hostile, { minLength: 1, maxLength: 3 }).map((bodies) => ({ json: bodies.map((b) => ('json' in b ? b.json : b.raw)) })),
      validEvent.map((e) => ({ json: Array.from({ length: 1001 }, () => e) })),
      validEvent.map((e) => ({ json: { ...e, data: { ...e.data, [required(e.type)[0]]: 'x'.repeat(100_000) } } })),
      // Free-form extra fields are kept and stored: not nested without bound.
      fc.tuple(validEvent, fc.integer({ min: 40, max: 5000 })).map(([e, d]) => ({
        raw: JSON.stringify({ ...e, data: { ...e.data, extra: '§' } }).replace('"§"', '['.repeat(d) + ']'.repeat(d)),
        contentType: 'application/json',
      })),
    )
    .map((body): Case => ({ kind: 'hostile', body })),
);

/* ----------------------------------------------------------------- the runs */

describe(`fuzzing the write endpoints (${backend})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    // Rate limiting is not what is under test here. A 5xx's cause is logged, so a failed run says why.
    t = await startApp({ JOURNEY_RATE_LIMIT: '0', LOG_LEVEL: process.env.JOURNEY_TEST_LOGS || 'error' });
  }, 90_000);
  afterAll(() => t.close());

  async function post(url: string, { body }: Case) {
    const req = t.http.post(url).set('Authorization', `Bearer ${KEYS.admin}`);
    return 'json' in body
      ? req.set('Content-Type', 'application/json').send(JSON.stringify(body.json))
      : req.set('Content-Type', body.contentType).send(body.raw);
  }

  const size = ({ body }: Case) => Buffer.byteLength('json' in body ? (JSON.stringify(body.json) ?? '') : body.raw);

  /** What every answer must be, whatever was sent. */
  function expectSound(
    c: Case,
    res: { status: number; body: { problems?: { path: unknown; reason: unknown; index?: unknown }[] } },
    okStatus: number,
  ) {
    const where = `${c.kind} body answered ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
    expect([where, res.status < 500]).toEqual([where, true]);
    if (c.kind === 'valid') expect([where, c.mayExist && res.status === 409 ? okStatus : res.status]).toEqual([where, okStatus]);
    else if (res.status === 413) expect([where, size(c) > BODY_LIMIT]).toEqual([where, true]);
    else {
      expect([where, res.status]).toEqual([where, 400]);
      const problems = res.body.problems ?? [];
      expect([where, Array.isArray(problems) && problems.length > 0]).toEqual([where, true]);
      for (const p of problems)
        expect([where, typeof p.path === 'string' && typeof p.reason === 'string' && p.reason.length > 0]).toEqual([where, true]);
      if (c.index !== undefined) expect([where, problems.every((p) => p.index === c.index)]).toEqual([where, true]);
    }
  }

  const runs = { rules: { valid: 0, 'nearly valid': 0, hostile: 0 }, events: { valid: 0, 'nearly valid': 0, hostile: 0 } };
  let created = 0;
  let deadline = 0;

  it(`POST /journey/rules: ${RUNS} generated documents`, async () => {
    const before = (await t.as('reader').get('/journey/rules').expect(200)).body.count as number;
    deadline = Date.now() + TIME_LIMIT_MS;
    await fc.assert(
      fc.asyncProperty(ruleCases, async (c) => {
        if (Date.now() > deadline) return;
        const res = await post('/journey/rules', c);
        expectSound(c, res, 201);
        runs.rules[c.kind]++;
        if (res.status === 201) created++;
      }),
      { numRuns: RUNS, ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}) },
    );
    // Every 201 stored exactly one rule; no refusal stored anything.
    expect((await t.as('reader').get('/journey/rules').expect(200)).body.count).toBe(before + created);
  }, 120_000);

  it(`POST /journey/events: ${RUNS} generated batches`, async () => {
    deadline = Date.now() + TIME_LIMIT_MS;
    await fc.assert(
      fc.asyncProperty(eventCases, async (c) => {
        if (Date.now() > deadline) return;
        const res = await post('/journey/events', c);
        expectSound(c, res, 200);
        runs.events[c.kind]++;
        if (c.kind === 'valid' && res.status === 200) {
          const batch = (
            Array.isArray((c.body as { json: unknown }).json) ? (c.body as { json: unknown[] }).json : [(c.body as { json: unknown }).json]
          ) as { id: string }[];
          expect(res.body.accepted + res.body.duplicates).toBe(batch.length);
          posted.push(...batch.map((e) => e.id.toLowerCase()));
        }
      }),
      { numRuns: RUNS, ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}) },
    );
  }, 120_000);

  it('ran many cases of every kind, polluted no prototype, and the service is still healthy', async () => {
    console.log(`fuzz runs: ${JSON.stringify(runs)}; rules created: ${created}`);
    for (const endpoint of [runs.rules, runs.events]) {
      expect(endpoint.valid + endpoint['nearly valid'] + endpoint.hostile).toBeGreaterThanOrEqual(MIN_RUNS);
      for (const n of Object.values(endpoint)) expect(n).toBeGreaterThanOrEqual(MIN_RUNS / 5);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect((await t.http.get('/health').expect(200)).body).toMatchObject({ status: 'ok' });
    await t.as('reader').get(`/journey/flags/${users[0]}`).expect(200);
  });
});
