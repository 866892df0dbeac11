import { FLAG_EVENT, MANUAL_OWNER, MILESTONE_EVENT, type Condition, type RuleDocument } from '../contracts/rule.js';
import { applyDecision, compileRule, evaluate, explainRule, RuleSet } from './evaluate.js';
import { DAY, HOUR, T0, USER_ID, context, emptyState, journey, record, rule } from './testing.js';
import type { Decision, ParticipantState } from './types.js';

const iso = (t: number) => new Date(t).toISOString();
const hasSessions: Condition = { type: 'exists', entity: 'kintell_sessions' };
const hasCredential: Condition = { type: 'exists', entity: 'credentials' };
const withSession = context({ kintell_sessions: [record('s1', T0 - HOUR, { session_type: 'language' })] });
const both = context({ kintell_sessions: [record('s1', T0 - HOUR)], credentials: [record('c1', T0 - HOUR)] });
const nothing = context({}, { firstSeenAt: T0 - DAY });

/** Nothing observable happened. */
const quiet = (d: Decision) => ({
  flagChanges: d.flagChanges,
  ownerChanges: d.ownerChanges,
  milestones: d.milestones,
  events: d.events,
  changes: d.changes,
});
const silent = { flagChanges: [], ownerChanges: [], milestones: [], events: [], changes: [] };
const flagSummary = (d: Decision) => d.flagChanges.map((c) => [c.flag, c.value, c.ruleId, c.reason]);
const flagState = (flags: ParticipantState['flags']) =>
  Object.fromEntries(Object.entries(flags).map(([k, f]) => [k, [f.value, f.setByRule]]));

describe('edge-triggered actions', () => {
  const r = rule('r1', [hasSessions], {
    actions: [
      { type: 'set_flag', flag: 'f', value: true },
      { type: 'emit_event', event: 'journey.custom.fired', payload: { a: 1 } },
    ],
  });

  it('acts on the rising edge, then does nothing while the rule keeps matching', () => {
    const j = journey([r]);
    const first = j.at(withSession, T0);
    expect(first.triggeredRules).toEqual(['r1']);
    expect(first.flagChanges).toEqual([
      expect.objectContaining({ flag: 'f', value: true, previousValue: null, ruleId: 'r1', reason: 'conditions hold', expiresAt: null }),
    ]);
    expect(first.events).toEqual([
      {
        type: FLAG_EVENT,
        ruleId: 'r1',
        data: { userId: USER_ID, flag: 'f', value: true, previousValue: null, ruleId: 'r1', reason: 'conditions hold' },
      },
      { type: 'journey.custom.fired', ruleId: 'r1', data: { a: 1, userId: USER_ID, ruleId: 'r1' } },
    ]);
    expect(first.changes).toEqual([
      { type: 'flag_set', flag: 'f', value: true, previousValue: null, ruleId: 'r1', reason: 'conditions hold' },
      { type: 'event_emitted', event: 'journey.custom.fired', ruleId: 'r1' },
    ]);

    const stateAfterFirst = j.state;
    for (const now of [T0, T0 + HOUR, T0 + 100 * DAY]) {
      const again = j.at(withSession, now);
      expect(quiet(again)).toEqual(silent);
      expect(again.triggeredRules).toEqual(['r1']);
      expect(again.matched).toEqual({ r1: true });
    }
    expect(flagState(j.state.flags)).toEqual(flagState(stateAfterFirst.flags));
    expect(j.state.flags.f.setAt).toBe(T0);
  });

  it('does not act while the rule does not match', () => {
    const d = journey([r]).at(nothing, T0);
    expect(d.triggeredRules).toEqual([]);
    expect(d.matched).toEqual({ r1: false });
    expect(quiet(d)).toEqual(silent);
  });

  it('acts again on a new rising edge after the rule stopped matching', () => {
    const j = journey([r]);
    j.at(withSession, T0);
    const fall = j.at(nothing, T0 + 1);
    expect(flagSummary(fall)).toEqual([['f', false, 'r1', 'conditions no longer hold']]);
    expect(fall.events.map((e) => e.type)).toEqual([FLAG_EVENT]);
    const rise = j.at(withSession, T0 + 2);
    expect(rise.flagChanges).toEqual([expect.objectContaining({ flag: 'f', value: true, previousValue: false })]);
    expect(rise.events.map((e) => e.type)).toEqual([FLAG_EVENT, 'journey.custom.fired']);
  });

  it('is evaluated against the state given, so the same inputs give the same decision', () => {
    const rules = RuleSet.of([r]);
    expect(evaluate(rules, withSession, emptyState(), T0)).toEqual(evaluate(rules, withSession, emptyState(), T0));
  });

  it('skips inactive rules entirely', () => {
    const d = journey([{ ...r, active: false }, rule('r2', [hasSessions], { flag: 'g' })]).at(withSession, T0);
    expect(d.evaluatedRules).toEqual(['r2']);
    expect(flagSummary(d)).toEqual([['g', true, 'r2', 'conditions hold']]);
  });
});

