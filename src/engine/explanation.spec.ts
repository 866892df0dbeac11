import type { Condition } from '../contracts/rule.js';
import { compileRule, evaluate, explainRule, RuleSet } from './evaluate.js';
import { STORED_BYTES } from './explanation.js';
import { DAY, HOUR, T0, context, emptyState, journey, record, rule } from './testing.js';

const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).length;
const ctx = context({
  kintell_sessions: [record('s1', T0 - HOUR, { session_type: 'language', rating: 5 })],
  buddy_events: [record('e1', T0 - DAY)],
});
const holds = (i: number): Condition => ({
  type: 'count',
  entity: 'kintell_sessions',
  count: '>=',
  count_value: 1,
  within: `${i + 2} hours`,
});
const fails = (i: number): Condition => ({ type: 'count', entity: 'buddy_events', count: '>=', count_value: i + 2 });

describe('the explanation stored with a flag change', () => {
  it('a rule of thousands of leaf conditions stores a few kilobytes at most, saying how many it leaves out', () => {
    const conditions = Array.from({ length: 5_000 }, (_, i) => holds(i));
    const d = evaluate(RuleSet.of([rule('big', conditions)]), ctx, emptyState(), T0);
    expect(d.flagChanges).toHaveLength(1);
    const stored = d.flagChanges[0].explanation as { ruleId: string; conditions: { path: string }[]; omitted: number };
    expect(bytes(stored)).toBeLessThanOrEqual(STORED_BYTES);
    expect(stored.ruleId).toBe('big');
    expect(stored.conditions[0].path).toBe('conditions[0]');
    expect(stored.conditions.length + stored.omitted).toBe(5_000);
    // the full trace stays available from explain
    expect(explainRule(compileRule(rule('big', conditions)), ctx, T0).conditions).toHaveLength(5_000);
  });

  it('thousands of leaves nested in groups, and long values, stay under the cap', () => {
    const long = Array.from({ length: 100 }, (_, i) => `${'x'.repeat(400)}${i}`);
    const leaves: Condition[] = Array.from({ length: 3_000 }, (_, i) => ({
      type: 'any_of',
      conditions: [fails(i), { type: 'value', entity: 'kintell_sessions', field: 'session_type', operator: 'not_in', value: long }],
    }));
    const d = evaluate(RuleSet.of([rule('nested', [{ type: 'all_of', conditions: leaves }])]), ctx, emptyState(), T0);
    expect(d.flagChanges).toHaveLength(1);
    expect(bytes(d.flagChanges[0].explanation)).toBeLessThanOrEqual(STORED_BYTES);
  });

  it('a holding any_of shows the children that hold, not the others', () => {
    const d = evaluate(RuleSet.of([rule('r', [{ type: 'any_of', conditions: [fails(0), holds(0), fails(1)] }])]), ctx, emptyState(), T0);
    expect(d.flagChanges[0].explanation).toEqual({
      ruleId: 'r',
      ruleVersion: 1,
      conditions: [
        expect.objectContaining({
          path: 'conditions[0]',
          result: true,
          conditions: [expect.objectContaining({ path: 'conditions[0].conditions[1]', result: true })],
        }),
      ],
    });
  });

  it('a flag cleared because its rule stops matching stores the conditions that fail', () => {
    const j = journey([rule('r', [holds(0), { type: 'exists', entity: 'buddy_events' }, holds(1)])]);
    j.at(ctx, T0);
    const later = j.at(context({ kintell_sessions: ctx.entities.kintell_sessions }), T0 + 1);
    expect(later.flagChanges[0]).toMatchObject({
      reason: 'conditions no longer hold',
      explanation: {
        reason: 'conditions no longer hold',
        ruleId: 'r',
        conditions: [expect.objectContaining({ path: 'conditions[1]', result: false, needs: '1 more buddy_events' })],
      },
    });
  });
});
