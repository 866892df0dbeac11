/**
 * Laws of the rule language and of evaluation, checked over generated contexts, conditions and rules.
 */
import fc from 'fast-check';
import { COMPARATORS, MILESTONE_EVENT, type Action, type Condition, type Filter, type RuleDocument } from '../contracts/rule.js';
import { validateRule } from '../contracts/validation.js';
import { compileCondition, newPass } from './conditions.js';
import { applyDecision, evaluate, RuleSet } from './evaluate.js';
import { DAY, T0, context, emptyState, record } from './testing.js';
import type { EntityRecord, ParticipantContext, ParticipantState } from './types.js';

/* ------------------------------------------------------------------ generators */

const time = fc.integer({ min: T0 - 30 * DAY, max: T0 + 5 * DAY });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const recordsOf = (fields: fc.Arbitrary<Record<string, unknown>>) =>
  fc.array(fc.tuple(time, fields), { maxLength: 5 }).map((rs) => rs.map(([t, f], i): EntityRecord => record(`k${i}`, t, f)));

const sessionFields = fc.record(
  { session_type: fc.constantFrom('language', 'mentorship'), rating: fc.integer({ min: 2, max: 10 }).map((n) => n / 2) },
  { requiredKeys: ['session_type'] },
);
const scoreFields = fc.record({
  dimension: fc.constantFrom('language_comfort', 'confidence'),
  score: fc.integer({ min: 0, max: 10 }).map((n) => n / 10),
});
const enrollmentFields = fc.record({
  program_type: fc.constantFrom('buddy', 'language'),
  status: fc.constantFrom('active', 'completed', 'dropped'),
});

const ctxArb: fc.Arbitrary<ParticipantContext> = fc
  .record({
    kintell_sessions: recordsOf(sessionFields),
    outcome_scores: recordsOf(scoreFields),
    program_enrollments: recordsOf(enrollmentFields),
    firstSeenAt: fc.option(fc.integer({ min: T0 - 40 * DAY, max: T0 - 30 * DAY })),
  })
  .map(({ firstSeenAt, ...entities }) => context(entities, { firstSeenAt }));

const nowArb = fc.integer({ min: T0 - 20 * DAY, max: T0 + 20 * DAY });
const within = maybe(fc.constantFrom('1 day', '7 days', '12 hours'));
const comparator = fc.constantFrom(...COMPARATORS);

const leaf: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({
    type: fc.constant('count' as const),
    entity: fc.constant('kintell_sessions' as const),
    field: fc.constant('session_type'),
    value: fc.constantFrom('language', 'mentorship'),
    within,
    count: comparator,
    count_value: fc.integer({ min: 0, max: 4 }),
  }),
  fc.record({
    type: fc.constant('exists' as const),
    entity: fc.constant('program_enrollments' as const),
    field: fc.constant('status'),
    operator: fc.constantFrom('=' as const, '!=' as const),
    value: fc.constantFrom('active', 'dropped'),
    within,
  }),
  fc.record({
    type: fc.constant('exists' as const),
    entity: fc.constant('program_enrollments' as const),
    field: fc.constant('status'),
    operator: fc.constantFrom('in' as const, 'not_in' as const),
    value: fc.subarray(['active', 'completed', 'dropped'], { minLength: 1 }),
  }),
  fc.record({
    type: fc.constant('value' as const),
    entity: fc.constant('kintell_sessions' as const),
    field: fc.constantFrom('count', 'rating', 'avg_rating', 'min_rating', 'max_rating', 'sum_rating'),
    operator: comparator,
    value: fc.integer({ min: 0, max: 10 }).map((n) => n / 2),
  }),
  fc.record({
    type: fc.constant('value' as const),
    entity: fc.constant('outcome_scores' as const),
    field: fc.constant('score'),
    operator: comparator,
    value: fc.integer({ min: 0, max: 10 }).map((n) => n / 10),
    where: fc.constant<Filter[]>([{ field: 'dimension', value: 'language_comfort' }]),
  }),
  fc.record({
    type: fc.constant('value' as const),
    entity: fc.constant('kintell_sessions' as const),
    field: fc.constant('last_activity'),
    operator: comparator,
    value: time.map((t) => new Date(t).toISOString()),
  }),
  fc.record({
    type: fc.constant('time_since' as const),
    entity: fc.constantFrom('kintell_sessions' as const, 'outcome_scores' as const),
    duration: fc.constantFrom('1 hour', '3 days', '14 days'),
  }),
);