describe('priority', () => {
  it('evaluates in descending priority, ties by id', () => {
    const d = journey([
      rule('b', [hasSessions], { priority: 10 }),
      rule('c', [hasSessions], { priority: 20 }),
      rule('a', [hasSessions], { priority: 10 }),
      rule('z', [hasSessions], { priority: -5 }),
    ]).at(withSession, T0);
    expect(d.evaluatedRules).toEqual(['c', 'a', 'b', 'z']);
    expect(d.triggeredRules).toEqual(['c', 'a', 'b', 'z']);
  });

  const set = (id: string, priority: number, when: Condition = hasSessions): RuleDocument => rule(id, [when], { priority });
  const clear = (id: string, priority: number, when: Condition = hasSessions): RuleDocument =>
    rule(id, [when], {
      priority,
      actions: [
        { type: 'clear_flag', flag: 'f' },
        { type: 'emit_event', event: 'journey.cleared.tried' },
      ],
    });

  it.each<[string, RuleDocument[], ParticipantState, [string, boolean, string][]]>([
    ['higher set beats lower clear', [clear('lo', 10), set('hi', 20)], emptyState(), [['f', true, 'hi']]],
    ['higher clear beats lower set (flag stays unset)', [set('lo', 10), clear('hi', 20)], emptyState(), []],
    ['a tie goes to the smaller id: a sets', [clear('b', 10), set('a', 10)], emptyState(), [['f', true, 'a']]],
    ['a tie goes to the smaller id: a clears a set flag', [set('b', 10), clear('a', 10)], flagged('f', 'elsewhere'), [['f', false, 'a']]],
    [
      'a higher rule that does not match does not decide',
      [set('lo', 10), clear('hi', 20, hasCredential)],
      emptyState(),
      [['f', true, 'lo']],
    ],
    [
      'a higher matching rule that is not rising still decides: the lower rising clear is skipped',
      [clear('lo', 10), set('hi', 20)],
      { ...flagged('f', 'hi'), matched: { hi: true } },
      [],
    ],
  ])('%s', (_, docs, state, expected) => {
    const d = journey(docs, state).at(withSession, T0);
    expect(d.flagChanges.map((c) => [c.flag, c.value, c.ruleId])).toEqual(expected);
  });

  it('skips only flag actions: the lower rule still emits its events on its rising edge', () => {
    const d = journey([clear('lo', 10), set('hi', 20)]).at(withSession, T0);
    expect(d.events.map((e) => [e.type, e.ruleId])).toEqual([
      [FLAG_EVENT, 'hi'],
      ['journey.cleared.tried', 'lo'],
    ]);
  });

  it('decides per flag: a rule that loses one flag still sets another', () => {
    const lo = rule('lo', [hasSessions], {
      priority: 1,
      actions: [
        { type: 'clear_flag', flag: 'f' },
        { type: 'set_flag', flag: 'g' },
      ],
    });
    const d = journey([lo, set('hi', 20)]).at(withSession, T0);
    expect(d.flagChanges.map((c) => [c.flag, c.value, c.ruleId])).toEqual([
      ['f', true, 'hi'],
      ['g', true, 'lo'],
    ]);
  });
});

function flagged(flag: string, setByRule: string, more: Partial<ParticipantState['flags'][string]> = {}): ParticipantState {
  return { matched: {}, milestones: new Set(), flags: { [flag]: { value: true, setByRule, setAt: T0 - DAY, expiresAt: null, ...more } } };
}

