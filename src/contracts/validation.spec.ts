import { ENTITY_NAMES } from './entities.js';
import { MAX_DEPTH, MILESTONE_EVENT, type RuleDocument } from './rule.js';
import { formatProblems, MAX_JSON_DEPTH, storageProblems, toPath, validateRule, type Problem } from './validation.js';
import { MENTOR_READY_RULE } from '../engine/testing.js';

const valid: RuleDocument = MENTOR_READY_RULE;

/** The valid rule with its conditions (or anything else) replaced. */
const withConditions = (...conditions: unknown[]) => ({ ...valid, conditions });
const lines = (problems: Problem[]) => problems.map((p) => `${p.path}: ${p.reason}`);

describe('validateRule accepts', () => {
  it.each<[string, unknown]>([
    ['the seed’s mentor_ready rule', valid],
    [
      'the seed’s minimal custom rule',
      {
        id: 'custom_rule_001',
        name: 'Custom Rule',
        flag: 'custom_flag',
        priority: 10,
        conditions: [{ type: 'count', entity: 'buddy_matches', count: '>=', count_value: 5 }],
        actions: [{ type: 'set_flag', flag: 'custom_flag', value: true }],
      },
    ],
    [
      'exists with field/operator/value',
      withConditions({ type: 'exists', entity: 'program_enrollments', field: 'status', operator: '=', value: 'active' }),
    ],
    [
      'exists with in',
      withConditions({ type: 'exists', entity: 'program_enrollments', field: 'status', operator: 'in', value: ['active', 'completed'] }),
    ],
    ['time_since with the default field', withConditions({ type: 'time_since', entity: 'buddy_events', duration: '14 days' })],
    [
      'time_since on a *_at field',
      withConditions({ type: 'time_since', entity: 'buddy_matches', field: 'matched_at', duration: '2 weeks' }),
    ],
    [
      'time_since on occurred_at',
      withConditions({ type: 'time_since', entity: 'buddy_matches', field: 'occurred_at', duration: '1 month' }),
    ],
    [
      'every duration unit',
      withConditions(
        ...['30 seconds', '1 minute', '2 hours', '1 day', '3 weeks', '6 months'].map((duration) => ({
          type: 'time_since',
          entity: 'buddy_events',
          duration,
        })),
      ),
    ],
    ['a windowed count', withConditions({ type: 'count', entity: 'kintell_sessions', within: '7 days', count: '>=', count_value: 2 })],
    [
      'a value on a time compared with an ISO time',
      withConditions({ type: 'value', entity: 'buddy_matches', field: 'last_activity', operator: '<', value: '2025-01-15T10:30:00+01:00' }),
    ],
    [
      'times with a zone, fractions, or a bare (UTC) date',
      withConditions(
        ...['2025-01-15T10:30:00Z', '2025-01-15T10:30:00.123-05:00', '2025-01-15T10:30Z', '2025-01-15'].map((value) => ({
          type: 'value',
          entity: 'buddy_matches',
          field: 'matched_at',
          operator: '>=',
          value,
        })),
      ),
    ],
    [
      'every derived field',
      withConditions(
        ...['count', 'avg_rating', 'min_rating', 'max_rating', 'sum_rating'].map((field) => ({
          type: 'value',
          entity: 'kintell_sessions',
          field,
          operator: '>',
          value: 1,
        })),
      ),
    ],
    [
      'not, any_of, all_of',
      withConditions({
        type: 'not',
        condition: { type: 'any_of', conditions: [{ type: 'all_of', conditions: [{ type: 'exists', entity: 'credentials' }] }] },
      }),
    ],
    [
      'set_flag with expires_in, sticky',
      { ...valid, sticky: true, actions: [{ type: 'set_flag', flag: 'mentor_ready', expires_in: '30 days' }] },
    ],
    [
      '== as an operator',
      withConditions({ type: 'value', entity: 'outcome_scores', field: 'dimension', operator: '==', value: 'belonging' }),
    ],
    ['every entity', withConditions(...ENTITY_NAMES.map((entity) => ({ type: 'exists', entity })))],
  ])('%s', (_, doc) => {
    const v = validateRule(doc);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.rule).toBe(doc);
  });

  it('accepts nesting exactly MAX_DEPTH deep and refuses one more', () => {
    const nest = (levels: number) => {
      let c: unknown = { type: 'exists', entity: 'buddy_events' };
      for (let i = 1; i < levels; i++) c = { type: 'not', condition: c };
      return c;
    };
    expect(validateRule(withConditions(nest(MAX_DEPTH))).ok).toBe(true);
    expect(validateRule(withConditions(nest(MAX_DEPTH + 1))).problems).toEqual([
      { path: 'conditions', reason: `nesting is more than ${MAX_DEPTH} deep; at most ${MAX_DEPTH} allowed` },
    ]);
  });
});

