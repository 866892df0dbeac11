import type { Condition, Operator, Scalar } from '../contracts/rule.js';
import { compileCondition } from './conditions.js';
import { DAY, HOUR, SECOND, T0, context, record } from './testing.js';
import type { ParticipantContext } from './types.js';

const test = (c: Condition, ctx: ParticipantContext, now = T0) => compileCondition(c).test(ctx, now);
const iso = (t: number) => new Date(t).toISOString();

const lang = (key: string, ago: number, rating?: number) =>
  record(key, T0 - ago, rating === undefined ? { session_type: 'language' } : { session_type: 'language', rating });
const mentor = (key: string, ago: number, rating?: number) =>
  record(key, T0 - ago, rating === undefined ? { session_type: 'mentorship' } : { session_type: 'mentorship', rating });

/** 3 language sessions (ratings 5, 4, unrated) and 2 mentorship sessions (ratings 2, 3). */
const sessions = context({
  kintell_sessions: [
    lang('l1', 5 * DAY, 5),
    lang('l2', 4 * DAY, 4),
    lang('l3', 3 * DAY),
    mentor('m1', 2 * DAY, 2),
    mentor('m2', 1 * DAY, 3),
  ],
});
const nobody = context();

describe('count', () => {
  it.each<[string, Partial<Condition> & object, boolean]>([
    ['all 5 sessions >= 5', { count: '>=', count_value: 5 }, true],
    ['all 5 sessions >= 6', { count: '>=', count_value: 6 }, false],
    ['shorthand field+value: 3 language >= 3', { field: 'session_type', value: 'language', count: '>=', count_value: 3 }, true],
    ['shorthand field+value: 3 language >= 4', { field: 'session_type', value: 'language', count: '>=', count_value: 4 }, false],
    [
      'shorthand with operator !=: 2 non-language',
      { field: 'session_type', operator: '!=', value: 'language', count: '=', count_value: 2 },
      true,
    ],
    ['where filter: rated >= 4', { where: [{ field: 'rating', operator: '>=', value: 4 }], count: '=', count_value: 2 }, true],
    [
      'shorthand and where together are ANDed',
      { field: 'session_type', value: 'mentorship', where: [{ field: 'rating', operator: '>', value: 2 }], count: '=', count_value: 1 },
      true,
    ],
    [
      'several where filters are ANDed',
      {
        where: [
          { field: 'session_type', value: 'language' },
          { field: 'rating', operator: '<', value: 5 },
        ],
        count: '=',
        count_value: 1,
      },
      true,
    ],
    [
      'unrated records do not pass a rating filter, even !=',
      { where: [{ field: 'rating', operator: '!=', value: 4 }], count: '=', count_value: 3 },
      true,
    ],
    ['where in', { where: [{ field: 'rating', operator: 'in', value: [2, 5] }], count: '=', count_value: 2 }, true],
    ['where not_in skips unrated', { where: [{ field: 'rating', operator: 'not_in', value: [2, 5] }], count: '=', count_value: 2 }, true],
  ])('%s', (_, extra, expected) => {
    expect(test({ type: 'count', entity: 'kintell_sessions', count: '>=', count_value: 0, ...extra } as Condition, sessions)).toBe(
      expected,
    );
  });

  // 3 language sessions, compared with every comparator.
  it.each<[Operator, number, boolean]>([
    ['=', 3, true],
    ['=', 2, false],
    ['==', 3, true],
    ['==', 4, false],
    ['!=', 3, false],
    ['!=', 2, true],
    ['>', 2, true],
    ['>', 3, false],
    ['>=', 3, true],
    ['>=', 4, false],
    ['<', 4, true],
    ['<', 3, false],
    ['<=', 3, true],
    ['<=', 2, false],
  ])('3 language sessions %s %d → %s', (op, n, expected) => {
    const c = {
      type: 'count',
      entity: 'kintell_sessions',
      field: 'session_type',
      value: 'language',
      count: op,
      count_value: n,
    } as Condition;
    expect(test(c, sessions)).toBe(expected);
  });

  it('counts 0 when the entity has no records', () => {
    expect(test({ type: 'count', entity: 'kintell_sessions', count: '=', count_value: 0 }, nobody)).toBe(true);
    expect(test({ type: 'count', entity: 'kintell_sessions', count: '>=', count_value: 1 }, nobody)).toBe(false);
  });

  it('does not read another entity', () => {
    expect(test({ type: 'count', entity: 'buddy_events', count: '>=', count_value: 1 }, sessions)).toBe(false);
  });
});