describe('truth maintenance', () => {
  const active: Condition = { type: 'exists', entity: 'program_enrollments', field: 'status', value: 'active' };
  const enrolled = (status: string) => context({ program_enrollments: [record('e', T0, { status })] });

  it('clears a flag when its rule stops matching, with a flag.updated event', () => {
    const j = journey([rule('r', [active])]);
    j.at(enrolled('active'), T0);
    const d = j.at(enrolled('dropped'), T0 + HOUR);
    expect(d.flagChanges).toEqual([
      expect.objectContaining({
        flag: 'f',
        value: false,
        previousValue: true,
        ruleId: 'r',
        reason: 'conditions no longer hold',
        expiresAt: null,
      }),
    ]);
    expect(d.events).toEqual([
      {
        type: FLAG_EVENT,
        ruleId: 'r',
        data: { userId: USER_ID, flag: 'f', value: false, previousValue: true, ruleId: 'r', reason: 'conditions no longer hold' },
      },
    ]);
    expect(d.changes).toEqual([
      { type: 'flag_cleared', flag: 'f', value: false, previousValue: true, ruleId: 'r', reason: 'conditions no longer hold' },
    ]);
    expect(j.state.flags.f).toMatchObject({ value: false, setAt: T0 + HOUR });
    expect(quiet(j.at(enrolled('dropped'), T0 + 2 * HOUR))).toEqual(silent);
  });

  it('keeps a sticky rule’s flag', () => {
    const j = journey([rule('r', [active], { sticky: true })]);
    j.at(enrolled('active'), T0);
    expect(quiet(j.at(enrolled('dropped'), T0 + HOUR))).toEqual(silent);
    expect(j.state.flags.f.value).toBe(true);
  });

  it('keeps the flag while another matching rule holds it, reporting the new holder, then clears it when that one stops', () => {
    const j = journey([rule('hi', [active], { priority: 20 }), rule('lo', [hasSessions], { priority: 10 })]);
    const withBoth = context({ program_enrollments: [record('e', T0, { status: 'active' })], kintell_sessions: [record('s', T0)] });
    const first = j.at(withBoth, T0);
    expect(flagSummary(first)).toEqual([['f', true, 'hi', 'conditions hold']]);

    const handover = j.at(withSession, T0 + HOUR);
    expect(handover.flagChanges).toEqual([]);
    expect(handover.events).toEqual([]);
    expect(handover.ownerChanges).toEqual([{ flag: 'f', ruleId: 'lo' }]);
    expect(j.state.flags.f).toMatchObject({ value: true, setByRule: 'lo', setAt: T0 });
    expect(quiet(j.at(withSession, T0 + 2 * HOUR))).toEqual(silent);

    expect(flagSummary(j.at(nothing, T0 + 3 * HOUR))).toEqual([['f', false, 'lo', 'conditions no longer hold']]);
  });

  it('a matching rule that clears the flag does not hold it', () => {
    const j = journey([
      rule('setter', [active], { priority: 20 }),
      rule('clearer', [hasSessions], { priority: 10, actions: [{ type: 'clear_flag', flag: 'f' }] }),
    ]);
    j.at(context({ program_enrollments: [record('e', T0, { status: 'active' })], kintell_sessions: [record('s', T0)] }), T0);
    expect(flagSummary(j.at(withSession, T0 + HOUR))).toEqual([['f', false, 'setter', 'conditions no longer hold']]);
  });

  it.each([['manual'], ['a_deleted_rule']])('leaves alone a flag set by %s (not in the rule set)', (owner) => {
    const d = journey([rule('r', [active])], flagged('f', owner)).at(nothing, T0);
    expect(quiet(d)).toEqual(silent);
  });

  describe('a flag set by hand', () => {
    const setter = rule('setter', [hasSessions], { actions: [{ type: 'set_flag', flag: 'f', value: true }] });
    const clearer = rule('clearer', [hasSessions], { actions: [{ type: 'clear_flag', flag: 'f' }] });

    it.each([
      ['true, against a rule that starts to clear it', true, clearer],
      ['false, against a rule that starts to set it', false, setter],
    ])('stays %s', (_, value, r) => {
      const d = journey([r], flagged('f', MANUAL_OWNER, { value })).at(withSession, T0);
      expect(d.triggeredRules).toEqual([r.id]);
      expect(quiet(d)).toEqual(silent);
    });

    it.each([
      ['true', true, clearer, [['f', false, MANUAL_OWNER, 'expired']]],
      ['false', false, setter, [['f', true, 'setter', 'conditions hold']]],
      [
        'true, by a rule that sets it again',
        true,
        setter,
        [
          ['f', false, MANUAL_OWNER, 'expired'],
          ['f', true, 'setter', 'conditions hold'],
        ],
      ],
    ])("set %s, is the rules' again at its expiry, though they matched all along", (_, value, r, atExpiry) => {
      const j = journey([r], flagged('f', MANUAL_OWNER, { value, expiresAt: T0 + HOUR }));
      const before = j.at(withSession, T0);
      expect(quiet(before)).toEqual(silent);
      expect(before.nextDueAt).toBe(T0 + HOUR);
      expect(flagSummary(j.at(withSession, T0 + HOUR))).toEqual(atExpiry);
      // Then it is the rule's: nothing more happens while the rule keeps matching.
      expect(quiet(j.at(withSession, T0 + 2 * HOUR))).toEqual(silent);
    });

    it('set true with no rule acting on it, expires like any flag', () => {
      const j = journey([clearer], flagged('other', MANUAL_OWNER, { expiresAt: T0 + HOUR }));
      expect(flagSummary(j.at(withSession, T0 + HOUR))).toEqual([['other', false, MANUAL_OWNER, 'expired']]);
    });

    it('is left alone by a lower rule too, while another flag of the same rule is set as usual', () => {
      const both = rule('both', [hasSessions], {
        actions: [
          { type: 'clear_flag', flag: 'f' },
          { type: 'set_flag', flag: 'g', value: true },
        ],
      });
      const d = journey([both, setter], flagged('f', MANUAL_OWNER)).at(withSession, T0);
      expect(flagSummary(d)).toEqual([['g', true, 'both', 'conditions hold']]);
    });
  });

  it('leaves alone a flag whose rule was deactivated', () => {
    const j = journey([rule('r', [active], { active: false })], flagged('f', 'r'));
    expect(quiet(j.at(nothing, T0))).toEqual(silent);
  });
});