describe('validateRule refuses, naming the path and the reason', () => {
  it.each<[string, unknown, string]>([
    [
      'a count_value that is not a number',
      withConditions({ type: 'count', entity: 'kintell_sessions', count: '>=', count_value: '3' }),
      'conditions[0].count_value: must be number',
    ],
    [
      'an unknown condition type',
      withConditions({ type: 'sometimes', entity: 'kintell_sessions' }),
      'conditions[0].type: unknown type "sometimes"',
    ],
    [
      'an unknown nested condition type',
      withConditions({ type: 'all_of', conditions: [{ type: 'exists', entity: 'credentials' }, { type: 'maybe' }] }),
      'conditions[0].conditions[1].type: unknown type "maybe"',
    ],
    ['a condition without type', withConditions({ entity: 'kintell_sessions' }), 'conditions[0].type: is required'],
    [
      'an unknown entity',
      withConditions({ type: 'exists', entity: 'zoom_calls' }),
      'conditions[0].entity: must be one of: ' + ENTITY_NAMES.join(', '),
    ],
    [
      'an unknown field for the entity, with the list',
      withConditions({ type: 'value', entity: 'kintell_sessions', field: 'mood', operator: '=', value: 'happy' }),
      'conditions[0].field: kintell_sessions has no field "mood" (fields: session_type, duration_minutes, language_level, rating, occurred_at, count, last_activity, avg_/min_/max_/sum_<numeric field>)',
    ],
    [
      'an unknown shorthand filter field',
      withConditions({ type: 'count', entity: 'program_enrollments', field: 'rating', value: 3, count: '>=', count_value: 1 }),
      'conditions[0].field: program_enrollments has no field "rating" (fields: program_type, status, occurred_at)',
    ],
    [
      'an unknown where field',
      withConditions({
        type: 'exists',
        entity: 'credentials',
        where: [
          { field: 'course_id', value: 'c' },
          { field: 'grade', value: 'A' },
        ],
      }),
      'conditions[0].where[1].field: credentials has no field "grade" (fields: course_id, credential_type, occurred_at)',
    ],
    [
      'a numeric operator on a text field',
      withConditions({ type: 'exists', entity: 'kintell_sessions', field: 'session_type', operator: '>', value: 'language' }),
      'conditions[0].operator: > needs a numeric or time field; this field of kintell_sessions is text',
    ],
    [
      'a numeric operator on a text field in where',
      withConditions({
        type: 'count',
        entity: 'learning_progress',
        where: [{ field: 'course_name', operator: '<=', value: 'm' }],
        count: '>',
        count_value: 0,
      }),
      'conditions[0].where[0].operator: <= needs a numeric or time field; this field of learning_progress is text',
    ],
    [
      'in without an array',
      withConditions({ type: 'exists', entity: 'program_enrollments', field: 'status', operator: 'in', value: 'active' }),
      'conditions[0].value: must be an array for in',
    ],
    [
      'not_in without an array',
      withConditions({ type: 'value', entity: 'outcome_scores', field: 'score', operator: 'not_in', value: 0.5 }),
      'conditions[0].value: must be an array for not_in',
    ],
    [
      'an array without in',
      withConditions({ type: 'value', entity: 'outcome_scores', field: 'score', operator: '=', value: [0.5] }),
      'conditions[0].value: must be a single value for = (use in / not_in for a list)',
    ],
    [
      'a text value for a numeric field',
      withConditions({ type: 'value', entity: 'kintell_sessions', field: 'avg_rating', operator: '>=', value: 'four' }),
      'conditions[0].value: must be a number (the field is numeric)',
    ],
    [
      'a number for a text field',
      withConditions({ type: 'exists', entity: 'program_enrollments', field: 'status', value: 1 }),
      'conditions[0].value: must be a string (the field is text)',
    ],
    [
      'a value a field never takes',
      withConditions({ type: 'exists', entity: 'program_enrollments', field: 'status', value: 'Active' }),
      'conditions[0].value: "Active" is not a possible value (active, completed, dropped)',
    ],
    ...['yesterday', 'Jan 15 2025', '1', '2025-01-15T10:30:00', '2025-01-15T10:30'].map((value): [string, unknown, string] => [
      `a time without a zone or not ISO-8601: ${value}`,
      withConditions({ type: 'value', entity: 'buddy_matches', field: 'matched_at', operator: '>', value }),
      'conditions[0].value: must be an ISO-8601 time with a zone, e.g. 2025-01-15T10:30:00Z (the field is a time)',
    ]),
    [
      'a number for a time in where',
      withConditions({ type: 'exists', entity: 'buddy_matches', where: [{ field: 'occurred_at', operator: '>=', value: 1736937000000 }] }),
      'conditions[0].where[0].value: must be an ISO-8601 time with a zone, e.g. 2025-01-15T10:30:00Z (the field is a time)',
    ],
    [
      'an aggregate of a text field',
      withConditions({ type: 'value', entity: 'kintell_sessions', field: 'avg_session_type', operator: '>', value: 1 }),
      'conditions[0].field: avg_ needs a numeric field; kintell_sessions.session_type is string',
    ],
    [
      'time_since on a field that is not a time',
      withConditions({ type: 'time_since', entity: 'kintell_sessions', field: 'rating', duration: '1 day' }),
      'conditions[0].field: time_since needs a time field (last_activity, occurred_at or a *_at field)',
    ],
    [
      'a shorthand value without field',
      withConditions({ type: 'exists', entity: 'program_enrollments', value: 'active' }),
      'conditions[0].field: field and value go together as a filter',
    ],
    [
      'a shorthand field without value',
      withConditions({ type: 'count', entity: 'program_enrollments', field: 'status', count: '>=', count_value: 1 }),
      'conditions[0].value: field and value go together as a filter',
    ],
    [
      'an unknown operator',
      withConditions({ type: 'value', entity: 'outcome_scores', field: 'score', operator: '=~', value: 1 }),
      'conditions[0].operator: must be one of: =, ==, !=, >, >=, <, <=, in, not_in',
    ],
    [
      'in as a count comparator',
      withConditions({ type: 'count', entity: 'outcome_scores', count: 'in', count_value: 1 }),
      'conditions[0].count: must be one of: =, ==, !=, >, >=, <, <=',
    ],
    [
      'a bad duration',
      withConditions({ type: 'time_since', entity: 'buddy_events', duration: '2 fortnights' }),
      'conditions[0].duration: has an invalid format (expected ^\\s*[1-9][0-9]{0,8}\\s*(second|minute|hour|day|week|month)s?\\s*$)',
    ],
    [
      'a bad window',
      withConditions({ type: 'exists', entity: 'buddy_events', within: '0 days' }),
      'conditions[0].within: has an invalid format (expected ^\\s*[1-9][0-9]{0,8}\\s*(second|minute|hour|day|week|month)s?\\s*$)',
    ],
    [
      'a window on a value condition',
      withConditions({ type: 'value', entity: 'outcome_scores', field: 'score', operator: '<', value: 0.5, within: '7 days' }),
      'conditions[0].within: is not allowed (unknown field)',
    ],
    [
      'an unknown key in a condition',
      withConditions({ type: 'exists', entity: 'buddy_events', filter: {} }),
      'conditions[0].filter: is not allowed (unknown field)',
    ],
    ['an unknown top-level key', { ...valid, enabled: true }, 'enabled: is not allowed (unknown field)'],
    ['a missing name', { ...valid, name: undefined }, 'name: is required'],
    ['a fractional priority', { ...valid, priority: 1.5 }, 'priority: must be integer'],
    ['no conditions', withConditions(), 'conditions: must NOT have fewer than 1 items'],
    ['conditions that are not a list', { ...valid, conditions: 'always' }, 'conditions: must be array'],
    ['no actions', { ...valid, actions: [] }, 'actions: must NOT have fewer than 1 items'],
    ['an unknown action type', { ...valid, actions: [{ type: 'send_email', to: 'x' }] }, 'actions[0].type: unknown type "send_email"'],
    [
      'a bad expires_in',
      { ...valid, actions: [{ type: 'set_flag', flag: 'mentor_ready', expires_in: 'soon' }] },
      'actions[0].expires_in: has an invalid format (expected ^\\s*[1-9][0-9]{0,8}\\s*(second|minute|hour|day|week|month)s?\\s*$)',
    ],
    [
      'milestone.reached without payload.milestone',
      { ...valid, actions: [valid.actions[0], { type: 'emit_event', event: MILESTONE_EVENT, payload: { reason: 'x' } }] },
      'actions[1].payload.milestone: is required for orchestration.milestone.reached (a name of up to 100 letters, digits, _ . -)',
    ],
    [
      'milestone.reached without payload',
      { ...valid, actions: [valid.actions[0], { type: 'emit_event', event: MILESTONE_EVENT }] },
      'actions[1].payload.milestone: is required for orchestration.milestone.reached (a name of up to 100 letters, digits, _ . -)',
    ],
    [
      'emitting the engine’s own flag event',
      { ...valid, actions: [valid.actions[0], { type: 'emit_event', event: 'orchestration.flag.updated' }] },
      'actions[1].event: is reserved: the engine emits orchestration.flag.updated itself',
    ],
    [
      'a bad event name',
      { ...valid, actions: [valid.actions[0], { type: 'emit_event', event: 'Not An Event' }] },
      'actions[1].event: has an invalid format (expected ^[a-z0-9_]+(\\.[a-z0-9_]+)+$)',
    ],
  ])('%s', (_, doc, expected) => {
    const v = validateRule(doc);
    expect(v.ok).toBe(false);
    expect(v.rule).toBeUndefined();
    expect(lines(v.problems)).toEqual([expected]);
  });

  it('reports every problem at once', () => {
    const v = validateRule({
      ...valid,
      priority: 'high',
      conditions: [
        { type: 'exists', entity: 'nowhere' },
        { type: 'count', entity: 'buddy_events', count: '>=' },
      ],
    });
    expect(lines(v.problems).sort()).toEqual(
      [
        'conditions[0].entity: must be one of: ' + ENTITY_NAMES.join(', '),
        'conditions[1].count_value: is required',
        'priority: must be integer',
      ].sort(),
    );
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'rule'],
    ['an array', [valid]],
  ])('refuses %s as a document without throwing', (_, doc) => {
    expect(validateRule(doc)).toEqual({ ok: false, problems: [{ path: '', reason: 'must be object' }], warnings: [] });
  });

  it('refuses absurdly deep nesting without exhausting the stack', () => {
    const text = `{"type":"not","condition":`.repeat(50_000) + `{"type":"exists","entity":"buddy_events"}` + '}'.repeat(50_000);
    const v = validateRule(withConditions(JSON.parse(text)));
    expect(v.ok).toBe(false);
    expect(v.problems[0].path).toBe('conditions');
  });
});

