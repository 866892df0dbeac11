/**
 * Due instants, kind by kind, with a fixed clock: each case follows one participant from T0 through
 * every instant the engine asks to be woken at, and checks that nothing happens a millisecond before
 * it and that the expected change (or, for a cautious instant, none) happens at it.
 * (evaluate.spec.ts and conditions.spec.ts cover the simple instants; this is the rest.)
 */
import type { Condition, RuleDocument } from '../contracts/rule.js';
import { compileRule, evaluate, explainRule, matches, RuleSet } from './evaluate.js';
import { DAY, HOUR, SECOND, T0, context, emptyState, journey, record, rule } from './testing.js';
import type { Decision, ParticipantContext, ParticipantState } from './types.js';

const iso = (t: number) => new Date(t).toISOString();
type Flip = [flag: string, value: boolean, ruleId: string, reason: string];
const flips = (d: Decision): Flip[] => d.flagChanges.map((c) => [c.flag, c.value, c.ruleId, c.reason]);
const set = (flag = 'f', ruleId = 'r'): Flip => [flag, true, ruleId, 'conditions hold'];
const cleared = (flag = 'f', ruleId = 'r'): Flip => [flag, false, ruleId, 'conditions no longer hold'];
const expired = (flag = 'f', ruleId = 'r'): Flip => [flag, false, ruleId, 'expired'];

const quietFor = (entity: 'buddy_events' | 'kintell_sessions' | 'buddy_checkins', duration = '14 days'): Condition => ({
  type: 'time_since',
  entity,
  duration,
});
const activeEnrollment: Condition = { type: 'exists', entity: 'program_enrollments', field: 'status', value: 'active' };
const sessionsWithin = (count: '>=' | '<', n: number, within = '7 days'): Condition => ({
  type: 'count',
  entity: 'kintell_sessions',
  within,
  count,
  count_value: n,
});
const session = (key: string, at: number, session_type = 'language') => record(key, at, { session_type });

/** The shape of followup_needed_001: enrolled, and quiet everywhere for 14 days. */
const followup = rule('r', [activeEnrollment, quietFor('buddy_events'), quietFor('kintell_sessions'), quietFor('buddy_checkins')]);
const followupCtx = context({
  program_enrollments: [record('e', T0 - 20 * DAY, { status: 'active' })],
  buddy_events: [record('b', T0 - 10 * DAY)],
  kintell_sessions: [session('s', T0 - 5 * DAY)],
});

const nested = rule('r', [
  {
    type: 'any_of',
    conditions: [
      { type: 'all_of', conditions: [activeEnrollment, quietFor('buddy_events')] },
      { type: 'not', condition: { type: 'exists', entity: 'kintell_sessions', within: '7 days' } },
    ],
  },
]);
const nestedCtx = context({
  program_enrollments: [record('e', T0 - 30 * DAY, { status: 'active' })],
  buddy_events: [record('b', T0 - 12 * DAY)],
  kintell_sessions: [session('s', T0 - 3 * DAY)],
});

interface Case {
  docs: RuleDocument[];
  ctx: ParticipantContext;
  state?: ParticipantState;
  /** What the first evaluation, at T0, changes. */
  atStart?: Flip[];
  /** Each instant the engine asks for in turn, with what changes at it. Then it asks for nothing. */
  dues: [at: number, changes: Flip[]][];
}

const expiring = (within: string, expires_in: string) =>
  rule('r', [{ type: 'exists', entity: 'kintell_sessions', within }], { actions: [{ type: 'set_flag', flag: 'f', expires_in }] });
const flaggedUntil = (flags: Record<string, number>): ParticipantState => ({
  ...emptyState(),
  flags: Object.fromEntries(
    Object.entries(flags).map(([f, until]) => [f, { value: true, setByRule: 'manual', setAt: T0 - DAY, expiresAt: until }]),
  ),
});