describe('milestones and emitted events', () => {
  const milestoneRule = (id: string, when: Condition = hasSessions) =>
    rule(id, [when], {
      actions: [
        { type: 'set_flag', flag: 'f' },
        { type: 'emit_event', event: MILESTONE_EVENT, payload: { milestone: 'm1', reason: 'did it', tier: 'gold' } },
      ],
    });

  it('records a milestone once, with the rest of the payload as metadata', () => {
    const j = journey([milestoneRule('r')]);
    const d = j.at(withSession, T0);
    expect(d.milestones).toEqual([{ milestone: 'm1', ruleId: 'r', metadata: { reason: 'did it', tier: 'gold' } }]);
    expect(d.events[1]).toEqual({
      type: MILESTONE_EVENT,
      ruleId: 'r',
      data: { userId: USER_ID, milestone: 'm1', ruleId: 'r', metadata: { reason: 'did it', tier: 'gold' } },
    });
    expect(d.changes).toContainEqual({ type: 'milestone_reached', milestone: 'm1', ruleId: 'r' });
    expect([...j.state.milestones]).toEqual(['m1']);

    // falls and rises again: the flag is set again, the milestone is not reached again
    j.at(nothing, T0 + 1);
    const again = j.at(withSession, T0 + 2);
    expect(flagSummary(again)).toEqual([['f', true, 'r', 'conditions hold']]);
    expect(again.milestones).toEqual([]);
    expect(again.events.map((e) => e.type)).toEqual([FLAG_EVENT]);
    expect(again.changes.map((c) => c.type)).toEqual(['flag_set']);
  });

  it('does not reach a milestone the participant already has', () => {
    const d = journey([milestoneRule('r')], { ...emptyState(), milestones: new Set(['m1']) }).at(withSession, T0);
    expect(d.milestones).toEqual([]);
    expect(d.events.filter((e) => e.type === MILESTONE_EVENT)).toEqual([]);
  });

  it('two rules rising on the same milestone reach it once, for the first in precedence', () => {
    const d = journey([milestoneRule('b'), { ...milestoneRule('a', hasCredential), priority: 5 }]).at(both, T0);
    expect(d.milestones.map((m) => [m.milestone, m.ruleId])).toEqual([['m1', 'b']]);
  });

  it('emits a custom event with the payload, userId and ruleId (which the payload cannot override)', () => {
    const r = rule('r', [hasSessions], {
      actions: [
        { type: 'set_flag', flag: 'f' },
        { type: 'emit_event', event: 'orchestration.custom.event', payload: { message: 'hi', userId: 'spoofed', ruleId: 'spoofed' } },
        { type: 'emit_event', event: 'orchestration.bare.event' },
      ],
    });
    const d = journey([r]).at(withSession, T0);
    expect(d.events.slice(1)).toEqual([
      { type: 'orchestration.custom.event', ruleId: 'r', data: { message: 'hi', userId: USER_ID, ruleId: 'r' } },
      { type: 'orchestration.bare.event', ruleId: 'r', data: { userId: USER_ID, ruleId: 'r' } },
    ]);
  });

  it('orders events: flag updates, then milestones and custom events in rule order', () => {
    const d = journey([
      milestoneRule('r'),
      rule('q', [hasSessions], {
        flag: 'g',
        priority: 1,
        actions: [
          { type: 'set_flag', flag: 'g' },
          { type: 'emit_event', event: 'x.y' },
        ],
      }),
    ]).at(withSession, T0);
    expect(d.events.map((e) => [e.type, e.data.flag ?? e.data.milestone ?? null])).toEqual([
      [FLAG_EVENT, 'f'],
      [FLAG_EVENT, 'g'],
      [MILESTONE_EVENT, 'm1'],
      ['x.y', null],
    ]);
  });
});