describe('exists', () => {
  const enrollments = context({
    program_enrollments: [
      record('e1', T0 - DAY, { program_type: 'language', status: 'completed' }),
      record('e2', T0, { program_type: 'buddy', status: 'active' }),
    ],
  });
  it.each<[string, Partial<Condition> & object, ParticipantContext, boolean]>([
    ['any record', {}, enrollments, true],
    ['no records', {}, nobody, false],
    ['field = value', { field: 'status', operator: '=', value: 'active' }, enrollments, true],
    ['field + value, operator defaults to =', { field: 'status', value: 'dropped' }, enrollments, false],
    ['field != value', { field: 'status', operator: '!=', value: 'active' }, enrollments, true],
    ['field in list', { field: 'status', operator: 'in', value: ['dropped', 'completed'] }, enrollments, true],
    ['field not_in list', { field: 'program_type', operator: 'not_in', value: ['buddy', 'language'] }, enrollments, false],
    [
      'where',
      {
        where: [
          { field: 'program_type', value: 'buddy' },
          { field: 'status', value: 'active' },
        ],
      },
      enrollments,
      true,
    ],
    [
      'where, no record passes both',
      {
        where: [
          { field: 'program_type', value: 'language' },
          { field: 'status', value: 'active' },
        ],
      },
      enrollments,
      false,
    ],
    ['!= on no records', { field: 'status', operator: '!=', value: 'active' }, nobody, false],
  ])('%s', (_, extra, ctx, expected) => {
    expect(test({ type: 'exists', entity: 'program_enrollments', ...extra } as Condition, ctx)).toBe(expected);
  });
});

describe('within windows (count / exists)', () => {
  const w = context({ kintell_sessions: [lang('a', 7 * DAY), lang('b', 7 * DAY - 1), lang('c', 2 * DAY), lang('d', 0)] });
  it('counts only records strictly inside the window: one exactly `within` old is out', () => {
    expect(test({ type: 'count', entity: 'kintell_sessions', within: '7 days', count: '=', count_value: 3 }, w)).toBe(true);
    expect(test({ type: 'count', entity: 'kintell_sessions', count: '=', count_value: 4 }, w)).toBe(true);
  });
  it('exists within', () => {
    const old = context({ kintell_sessions: [lang('a', 7 * DAY)] });
    expect(test({ type: 'exists', entity: 'kintell_sessions', within: '7 days' }, old)).toBe(false);
    expect(test({ type: 'exists', entity: 'kintell_sessions', within: '7 days' }, old, T0 - 1)).toBe(true);
    expect(test({ type: 'exists', entity: 'kintell_sessions', within: '8 days' }, old)).toBe(true);
  });
  it('combines the window with the filter', () => {
    const mixed = context({ kintell_sessions: [lang('a', DAY), mentor('b', DAY), lang('c', 10 * DAY)] });
    const c: Condition = {
      type: 'count',
      entity: 'kintell_sessions',
      field: 'session_type',
      value: 'language',
      within: '7 days',
      count: '=',
      count_value: 1,
    };
    expect(test(c, mixed)).toBe(true);
  });
});