describe('warnings', () => {
  it('warns when no action sets or clears the rule’s own flag', () => {
    const v = validateRule({ ...valid, actions: [{ type: 'set_flag', flag: 'other_flag' }] });
    expect(v.ok).toBe(true);
    expect(v.warnings).toEqual([{ path: 'actions', reason: 'no action sets or clears the rule\'s own flag "mentor_ready"' }]);
  });
  it('does not warn when an action clears its flag', () => {
    expect(validateRule({ ...valid, actions: [{ type: 'clear_flag', flag: 'mentor_ready' }] }).warnings).toEqual([]);
  });
});

describe('paths', () => {
  it.each([
    ['/conditions/0/where/1', 'conditions[0].where[1]'],
    ['/actions/2/payload/milestone', 'actions[2].payload.milestone'],
    ['/a~1b/c~0d', 'a/b.c~d'],
    ['', ''],
  ])('%s → %s', (pointer, path) => expect(toPath(pointer)).toBe(path));

  it('prefixes paths', () => expect(toPath('/score', 'data')).toBe('data.score'));

  it('formats problems as `path: reason`', () => {
    expect(
      formatProblems([
        { path: 'conditions[0].count_value', reason: 'must be number' },
        { path: '', reason: 'must be object' },
      ]),
    ).toBe('conditions[0].count_value: must be number; (root): must be object');
  });
});