const cases: [string, Case][] = [
  [
    'time_since on a plain *_at field: its value on the latest record, not the record time',
    {
      docs: [rule('r', [{ type: 'time_since', entity: 'buddy_matches', field: 'matched_at', duration: '14 days' }])],
      ctx: context({ buddy_matches: [record('m', T0 - DAY, { matched_at: iso(T0 - 10 * DAY) })] }),
      dues: [[T0 + 4 * DAY, [set()]]],
    },
  ],
  [
    'time_since over filtered records only: a newer record of another kind does not move it',
    {
      docs: [
        rule('r', [{ type: 'time_since', entity: 'buddy_events', duration: '14 days', where: [{ field: 'source', value: 'attended' }] }]),
      ],
      ctx: context({ buddy_events: [record('a', T0 - 5 * DAY, { source: 'attended' }), record('l', T0 - DAY, { source: 'logged' })] }),
      dues: [[T0 + 9 * DAY, [set()]]],
    },
  ],
  [
    'time_since in seconds',
    {
      docs: [rule('r', [quietFor('kintell_sessions', '90 seconds')])],
      ctx: context({ kintell_sessions: [session('s', T0 - 30 * SECOND)] }),
      dues: [[T0 + 60 * SECOND, [set()]]],
    },
  ],
  [
    'several silences (followup_needed_001): the earliest crossing is a cautious wake-up, the last one flips',
    {
      docs: [followup],
      ctx: followupCtx,
      dues: [
        [T0 + 4 * DAY, []],
        [T0 + 9 * DAY, [set()]],
      ],
    },
  ],
  [
    'windowed count: each counted record leaving is an instant; the flag clears when too few are left',
    {
      docs: [rule('r', [sessionsWithin('>=', 2)])],
      ctx: context({ kintell_sessions: [session('a', T0 - 6 * DAY), session('b', T0 - 3 * DAY), session('c', T0 - DAY)] }),
      atStart: [set()],
      dues: [
        [T0 + DAY, []],
        [T0 + 4 * DAY, [cleared()]],
        [T0 + 6 * DAY, []],
      ],
    },
  ],
  [
    'windowed count below a bound becomes true as records leave',
    {
      docs: [rule('r', [sessionsWithin('<', 2)])],
      ctx: context({ kintell_sessions: [session('a', T0 - 6 * DAY), session('b', T0 - 5 * DAY), session('c', T0 - DAY)] }),
      dues: [
        [T0 + DAY, []],
        [T0 + 2 * DAY, [set()]],
        [T0 + 6 * DAY, []],
      ],
    },
  ],
  [
    'windowed exists with a filter: only the matching record holds the flag',
    {
      docs: [rule('r', [{ type: 'exists', entity: 'kintell_sessions', field: 'session_type', value: 'language', within: '7 days' }])],
      ctx: context({ kintell_sessions: [session('l', T0 - 5 * DAY), session('m', T0 - DAY, 'mentorship')] }),
      atStart: [set()],
      dues: [[T0 + 2 * DAY, [cleared()]]],
    },
  ],
  [
    'a record dated after now counts until it leaves its window',
    {
      docs: [rule('r', [{ type: 'exists', entity: 'kintell_sessions', within: '1 day' }])],
      ctx: context({ kintell_sessions: [session('s', T0 + HOUR)] }),
      atStart: [set()],
      dues: [[T0 + HOUR + DAY, [cleared()]]],
    },
  ],
  [
    'an expiry before the window closes: the flag expires, the still-matching rule does not set it again',
    {
      docs: [expiring('7 days', '1 day')],
      ctx: context({ kintell_sessions: [session('s', T0 - HOUR)] }),
      atStart: [set()],
      dues: [
        [T0 + DAY, [expired()]],
        [T0 + 7 * DAY - HOUR, []],
      ],
    },
  ],
  [
    'a window that closes before the expiry clears the flag, and the expiry is then no longer due',
    {
      docs: [expiring('7 days', '30 days')],
      ctx: context({ kintell_sessions: [session('s', T0 - HOUR)] }),
      atStart: [set()],
      dues: [[T0 + 7 * DAY - HOUR, [cleared()]]],
    },
  ],
  [
    'expiries of several flags, earliest first',
    {
      docs: [],
      ctx: context(),
      state: flaggedUntil({ x: T0 + 3 * HOUR, y: T0 + HOUR }),
      dues: [
        [T0 + HOUR, [expired('y', 'manual')]],
        [T0 + 3 * HOUR, [expired('x', 'manual')]],
      ],
    },
  ],
  [
    'not: a rule that holds until a silence begins clears at the crossing',
    {
      docs: [rule('r', [{ type: 'not', condition: quietFor('buddy_events', '3 days') }])],
      ctx: context({ buddy_events: [record('b', T0 - DAY)] }),
      atStart: [set()],
      dues: [[T0 + 2 * DAY, [cleared()]]],
    },
  ],
  [
    'any_of [all_of [exists, time_since], not exists-within]: the earliest child at any depth',
    {
      docs: [nested],
      ctx: nestedCtx,
      // Then nothing is due: the all_of holds for good (its silence has begun), so the any_of does too;
      // the not-exists child turning true at T0 + 4 days changes nothing.
      dues: [[T0 + 2 * DAY, [set()]]],
    },
  ],
  [
    'the earliest over rules, including one that loses its flag to a higher priority',
    {
      docs: [
        rule('hi', [quietFor('buddy_events', '3 days')], { priority: 20 }),
        rule('lo', [{ type: 'exists', entity: 'kintell_sessions', within: '2 days' }], { priority: 5 }),
      ],
      ctx: context({ buddy_events: [record('b', T0 - HOUR)], kintell_sessions: [session('s', T0 - HOUR)] }),
      atStart: [set('f', 'lo')],
      dues: [
        [T0 + 2 * DAY - HOUR, [cleared('f', 'lo')]],
        [T0 + 3 * DAY - HOUR, [set('f', 'hi')]],
      ],
    },
  ],
];

