/**
 * The bound on a rule's cost (issue J.3): far above ordinary rules, refusing what would hurt.
 */
import { defaultRules, generateRules } from '../../bench/engine/generate.js';
import { MAX_LEAF_CONDITIONS, MAX_RULE_BYTES } from '../../src/contracts/rule.js';
import { formatProblems, validateRule } from '../../src/contracts/validation.js';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'count', entity: 'buddy_events', count: '>=', count_value: i }));
/** n leaves within the depth and list limits: groups of 50 under groups of 50. */
function wide(n: number) {
  const groups = [];
  for (let i = 0; i < n; i += 50) groups.push({ type: 'all_of', conditions: leaves(Math.min(50, n - i)) });
  const top = [];
  for (let i = 0; i < groups.length; i += 50) top.push({ type: 'any_of', conditions: groups.slice(i, i + 50) });
  return top;
}
const rule = { id: 'r1', name: 'r', flag: 'f', priority: 1, actions: [{ type: 'set_flag', flag: 'f' }] };

describe('the cost of a rule', () => {
  it('the default rules and an ordinary 200-rule set are well within the bounds', () => {
    const rules = [...defaultRules(), ...generateRules(200, Date.parse('2025-06-01T12:00:00Z'))];
    expect(rules).toHaveLength(203);
    for (const r of rules) expect([r.id, formatProblems(validateRule(r).problems)]).toEqual([r.id, '']);
    const largest = Math.max(...rules.map((r) => Buffer.byteLength(JSON.stringify(r))));
    expect(largest).toBeLessThan(MAX_RULE_BYTES / 10);
  });

  it('a rule of 10,000 leaf conditions is refused, saying the numbers', () => {
    const v = validateRule({ ...rule, conditions: wide(10_000) });
    expect(v.ok).toBe(false);
    expect(formatProblems(v.problems)).toContain(`conditions: 10000 leaf conditions, at most ${MAX_LEAF_CONDITIONS}`);
  });

  it('leaves under not and nested groups count; the limit itself is allowed', () => {
    expect(validateRule({ ...rule, conditions: wide(MAX_LEAF_CONDITIONS) }).ok).toBe(true);
    const notted = wide(MAX_LEAF_CONDITIONS + 1).map((c) => ({ type: 'not', condition: c }));
    expect(formatProblems(validateRule({ ...rule, conditions: notted }).problems)).toBe(
      `conditions: ${MAX_LEAF_CONDITIONS + 1} leaf conditions, at most ${MAX_LEAF_CONDITIONS}`,
    );
  });
});