const { condition: conditionArb } = fc.letrec<{ condition: Condition }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({
      type: fc.constantFrom('all_of' as const, 'any_of' as const),
      conditions: fc.array(tie('condition'), { minLength: 1, maxLength: 3 }),
    }),
    fc.record({ type: fc.constant('not' as const), condition: tie('condition') }),
  ),
}));

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    type: fc.constant('set_flag' as const),
    flag: fc.constantFrom('a', 'b'),
    value: maybe(fc.boolean()),
    expires_in: maybe(fc.constantFrom('6 hours', '2 days')),
  }),
  fc.record({ type: fc.constant('clear_flag' as const), flag: fc.constantFrom('a', 'b') }),
  fc.record({
    type: fc.constant('emit_event' as const),
    event: fc.constant(MILESTONE_EVENT),
    payload: fc.record({ milestone: fc.constantFrom('m1', 'm2') }),
  }),
  fc.record({ type: fc.constant('emit_event' as const), event: fc.constant('journey.custom.x'), payload: fc.constant({ n: 1 }) }),
);

/** Rule sets with unique ids and few priorities, so ties happen. */
const rulesArb: fc.Arbitrary<RuleDocument[]> = fc
  .array(
    fc.record({
      flag: fc.constantFrom('a', 'b'),
      priority: fc.integer({ min: 0, max: 2 }),
      sticky: maybe(fc.boolean()),
      conditions: fc.array(conditionArb, { minLength: 1, maxLength: 2 }),
      actions: fc.array(action, { minLength: 1, maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 5 },
  )
  .map((rs) => rs.map((r, i) => ({ id: `r${i}`, name: `r${i}`, ...r })));

/** A few evaluations at non-decreasing instants, each applied: a realistic state to start from. */
const historyArb = fc.array(fc.tuple(ctxArb, fc.integer({ min: 0, max: 10 * DAY })), { maxLength: 3 });

function replay(rules: RuleSet, history: [ParticipantContext, number][], start: number): { state: ParticipantState; now: number } {
  let state = emptyState();
  let now = start;
  for (const [ctx, step] of history) {
    now += step;
    state = applyDecision(state, evaluate(rules, ctx, state, now), now);
  }
  return { state, now };
}

const holds = (c: Condition, ctx: ParticipantContext, now: number) => compileCondition(c).test(ctx, now);

/* ------------------------------------------------------------------ laws */

describe('the generators make valid rules', () => {
  it('every generated rule passes validateRule', () => {
    fc.assert(fc.property(rulesArb, (rules) => rules.every((r) => validateRule(r).ok)));
  });
});

describe('logical laws', () => {
  const params = { numRuns: 300 };
  it('not(not c) ≡ c', () => {
    fc.assert(
      fc.property(
        conditionArb,
        ctxArb,
        nowArb,
        (c, ctx, now) => holds({ type: 'not', condition: { type: 'not', condition: c } }, ctx, now) === holds(c, ctx, now),
      ),
      params,
    );
  });
  it('all_of [c] ≡ c ≡ any_of [c]', () => {
    fc.assert(
      fc.property(conditionArb, ctxArb, nowArb, (c, ctx, now) => {
        const v = holds(c, ctx, now);
        return holds({ type: 'all_of', conditions: [c] }, ctx, now) === v && holds({ type: 'any_of', conditions: [c] }, ctx, now) === v;
      }),
      params,
    );
  });
  it('De Morgan: not(all_of [a, b]) ≡ any_of [not a, not b] and not(any_of [a, b]) ≡ all_of [not a, not b]', () => {
    fc.assert(
      fc.property(conditionArb, conditionArb, ctxArb, nowArb, (a, b, ctx, now) => {
        const na: Condition = { type: 'not', condition: a };
        const nb: Condition = { type: 'not', condition: b };
        return (
          holds({ type: 'not', condition: { type: 'all_of', conditions: [a, b] } }, ctx, now) ===
            holds({ type: 'any_of', conditions: [na, nb] }, ctx, now) &&
          holds({ type: 'not', condition: { type: 'any_of', conditions: [a, b] } }, ctx, now) ===
            holds({ type: 'all_of', conditions: [na, nb] }, ctx, now)
        );
      }),
      params,
    );
  });
  it('explain agrees with test, at every level', () => {
    fc.assert(
      fc.property(conditionArb, ctxArb, nowArb, (c, ctx, now) => {
        const compiled = compileCondition(c);
        const t = compiled.explain(ctx, now, 'conditions[0]');
        return t.result === compiled.test(ctx, now);
      }),
      params,
    );
  });
  it('time alone does not change a result before next()', () => {
    fc.assert(
      fc.property(conditionArb, ctxArb, nowArb, fc.double({ min: 0, max: 1, noNaN: true }), (c, ctx, now, frac) => {
        const compiled = compileCondition(c);
        const next = compiled.next(ctx, now);
        expect(next).toBeGreaterThan(now);
        const horizon = Number.isFinite(next) ? next - 1 : now + 60 * DAY;
        const later = now + Math.floor((horizon - now) * frac);
        expect(compiled.test(ctx, later)).toBe(compiled.test(ctx, now));
      }),
      params,
    );
  });
  it('probe answers as test, and time alone does not change the result before its due instant (never before next())', () => {
    fc.assert(
      fc.property(conditionArb, ctxArb, nowArb, fc.double({ min: 0, max: 1, noNaN: true }), (c, ctx, now, frac) => {
        const compiled = compileCondition(c);
        const due = { at: NaN };
        const result = compiled.probe(ctx, now, newPass(), due);
        expect(result).toBe(compiled.test(ctx, now));
        expect(due.at).toBeGreaterThanOrEqual(compiled.next(ctx, now));
        const horizon = Number.isFinite(due.at) ? due.at - 1 : now + 60 * DAY;
        const later = now + Math.floor((horizon - now) * frac);
        expect(compiled.test(ctx, later)).toBe(result);
      }),
      params,
    );
  });
});

describe('evaluation laws', () => {
  const params = { numRuns: 300 };

  it('idempotency: evaluating again with the applied state changes nothing and emits nothing', () => {
    fc.assert(
      fc.property(rulesArb, historyArb, ctxArb, (docs, history, ctx) => {
        const rules = RuleSet.of(docs);
        const { state, now } = replay(rules, history, T0 - 10 * DAY);
        const first = evaluate(rules, ctx, state, now);
        const applied = applyDecision(state, first, now);
        const second = evaluate(rules, ctx, applied, now);
        expect(second.flagChanges).toEqual([]);
        expect(second.ownerChanges).toEqual([]);
        expect(second.milestones).toEqual([]);
        expect(second.events).toEqual([]);
        expect(second.changes).toEqual([]);
        expect(second.matched).toEqual(first.matched);
        expect(applyDecision(applied, second, now)).toEqual(applied);
      }),
      params,
    );
  });

  it('nothing changes before nextDueAt when no event arrives', () => {
    fc.assert(
      fc.property(rulesArb, historyArb, ctxArb, fc.double({ min: 0, max: 1, noNaN: true }), (docs, history, ctx, frac) => {
        const rules = RuleSet.of(docs);
        const { state, now } = replay(rules, history, T0 - 10 * DAY);
        const d = evaluate(rules, ctx, state, now);
        const applied = applyDecision(state, d, now);
        const horizon = d.nextDueAt === null ? now + 60 * DAY : d.nextDueAt - 1;
        expect(horizon).toBeGreaterThanOrEqual(now);
        const later = now + Math.floor((horizon - now) * frac);
        const quiet = evaluate(rules, ctx, applied, later);
        expect(quiet.flagChanges).toEqual([]);
        expect(quiet.events).toEqual([]);
      }),
      params,
    );
  });

  it('priority: the order of rules in the input never changes the decision', () => {
    fc.assert(
      fc.property(
        rulesArb.chain((docs) =>
          fc.tuple(fc.constant(docs), fc.shuffledSubarray(docs, { minLength: docs.length, maxLength: docs.length })),
        ),
        historyArb,
        ctxArb,
        ([docs, shuffled], history, ctx) => {
          const a = RuleSet.of(docs);
          const b = RuleSet.of(shuffled);
          const { state, now } = replay(a, history, T0 - 10 * DAY);
          expect(evaluate(b, ctx, state, now)).toEqual(evaluate(a, ctx, state, now));
        },
      ),
      params,
    );
  });

  it('determinism: the same inputs give the same decision, and the inputs are not mutated', () => {
    fc.assert(
      fc.property(rulesArb, historyArb, ctxArb, (docs, history, ctx) => {
        const rules = RuleSet.of(docs);
        const { state, now } = replay(rules, history, T0 - 10 * DAY);
        const snapshot = structuredClone({ ctx, flags: state.flags, matched: state.matched, milestones: [...state.milestones] });
        const first = evaluate(rules, ctx, state, now);
        expect(evaluate(rules, ctx, state, now)).toEqual(first);
        expect({ ctx, flags: state.flags, matched: state.matched, milestones: [...state.milestones] }).toEqual(snapshot);
      }),
      params,
    );
  });

  it('a flag never reads as set after its expiry, and each change really changes a value', () => {
    fc.assert(
      fc.property(rulesArb, historyArb, ctxArb, fc.integer({ min: 0, max: 3 * DAY }), (docs, history, ctx, step) => {
        const rules = RuleSet.of(docs);
        const { state, now } = replay(rules, history, T0 - 10 * DAY);
        const d = evaluate(rules, ctx, state, now + step);
        const after = applyDecision(state, d, now + step);
        for (const f of Object.values(after.flags)) if (f.value && f.expiresAt !== null) expect(f.expiresAt).toBeGreaterThan(now + step);
        for (const c of d.flagChanges) expect(c.value).not.toBe(c.previousValue);
      }),
      params,
    );
  });
});