describe('value', () => {
  const scores = context({
    outcome_scores: [
      record('s1', T0 - 3 * DAY, { dimension: 'language_comfort', score: 0.4 }),
      record('s2', T0 - 2 * DAY, { dimension: 'confidence', score: 0.9 }),
      record('s3', T0 - 1 * DAY, { dimension: 'language_comfort', score: 0.7 }),
    ],
  });
  const v = (field: string, operator: Operator, value: Scalar | Scalar[], extra: object = {}): Condition => ({
    type: 'value',
    entity: 'kintell_sessions',
    field,
    operator,
    value,
    ...extra,
  });
  const onlyLanguage = { where: [{ field: 'session_type', value: 'language' }] };

  it.each<[string, Condition, ParticipantContext, boolean]>([
    // derived fields over 5 sessions: ratings 5, 4, (none), 2, 3
    ['count = 5', v('count', '=', 5), sessions, true],
    ['count with where = 3', v('count', '=', 3, onlyLanguage), sessions, true],
    ['avg_rating over rated sessions only = 3.5', v('avg_rating', '=', 3.5), sessions, true],
    ['avg_rating over language sessions = 4.5', v('avg_rating', '=', 4.5, onlyLanguage), sessions, true],
    ['min_rating = 2', v('min_rating', '=', 2), sessions, true],
    ['max_rating = 5', v('max_rating', '=', 5), sessions, true],
    ['sum_rating = 14', v('sum_rating', '=', 14), sessions, true],
    ['sum_duration_minutes over no numbers is absent, not 0', v('sum_duration_minutes', '=', 0), sessions, false],
    ['last_activity = latest occurredAt', v('last_activity', '=', iso(T0 - DAY)), sessions, true],
    ['last_activity compared as a time', v('last_activity', '>', '2025-01-14T10:29:59+00:00'), sessions, true],
    // plain field: the value on the most recent record
    ['plain session_type on the most recent record', v('session_type', '=', 'mentorship'), sessions, true],
    ['plain rating on the most recent record (m2)', v('rating', '=', 3), sessions, true],
    ['plain rating on the most recent language record: unrated → false', v('rating', '>=', 0, onlyLanguage), sessions, false],
    [
      'plain score with where dimension (most recent is 0.7)',
      {
        type: 'value',
        entity: 'outcome_scores',
        field: 'score',
        operator: '<',
        value: 0.5,
        where: [{ field: 'dimension', value: 'language_comfort' }],
      },
      scores,
      false,
    ],
    [
      'plain score without where: most recent overall (0.7)',
      { type: 'value', entity: 'outcome_scores', field: 'score', operator: '=', value: 0.7 },
      scores,
      true,
    ],
  ])('%s', (_, c, ctx, expected) => expect(test(c, ctx)).toBe(expected));

  it('takes the most recent record by occurredAt, not by position', () => {
    const shuffled = context({
      outcome_scores: [
        record('late', T0, { dimension: 'confidence', score: 0.2 }),
        record('early', T0 - DAY, { dimension: 'confidence', score: 0.9 }),
      ],
    });
    expect(test({ type: 'value', entity: 'outcome_scores', field: 'score', operator: '=', value: 0.2 }, shuffled)).toBe(true);
  });

  describe('a value that does not exist makes every comparison false, never 0', () => {
    const unrated = context({ kintell_sessions: [lang('a', DAY), lang('b', 2 * DAY)] });
    it.each<[string, Operator, Scalar | Scalar[]]>([
      ['avg_rating', '<', 4],
      ['avg_rating', '=', 0],
      ['avg_rating', '!=', 4],
      ['avg_rating', '<=', 0],
      ['avg_rating', 'not_in', [1, 2]],
      ['min_rating', '>=', 0],
      ['max_rating', '<', 100],
      ['sum_rating', '=', 0],
      ['rating', '!=', 5],
      ['rating', 'not_in', [5]],
    ])('%s %s %j on unrated sessions', (field, op, value) => {
      expect(test(v(field, op, value), unrated)).toBe(false);
    });
    it.each<[string, Operator, Scalar | Scalar[]]>([
      ['avg_rating', '<', 4],
      ['avg_rating', '!=', 4],
      ['rating', '!=', 5],
      ['session_type', '!=', 'language'],
      ['session_type', 'not_in', ['language']],
      ['last_activity', '<', '2030-01-01T00:00:00Z'],
      ['last_activity', '!=', '2030-01-01T00:00:00Z'],
    ])('%s %s %j with no records', (field, op, value) => {
      expect(test(v(field, op, value), nobody)).toBe(false);
    });
    it('count exists even with no records: it is 0', () => {
      expect(test(v('count', '=', 0), nobody)).toBe(true);
      expect(test(v('count', '<', 1), nobody)).toBe(true);
    });
  });
});