describe('storageProblems', () => {
  it('names the path of each string, key or nesting PostgreSQL cannot store, and nothing else', () => {
    const input = {
      id: 'fine',
      data: { tags: ['ok', 'a\u0000b', { deep: ['x\uDFFFy'] }], ['bad\u0000key']: 1, nested: { fine: 'yes', '': 'empty key' } },
    };
    expect(storageProblems(input, 'body').sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'body.data.bad\\u0000key', reason: 'this key contains a NUL character or an unpaired UTF-16 surrogate' },
      { path: 'body.data.tags[1]', reason: 'contains a NUL character or an unpaired UTF-16 surrogate' },
      { path: 'body.data.tags[2].deep[0]', reason: 'contains a NUL character or an unpaired UTF-16 surrogate' },
    ]);
    expect(storageProblems(['\uD800'])).toEqual([{ path: '[0]', reason: 'contains a NUL character or an unpaired UTF-16 surrogate' }]);
    expect(storageProblems({ a: { '\uD800': 'x' } })).toEqual([
      { path: 'a.\\ud800', reason: 'this key contains a NUL character or an unpaired UTF-16 surrogate' },
    ]);
    expect(storageProblems({ fine: ['a', { b: 'c' }], emoji: '😀' })).toEqual([]);
  });

  it('refuses nesting past MAX_JSON_DEPTH at the level where it starts', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < MAX_JSON_DEPTH + 1; i++) deep = i % 2 ? [deep] : { k: deep };
    // data, then 32 levels: 16 × `.k[0]`, whose last holds the 33rd, `.k`.
    expect(storageProblems({ data: deep })).toEqual([
      { path: `data${'.k[0]'.repeat(MAX_JSON_DEPTH / 2 - 1)}.k`, reason: `is nested more than ${MAX_JSON_DEPTH} levels deep` },
    ]);
    let fits: unknown = 'leaf';
    for (let i = 0; i < MAX_JSON_DEPTH - 1; i++) fits = { k: fits };
    expect(storageProblems({ data: fits })).toEqual([]);
  });
});