describe('due instants: each is honoured exactly', () => {
  it.each(cases)('%s', (_, { docs, ctx, state, atStart = [], dues }) => {
    const j = journey(docs, state);
    let d = j.at(ctx, T0);
    expect(flips(d)).toEqual(atStart);
    for (const [at, changes] of dues) {
      expect(d.nextDueAt).toBe(at);
      const before = j.at(ctx, at - 1);
      expect([flips(before), before.events, before.nextDueAt]).toEqual([[], [], at]);
      d = j.at(ctx, at);
      expect(flips(d)).toEqual(changes);
    }
    expect(d.nextDueAt).toBeNull();
  });

  it.each(cases.filter(([, c]) => c.docs.length > 0))('explain: nextChangeAt is when the rule itself flips (%s)', (_, { docs, ctx }) => {
    for (const doc of docs) {
      const r = compileRule(doc);
      const { matched, nextChangeAt } = explainRule(r, ctx, T0);
      expect(matched).toBe(matches(r, ctx, T0));
      if (nextChangeAt === null) {
        expect(matches(r, ctx, T0 + 365 * DAY)).toBe(matched);
        continue;
      }
      expect(nextChangeAt).toBeGreaterThan(T0);
      expect(matches(r, ctx, nextChangeAt - 1)).toBe(matched);
      expect(matches(r, ctx, nextChangeAt)).toBe(!matched);
    }
  });
});

describe('conditions time can never change: no due instant', () => {
  const ctx = context({
    program_enrollments: [record('e', T0 - 30 * DAY, { status: 'active' })],
    buddy_matches: [record('m', T0 - 30 * DAY, { matched_at: iso(T0 - 30 * DAY), status: 'active' })],
    buddy_events: [record('b', T0 - 20 * DAY)],
    kintell_sessions: [session('old', T0 - 10 * DAY)],
  });
  it.each<[string, Condition[], ParticipantContext?]>([
    ['a value', [{ type: 'value', entity: 'kintell_sessions', field: 'count', operator: '>=', value: 1 }]],
    ['a count without a window', [{ type: 'count', entity: 'kintell_sessions', count: '>=', count_value: 2 }]],
    ['an exists without a window', [activeEnrollment]],
    ['a silence already long', [quietFor('buddy_events')]],
    ['a crossing exactly now is already true', [quietFor('buddy_events', '20 days')]],
    ['a record leaving its window exactly now is already out', [{ type: 'exists', entity: 'kintell_sessions', within: '10 days' }]],
    ['a window with every record already out', [sessionsWithin('>=', 1)]],
    [
      'a silence measured from a field absent on the latest record (ended_at of an active match)',
      [{ type: 'time_since', entity: 'buddy_matches', field: 'ended_at', duration: '1 second' }],
    ],
    ['a silence with nothing to measure from', [quietFor('buddy_checkins')], context({}, { firstSeenAt: null })],
    [
      'all_of / any_of / not of such conditions',
      [
        {
          type: 'not',
          condition: {
            type: 'any_of',
            conditions: [{ type: 'all_of', conditions: [activeEnrollment, quietFor('buddy_events')] }, sessionsWithin('<', 1)],
          },
        },
      ],
    ],
  ])('%s', (_, conditions, on = ctx) => {
    const docs = [rule('r', conditions)];
    expect(evaluate(RuleSet.of(docs), on, emptyState(), T0).nextDueAt).toBeNull();
    expect(explainRule(compileRule(docs[0]), on, T0).nextChangeAt).toBeNull();
  });

  it('an inactive rule, however soon its crossing (explain still answers for it)', () => {
    const doc = rule('r', [quietFor('kintell_sessions', '11 days')], { active: false });
    const on = context({ kintell_sessions: [session('s', T0 - 10 * DAY)] });
    expect(evaluate(RuleSet.of([doc]), on, emptyState(), T0).nextDueAt).toBeNull();
    expect(explainRule(compileRule(doc), on, T0).nextChangeAt).toBe(T0 + DAY);
  });
});