describe('every operator on a value', () => {
  // the most recent record has score 0.5, dimension confidence
  const ctx = context({ outcome_scores: [record('s', T0, { dimension: 'confidence', score: 0.5 })] });
  it.each<[string, Operator, Scalar | Scalar[], boolean]>([
    ['score', '=', 0.5, true],
    ['score', '=', 0.4, false],
    ['score', '==', 0.5, true],
    ['score', '==', 0.6, false],
    ['score', '!=', 0.5, false],
    ['score', '!=', 0.6, true],
    ['score', '>', 0.4, true],
    ['score', '>', 0.5, false],
    ['score', '>=', 0.5, true],
    ['score', '>=', 0.6, false],
    ['score', '<', 0.6, true],
    ['score', '<', 0.5, false],
    ['score', '<=', 0.5, true],
    ['score', '<=', 0.4, false],
    ['score', 'in', [0.1, 0.5], true],
    ['score', 'in', [0.1, 0.2], false],
    ['score', 'not_in', [0.1, 0.2], true],
    ['score', 'not_in', [0.5], false],
    ['dimension', '=', 'confidence', true],
    ['dimension', '==', 'belonging', false],
    ['dimension', '!=', 'belonging', true],
    ['dimension', 'in', ['belonging', 'confidence'], true],
    ['dimension', 'not_in', ['belonging', 'confidence'], false],
  ])('%s %s %j → %s', (field, operator, value, expected) => {
    expect(test({ type: 'value', entity: 'outcome_scores', field, operator, value }, ctx)).toBe(expected);
  });
});

describe('timestamps are compared as times, not as text', () => {
  const matches = context({ buddy_matches: [record('m', T0, { buddy_id: 'b', status: 'active', matched_at: '2025-01-15T10:30:00Z' })] });
  const matchedAt = (operator: Operator, value: Scalar | Scalar[]): Condition => ({
    type: 'value',
    entity: 'buddy_matches',
    field: 'matched_at',
    operator,
    value,
  });
  it.each<[Operator, Scalar | Scalar[], boolean]>([
    ['=', '2025-01-15T10:30:00.000Z', true],
    ['=', '2025-01-15T11:30:00+01:00', true],
    ['!=', '2025-01-15T11:30:00+01:00', false],
    ['>', '2025-01-15T11:00:00+01:00', true], // 10:00Z; as text "2025-01-15T11…" > "2025-01-15T10…"
    ['<', '2025-01-15T11:00:00+01:00', false],
    ['<=', '2025-01-15T09:30:00-01:00', true],
    ['>=', '2025-01-16T00:00:00Z', false],
    ['in', ['2024-01-01T00:00:00Z', '2025-01-15T10:30:00.000Z'], true],
    ['not_in', ['2025-01-15T12:30:00+02:00'], false],
  ])('matched_at %s %j → %s', (op, value, expected) => expect(test(matchedAt(op, value), matches)).toBe(expected));

  it('filters on occurred_at and on *_at fields as times', () => {
    const c: Condition = {
      type: 'count',
      entity: 'buddy_matches',
      where: [
        { field: 'occurred_at', operator: '>=', value: '2025-01-15T11:30:00+01:00' },
        { field: 'matched_at', operator: '<', value: '2025-01-15T10:30:00.001Z' },
      ],
      count: '=',
      count_value: 1,
    };
    expect(test(c, matches)).toBe(true);
  });
});