describe('expiry (set_flag expires_in)', () => {
  const expiring = rule('r', [hasSessions], { actions: [{ type: 'set_flag', flag: 'f', expires_in: '30 days' }] });

  it('sets expiresAt = now + duration and is due then', () => {
    const j = journey([expiring]);
    const d = j.at(withSession, T0);
    expect(d.flagChanges[0].expiresAt).toBe(T0 + 30 * DAY);
    expect(d.nextDueAt).toBe(T0 + 30 * DAY);
    expect(j.state.flags.f.expiresAt).toBe(T0 + 30 * DAY);
    expect(j.at(withSession, T0 + DAY).nextDueAt).toBe(T0 + 30 * DAY);
  });

  it('clears the flag when it expires; the still-matching rule does not set it again', () => {
    const j = journey([expiring]);
    j.at(withSession, T0);
    expect(quiet(j.at(withSession, T0 + 30 * DAY - 1))).toEqual(silent);
    const expired = j.at(withSession, T0 + 30 * DAY);
    expect(expired.flagChanges).toEqual([
      expect.objectContaining({ flag: 'f', value: false, previousValue: true, ruleId: 'r', reason: 'expired' }),
    ]);
    expect(expired.events.map((e) => [e.type, e.data.reason])).toEqual([[FLAG_EVENT, 'expired']]);
    expect(expired.nextDueAt).toBeNull();
    expect(j.state.flags.f.value).toBe(false);
    expect(quiet(j.at(withSession, T0 + 31 * DAY))).toEqual(silent);

    // only a new rising edge sets it again, with a new expiry
    j.at(nothing, T0 + 32 * DAY);
    const reset = j.at(withSession, T0 + 33 * DAY);
    expect(reset.flagChanges).toEqual([expect.objectContaining({ value: true, previousValue: false, expiresAt: T0 + 63 * DAY })]);
  });

  it('an expired flag whose rule also stopped matching changes once', () => {
    const j = journey([expiring]);
    j.at(withSession, T0);
    expect(flagSummary(j.at(nothing, T0 + 40 * DAY))).toEqual([['f', false, 'r', 'expired']]);
  });

  it('expires a flag set by anyone, rule or not', () => {
    const d = journey([], flagged('f', 'manual', { expiresAt: T0 })).at(nothing, T0);
    expect(flagSummary(d)).toEqual([['f', false, 'manual', 'expired']]);
  });
});

