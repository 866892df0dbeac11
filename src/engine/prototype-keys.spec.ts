/**
 * Ids are data, never object properties: a rule, flag or milestone named like a built-in property
 * of objects (`constructor`, `toString`, `hasOwnProperty`, `valueOf`, `__proto__`) behaves like any other.
 */
import { MILESTONE_EVENT } from '../contracts/rule.js';
import { applyDecision, evaluate, RuleSet } from './evaluate.js';
import { HOUR, T0, context, emptyState, journey, record, rule } from './testing.js';
import type { ParticipantState } from './types.js';

const withSession = context({ kintell_sessions: [record('s1', T0 - HOUR)] });
const noSession = context({}, { firstSeenAt: T0 - HOUR });
const exists = [{ type: 'exists' as const, entity: 'kintell_sessions' as const }];
const NAMES = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__', 'isPrototypeOf'];

describe.each(NAMES)('an id named %s', (name) => {
  it('a rule with that id sets its flag on its rising edge', () => {
    const d = evaluate(RuleSet.of([rule(name, exists)]), withSession, emptyState(), T0);
    expect(d.triggeredRules).toEqual([name]);
    expect(d.flagChanges.map((c) => [c.flag, c.value, c.ruleId])).toEqual([['f', true, name]]);
    expect(d.matched[name]).toBe(true);
  });

  it('a flag with that name is set, held, then cleared when its rule stops matching', () => {
    const j = journey([rule('r', exists, { flag: name })]);
    expect(j.at(withSession, T0).flagChanges.map((c) => [c.flag, c.value])).toEqual([[name, true]]);
    expect(Object.keys(j.state.flags)).toEqual([name]);
    expect(j.state.flags[name]).toMatchObject({ value: true, setByRule: 'r' });
    expect(j.at(withSession, T0 + 1).flagChanges).toEqual([]);
    expect(j.at(noSession, T0 + 2).flagChanges.map((c) => [c.flag, c.value, c.reason])).toEqual([
      [name, false, 'conditions no longer hold'],
    ]);
  });

  it('a rule with that id, already matched, does not act again; and one not matched does', () => {
    const rules = RuleSet.of([rule(name, exists)]);
    const matched: ParticipantState = { ...emptyState(), matched: Object.fromEntries([[name, true]]) };
    expect(evaluate(rules, withSession, matched, T0).flagChanges).toEqual([]);
    // an empty record of matched rules still has every built-in property of objects
    expect(evaluate(rules, withSession, { ...emptyState(), matched: {} }, T0).flagChanges).toHaveLength(1);
  });

  it('a milestone with that name is reached once', () => {
    const j = journey([rule('r', exists, { actions: [{ type: 'emit_event', event: MILESTONE_EVENT, payload: { milestone: name } }] })]);
    expect(j.at(withSession, T0).milestones.map((m) => m.milestone)).toEqual([name]);
    j.at(noSession, T0 + 1);
    expect(j.at(withSession, T0 + 2).milestones).toEqual([]);
  });

  it('the state threaded through applyDecision keeps it as an own entry, not a prototype', () => {
    const d = evaluate(RuleSet.of([rule(name, exists, { flag: name })]), withSession, emptyState(), T0);
    const after = applyDecision(emptyState(), d, T0);
    expect(Object.keys(after.matched)).toEqual([name]);
    expect(Object.keys(after.flags)).toEqual([name]);
    expect(after.matched[name]).toBe(true);
    expect(after.flags[name]).toMatchObject({ value: true, setByRule: name });
  });
});

it('a flag state record with no own entry for a built-in name holds no such flag', () => {
  // a rule acting on `toString` must not see Object.prototype.toString as a flag that is set
  const j = journey([rule('r', exists, { flag: 'toString', actions: [{ type: 'clear_flag', flag: 'toString' }] })]);
  expect(j.at(withSession, T0).flagChanges).toEqual([]);
});

it('a filter on a field named like a built-in property reads only the record’s own field', () => {
  const where = [{ field: 'constructor', operator: '!=' as const, value: 'x' }];
  const rules = RuleSet.of([rule('r', [{ type: 'exists', entity: 'kintell_sessions', where }])]);
  // an absent field never compares, even with !=
  expect(evaluate(rules, withSession, emptyState(), T0).triggeredRules).toEqual([]);
  const own = context({ kintell_sessions: [record('s1', T0 - HOUR, { constructor: 'y' })] });
  expect(evaluate(rules, own, emptyState(), T0).triggeredRules).toEqual(['r']);
});