describe('time_since', () => {
  const active = context({ buddy_events: [record('e1', T0 - 20 * DAY), record('e2', T0 - 14 * DAY)] });
  const ts = (extra: object = {}): Condition => ({ type: 'time_since', entity: 'buddy_events', duration: '14 days', ...extra });

  it.each<[string, Condition, ParticipantContext, number, boolean]>([
    ['exactly the duration since last_activity holds', ts(), active, T0, true],
    ['one ms short does not hold', ts(), active, T0 - 1, false],
    ['well past holds', ts(), active, T0 + DAY, true],
    ['field last_activity is the default', ts({ field: 'last_activity' }), active, T0 - 1, false],
    ['measured from the latest record, not the first', ts(), active, T0 - 2 * DAY, false],
    ['no records: from firstSeenAt (exactly 14 days)', ts(), context({}, { firstSeenAt: T0 - 14 * DAY }), T0, true],
    [
      'no records: enrolled yesterday is not overdue',
      ts(),
      context({ program_enrollments: [record('p', T0 - DAY, { status: 'active' })] }),
      T0,
      false,
    ],
    ['no records and firstSeenAt null: false', ts(), context({}, { firstSeenAt: null }), T0 + 1000 * DAY, false],
    [
      'no records matching where: from firstSeenAt',
      ts({ where: [{ field: 'source', value: 'attended' }] }),
      context({ buddy_events: [record('e', T0, { source: 'logged' })] }, { firstSeenAt: T0 - 30 * DAY }),
      T0,
      true,
    ],
    ['shorter duration with seconds', ts({ duration: '90 seconds' }), context({ buddy_events: [record('e', T0 - 90 * SECOND)] }), T0, true],
  ])('%s', (_, c, ctx, now, expected) => expect(test(c, ctx, now)).toBe(expected));

  it('on a plain *_at field uses its value on the most recent record', () => {
    const m = context({ buddy_matches: [record('m', T0, { status: 'active', matched_at: iso(T0 - 10 * DAY) })] });
    expect(test({ type: 'time_since', entity: 'buddy_matches', field: 'matched_at', duration: '10 days' }, m)).toBe(true);
    expect(test({ type: 'time_since', entity: 'buddy_matches', field: 'matched_at', duration: '11 days' }, m)).toBe(false);
    // ended_at absent on the most recent record: no time to measure from
    expect(test({ type: 'time_since', entity: 'buddy_matches', field: 'ended_at', duration: '1 second' }, m, T0 + 100 * DAY)).toBe(false);
  });
});

describe('all_of / any_of / not', () => {
  const T: Condition = { type: 'exists', entity: 'kintell_sessions' };
  const F: Condition = { type: 'exists', entity: 'buddy_events' };
  it.each<[string, Condition, boolean]>([
    ['all_of [T, T]', { type: 'all_of', conditions: [T, T] }, true],
    ['all_of [T, F]', { type: 'all_of', conditions: [T, F] }, false],
    ['any_of [F, T]', { type: 'any_of', conditions: [F, T] }, true],
    ['any_of [F, F]', { type: 'any_of', conditions: [F, F] }, false],
    ['not T', { type: 'not', condition: T }, false],
    ['not F', { type: 'not', condition: F }, true],
    ['not not T', { type: 'not', condition: { type: 'not', condition: T } }, true],
    [
      'nested all_of [any_of [F, T], not F]',
      {
        type: 'all_of',
        conditions: [
          { type: 'any_of', conditions: [F, T] },
          { type: 'not', condition: F },
        ],
      },
      true,
    ],
  ])('%s → %s', (_, c, expected) => expect(test(c, sessions)).toBe(expected));
});