describe('nextDueAt', () => {
  const quietFor14Days: Condition = { type: 'time_since', entity: 'buddy_events', duration: '14 days' };
  const twoRecent: Condition = { type: 'count', entity: 'kintell_sessions', within: '7 days', count: '>=', count_value: 2 };

  it.each<[string, RuleDocument[], ParticipantState, number | null]>([
    ['null when nothing depends on time', [rule('r', [hasSessions])], emptyState(), null],
    ['a time_since crossing', [rule('r', [quietFor14Days])], emptyState(), T0 - 2 * DAY + 14 * DAY],
    ['a windowed record leaving its window', [rule('r', [twoRecent])], emptyState(), T0 - 6 * DAY + 7 * DAY],
    ['the earliest over rules', [rule('a', [quietFor14Days]), rule('b', [twoRecent], { flag: 'g' })], emptyState(), T0 + DAY],
    ['a flag that will expire', [], flagged('x', 'manual', { expiresAt: T0 + 3 * HOUR }), T0 + 3 * HOUR],
    [
      'a flag that will expire, earlier than a condition',
      [rule('r', [quietFor14Days])],
      flagged('x', 'manual', { expiresAt: T0 + 3 * HOUR }),
      T0 + 3 * HOUR,
    ],
    [
      'a flag already cleared does not expire',
      [],
      { ...emptyState(), flags: { x: { value: false, setByRule: 'r', setAt: T0, expiresAt: T0 + HOUR } } },
      null,
    ],
    [
      'a condition inside not/any_of counts',
      [rule('r', [{ type: 'not', condition: { type: 'any_of', conditions: [hasCredential, quietFor14Days] } }])],
      emptyState(),
      T0 + 12 * DAY,
    ],
  ])('%s', (_, docs, state, expected) => {
    const ctx = context({
      buddy_events: [record('b', T0 - 2 * DAY)],
      kintell_sessions: [record('s1', T0 - 6 * DAY), record('s2', T0 - 3 * DAY), record('s0', T0 - 10 * DAY)],
    });
    expect(evaluate(RuleSet.of(docs), ctx, state, T0).nextDueAt).toBe(expected);
  });

  it('a flag its rule clears now is no longer due to expire', () => {
    const j = journey([rule('r', [hasSessions], { actions: [{ type: 'set_flag', flag: 'f', expires_in: '30 days' }] })]);
    j.at(withSession, T0);
    const cleared = j.at(nothing, T0 + DAY);
    expect(flagSummary(cleared)).toEqual([['f', false, 'r', 'conditions no longer hold']]);
    expect(cleared.nextDueAt).toBeNull();
  });

  it('nothing changes before the due instant, and the result flips at it', () => {
    const j = journey([rule('r', [quietFor14Days])]);
    const ctx = context({ buddy_events: [record('b', T0 - 2 * DAY)] });
    const due = j.at(ctx, T0).nextDueAt!;
    expect(due).toBe(T0 + 12 * DAY);
    expect(quiet(j.at(ctx, due - 1))).toEqual(silent);
    expect(flagSummary(j.at(ctx, due))).toEqual([['f', true, 'r', 'conditions hold']]);
  });

  it('a windowed flag clears by itself when its record ages out', () => {
    const j = journey([rule('r', [twoRecent])]);
    const ctx = context({ kintell_sessions: [record('s1', T0 - 6 * DAY), record('s2', T0 - 3 * DAY)] });
    const due = j.at(ctx, T0).nextDueAt!;
    expect(j.state.flags.f.value).toBe(true);
    expect(quiet(j.at(ctx, due - 1))).toEqual(silent);
    expect(flagSummary(j.at(ctx, due))).toEqual([['f', false, 'r', 'conditions no longer hold']]);
  });
});