describe('explain with time', () => {
  const at = (doc: RuleDocument, ctx: ParticipantContext) => explainRule(compileRule(doc), ctx, T0);

  it('a cautious due instant is not the rule’s change: each silence says when it ends, the rule when it flips', () => {
    const e = at(followup, followupCtx);
    expect(evaluate(RuleSet.of([followup]), followupCtx, emptyState(), T0).nextDueAt).toBe(T0 + 4 * DAY);
    expect(e.nextChangeAt).toBe(T0 + 9 * DAY);
    expect(e.conditions.map((c) => [c.path, c.result, c.becomesTrueAt])).toEqual([
      ['conditions[0]', true, undefined],
      ['conditions[1]', false, iso(T0 + 4 * DAY)],
      ['conditions[2]', false, iso(T0 + 9 * DAY)],
      // no check-ins: measured from the first event seen, 20 days ago
      ['conditions[3]', true, undefined],
    ]);
  });

  it('null when a silence will end but the rule still lacks a record', () => {
    const ctx = context({ buddy_events: [record('b', T0 - 10 * DAY)], kintell_sessions: [session('s', T0 - 5 * DAY)] });
    const e = at(followup, ctx);
    expect(e.conditions[0]).toMatchObject({ result: false, needs: '1 more program_enrollments where status = "active"' });
    expect(e.conditions[0].becomesTrueAt).toBeUndefined();
    expect(e.conditions[1].becomesTrueAt).toBe(iso(T0 + 4 * DAY));
    expect(e.nextChangeAt).toBeNull();
  });

  it('a windowed count over its bound says how many fewer, and when enough will have left', () => {
    const ctx = context({ kintell_sessions: [session('a', T0 - 6 * DAY), session('b', T0 - 5 * DAY), session('c', T0 - DAY)] });
    const e = at(rule('r', [sessionsWithin('<', 2)]), ctx);
    expect(e.conditions[0]).toMatchObject({
      actual: 3,
      expected: '< 2',
      result: false,
      needs: '2 fewer kintell_sessions within 7 days',
      becomesTrueAt: iso(T0 + 2 * DAY),
    });
    expect(e.nextChangeAt).toBe(T0 + 2 * DAY);
  });

  it('a windowed count under its bound needs more records: time only makes it worse', () => {
    const e = at(rule('r', [sessionsWithin('>=', 2)]), context({ kintell_sessions: [session('a', T0 - DAY)] }));
    expect(e.conditions[0]).toMatchObject({ result: false, needs: '1 more kintell_sessions within 7 days' });
    expect(e.conditions[0].becomesTrueAt).toBeUndefined();
    expect(e.nextChangeAt).toBeNull();
  });

  it('a matching rule says when it stops matching', () => {
    const ctx = context({ kintell_sessions: [session('a', T0 - 6 * DAY), session('b', T0 - 3 * DAY), session('c', T0 - DAY)] });
    const e = at(rule('r', [sessionsWithin('>=', 2)]), ctx);
    expect(e.matched).toBe(true);
    expect(e.nextChangeAt).toBe(T0 + 4 * DAY);
  });

  it('nested conditions each say when they become true, with their paths', () => {
    const e = at(nested, nestedCtx);
    const [anyOf] = e.conditions;
    const [allOf, not] = anyOf.conditions!;
    expect([anyOf, allOf, allOf.conditions![1], not, not.conditions![0]].map((c) => [c.path, c.result, c.becomesTrueAt])).toEqual([
      ['conditions[0]', false, iso(T0 + 2 * DAY)],
      ['conditions[0].conditions[0]', false, iso(T0 + 2 * DAY)],
      ['conditions[0].conditions[0].conditions[1]', false, iso(T0 + 2 * DAY)],
      ['conditions[0].conditions[1]', false, iso(T0 + 4 * DAY)],
      ['conditions[0].conditions[1].condition', true, undefined],
    ]);
    expect(e.nextChangeAt).toBe(T0 + 2 * DAY);
  });
});