describe('next: when time alone could change the result', () => {
  const next = (c: Condition, ctx: ParticipantContext, now = T0) => compileCondition(c).next(ctx, now);
  const ts: Condition = { type: 'time_since', entity: 'buddy_events', duration: '14 days' };
  const quiet = context({ buddy_events: [record('e', T0 - 3 * DAY)] });
  const windowed: Condition = { type: 'count', entity: 'kintell_sessions', within: '7 days', count: '>=', count_value: 1 };
  const recent = context({ kintell_sessions: [lang('old', 10 * DAY), lang('a', 2 * DAY), lang('b', 5 * DAY)] });

  it.each<[string, Condition, ParticipantContext, number]>([
    ['time_since not yet crossed: the crossing', ts, quiet, T0 + 11 * DAY],
    ['time_since already crossed: never', ts, context({ buddy_events: [record('e', T0 - 14 * DAY)] }), Infinity],
    ['time_since with no records: from firstSeenAt', ts, context({}, { firstSeenAt: T0 - DAY }), T0 + 13 * DAY],
    ['time_since with nothing to measure from: never', ts, context({}, { firstSeenAt: null }), Infinity],
    ['window: the oldest counted record leaves', windowed, recent, T0 + 2 * DAY],
    ['window: nothing counted, never', windowed, context({ kintell_sessions: [lang('old', 10 * DAY)] }), Infinity],
    ['no window: never', { type: 'count', entity: 'kintell_sessions', count: '>=', count_value: 1 }, recent, Infinity],
    ['value: never', { type: 'value', entity: 'kintell_sessions', field: 'count', operator: '>', value: 1 }, recent, Infinity],
    ['not passes through', { type: 'not', condition: ts }, quiet, T0 + 11 * DAY],
    [
      'all_of: earliest of its children',
      { type: 'all_of', conditions: [ts, windowed] },
      context({ buddy_events: [record('e', T0 - 3 * DAY)], kintell_sessions: [lang('a', 6 * DAY)] }),
      T0 + DAY,
    ],
    [
      'any_of nested in not: earliest of its children',
      { type: 'not', condition: { type: 'any_of', conditions: [windowed, ts] } },
      context({ buddy_events: [record('e', T0 - 13 * DAY)], kintell_sessions: [lang('a', 2 * DAY)] }),
      T0 + DAY,
    ],
  ])('%s', (_, c, ctx, expected) => expect(next(c, ctx)).toBe(expected));

  it('the window boundary is the first instant the record is out', () => {
    const c = compileCondition(windowed);
    const ctx = context({ kintell_sessions: [lang('a', 2 * DAY)] });
    const due = c.next(ctx, T0);
    expect(c.test(ctx, due - 1)).toBe(true);
    expect(c.test(ctx, due)).toBe(false);
  });
});