describe('explainRule', () => {
  const doc = rule('explained', [
    {
      type: 'all_of',
      conditions: [
        { type: 'exists', entity: 'program_enrollments', field: 'status', value: 'active' },
        { type: 'time_since', entity: 'buddy_events', duration: '14 days' },
        { type: 'count', entity: 'kintell_sessions', field: 'session_type', value: 'language', count: '>=', count_value: 3 },
      ],
    },
    {
      type: 'value',
      entity: 'outcome_scores',
      field: 'score',
      operator: '<',
      value: 0.5,
      where: [{ field: 'dimension', value: 'language_comfort' }],
    },
  ]);
  const ctx = context({
    program_enrollments: [record('e', T0 - 5 * DAY, { status: 'active' })],
    buddy_events: [record('b', T0 - 4 * DAY)],
    kintell_sessions: [record('s', T0 - 3 * DAY, { session_type: 'language' })],
    outcome_scores: [record('o', T0 - 2 * DAY, { dimension: 'language_comfort', score: 0.4 })],
  });

  it('traces every condition with its path, what it needs and when it becomes true', () => {
    const e = explainRule(compileRule(doc), ctx, T0);
    expect(e.matched).toBe(false);
    // the silence is over at T0 + 10 days, but the rule still lacks two sessions: time alone never flips it
    expect(e.nextChangeAt).toBeNull();
    expect(e.conditions.map((c) => [c.path, c.result])).toEqual([
      ['conditions[0]', false],
      ['conditions[1]', true],
    ]);
    expect(e.conditions[1]).toMatchObject({ type: 'value', entity: 'outcome_scores', field: 'score', actual: 0.4, result: true });
    const [enrolled, silence, sessions] = e.conditions[0].conditions!;
    expect(enrolled).toMatchObject({ path: 'conditions[0].conditions[0]', result: true });
    expect(silence).toMatchObject({ path: 'conditions[0].conditions[1]', result: false, becomesTrueAt: iso(T0 + 10 * DAY) });
    expect(sessions).toMatchObject({
      path: 'conditions[0].conditions[2]',
      type: 'count',
      entity: 'kintell_sessions',
      actual: 1,
      expected: '>= 3',
      result: false,
      needs: '2 more kintell_sessions where session_type = "language"',
    });
  });

  it('agrees with evaluate about matching', () => {
    const later = T0 + 10 * DAY;
    const full = context({
      ...ctx.entities,
      kintell_sessions: [0, 1, 2].map((i) => record(`s${i}`, T0 - 3 * DAY, { session_type: 'language' })),
    });
    expect(explainRule(compileRule(doc), full, later).matched).toBe(true);
    expect(evaluate(RuleSet.of([doc]), full, emptyState(), later).triggeredRules).toEqual(['explained']);
    expect(explainRule(compileRule(doc), full, later - 1).matched).toBe(false);
  });

  it('records the deciding rule’s trace as the explanation of a change', () => {
    const d = evaluate(RuleSet.of([rule('r', [hasSessions])]), withSession, emptyState(), T0);
    expect(d.flagChanges[0].explanation).toMatchObject({ ruleId: 'r', conditions: [{ path: 'conditions[0]', result: true }] });
  });
});

describe('applyDecision', () => {
  it('threads matched, flags (with owner changes) and milestones without mutating the old state', () => {
    const before = emptyState();
    const decision = evaluate(
      RuleSet.of([
        rule('r', [hasSessions], {
          actions: [
            { type: 'set_flag', flag: 'f' },
            { type: 'emit_event', event: MILESTONE_EVENT, payload: { milestone: 'm' } },
          ],
        }),
      ]),
      withSession,
      before,
      T0,
    );
    const after = applyDecision(before, decision, T0);
    expect(after.matched).toEqual({ r: true });
    expect(after.flags).toEqual({ f: { value: true, setByRule: 'r', setAt: T0, expiresAt: null } });
    expect([...after.milestones]).toEqual(['m']);
    expect(before).toEqual(emptyState());
  });
});

describe('instants past the latest one PostgreSQL and the contracts hold (9999-12-31)', () => {
  const LATEST = Date.parse('9999-12-31T23:59:59.999Z');
  it('an expiry beyond it is "never"', () => {
    const r = rule('far', [hasSessions], { actions: [{ type: 'set_flag', flag: 'f', expires_in: '999999999 months' }] });
    const d = journey([r]).at(withSession, T0);
    expect(d.flagChanges).toEqual([expect.objectContaining({ flag: 'f', value: true, expiresAt: null })]);
    expect(d.nextDueAt).toBeNull();
  });

  it('a due time beyond it is "never": an event at the latest instant, a rule a day after it', () => {
    const r = rule('quiet', [{ type: 'time_since', entity: 'kintell_sessions', duration: '1 day' }]);
    const late = context({ kintell_sessions: [record('s', LATEST)] });
    expect(journey([r]).at(late, T0).nextDueAt).toBeNull();
    expect(journey([r]).at(late, LATEST - DAY).nextDueAt).toBeNull();
    // Within range, it is due as usual.
    expect(journey([r]).at(context({ kintell_sessions: [record('s', T0)] }), T0).nextDueAt).toBe(T0 + DAY);
  });
});