describe('explain', () => {
  const explain = (c: Condition, ctx: ParticipantContext, now = T0) => compileCondition(c).explain(ctx, now, 'conditions[0]');

  it('says how many more records a count needs, with its filter', () => {
    const c: Condition = {
      type: 'count',
      entity: 'kintell_sessions',
      field: 'session_type',
      value: 'language',
      count: '>=',
      count_value: 3,
    };
    const t = explain(c, context({ kintell_sessions: [lang('a', DAY)] }));
    expect(t).toMatchObject({
      path: 'conditions[0]',
      type: 'count',
      entity: 'kintell_sessions',
      actual: 1,
      expected: '>= 3',
      result: false,
    });
    expect(t.needs).toBe('2 more kintell_sessions where session_type = "language"');
  });

  it.each<[string, Condition, number, string | undefined]>([
    ['> 3 with 1 needs 3 more', { type: 'count', entity: 'buddy_events', count: '>', count_value: 3 }, 1, '3 more buddy_events'],
    ['<= 1 with 3 needs 2 fewer', { type: 'count', entity: 'buddy_events', count: '<=', count_value: 1 }, 3, '2 fewer buddy_events'],
    ['< 1 with 2 needs 2 fewer', { type: 'count', entity: 'buddy_events', count: '<', count_value: 1 }, 2, '2 fewer buddy_events'],
    ['exists with none needs 1 more', { type: 'exists', entity: 'buddy_events' }, 0, '1 more buddy_events'],
    ['!= has no single target', { type: 'count', entity: 'buddy_events', count: '!=', count_value: 2 }, 2, undefined],
    [
      'a window is named',
      { type: 'count', entity: 'buddy_events', within: '7 days', count: '>=', count_value: 2 },
      0,
      '2 more buddy_events within 7 days',
    ],
  ])('%s', (_, c, n, needs) => {
    const ctx = context({ buddy_events: Array.from({ length: n }, (_x, i) => record(`e${i}`, T0 - HOUR)) });
    const t = explain(c, ctx);
    expect(t.result).toBe(false);
    expect(t.needs).toBe(needs);
  });

  it('says when a time condition becomes true', () => {
    const t = explain(
      { type: 'time_since', entity: 'buddy_events', duration: '14 days' },
      context({ buddy_events: [record('e', T0 - 3 * DAY)] }),
    );
    expect(t).toMatchObject({
      type: 'time_since',
      field: 'last_activity',
      actual: iso(T0 - 3 * DAY),
      result: false,
      becomesTrueAt: iso(T0 + 11 * DAY),
    });
  });

  it('labels a time_since measured from the first known event, when the entity has no records', () => {
    const c: Condition = { type: 'time_since', entity: 'buddy_events', duration: '14 days' };
    const t = explain(c, context({ kintell_sessions: [lang('a', 3 * DAY)] }));
    expect(t).toMatchObject({
      field: 'last_activity',
      actual: iso(T0 - 3 * DAY),
      note: 'no buddy_events; measured from the first known event',
    });
    const filtered: Condition = { ...c, where: [{ field: 'event_type', value: 'call' }] };
    expect(explain(filtered, context({ buddy_events: [record('e', T0 - DAY)] }, { firstSeenAt: T0 - 2 * DAY }))).toMatchObject({
      actual: iso(T0 - 2 * DAY),
      note: 'no buddy_events where event_type = "call"; measured from the first known event',
    });
    expect(explain(c, context({}, { firstSeenAt: null }))).toMatchObject({
      actual: null,
      result: false,
      note: 'no buddy_events and no known event',
    });
    expect(explain(c, context({ buddy_events: [record('e', T0 - DAY)] })).note).toBeUndefined();
  });

  it('shows the actual value of a value condition, null when absent', () => {
    const c: Condition = { type: 'value', entity: 'kintell_sessions', field: 'avg_rating', operator: '>=', value: 4 };
    expect(explain(c, sessions)).toMatchObject({ actual: 3.5, expected: '>= 4', result: false });
    expect(explain(c, nobody)).toMatchObject({ actual: null, result: false });
  });

  it('nests paths and agrees with test()', () => {
    const c: Condition = {
      type: 'all_of',
      conditions: [
        { type: 'exists', entity: 'kintell_sessions' },
        { type: 'not', condition: { type: 'exists', entity: 'buddy_events' } },
        {
          type: 'any_of',
          conditions: [
            { type: 'exists', entity: 'credentials' },
            { type: 'count', entity: 'kintell_sessions', count: '>=', count_value: 9 },
          ],
        },
      ],
    };
    const t = explain(c, sessions);
    expect(t.result).toBe(test(c, sessions));
    expect(t.result).toBe(false);
    expect(t.conditions?.map((k) => [k.path, k.result])).toEqual([
      ['conditions[0].conditions[0]', true],
      ['conditions[0].conditions[1]', true],
      ['conditions[0].conditions[2]', false],
    ]);
    expect(t.conditions?.[1].conditions?.[0].path).toBe('conditions[0].conditions[1].condition');
    expect(t.conditions?.[2].conditions?.[1]).toMatchObject({
      path: 'conditions[0].conditions[2].conditions[1]',
      needs: '4 more kintell_sessions',
    });
  });
});
