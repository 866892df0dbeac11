/**
 * The rule engine: a participant's context and state, the active rules and `now` in;
 * a decision out. Pure: no I/O, no clock, no randomness.
 */
import { storableOrNever } from '../contracts/instant.js';
import { FLAG_EVENT, MANUAL_OWNER, MILESTONE_EVENT, type EmitEventAction, type RuleDocument } from '../contracts/rule.js';
import {
  compileCondition,
  compileRules,
  newPass,
  probe,
  type CompiledCondition,
  type ConditionTrace,
  type Due,
  type Program,
} from './conditions.js';
import { parseDuration } from './duration.js';
import { compactTrace } from './explanation.js';
import type { Change, Decision, EmittedEvent, FlagChange, FlagState, ParticipantContext, ParticipantState } from './types.js';

export interface FlagAction {
  value: boolean;
  expiresInMs: number | null;
}

export interface CompiledRule {
  readonly id: string;
  readonly priority: number;
  readonly flag: string;
  readonly sticky: boolean;
  readonly version: number;
  readonly doc: RuleDocument;
  /** Compiled when first read, for a rule alone; a rule set's rules are compiled into its program instead. */
  readonly conditions: readonly CompiledCondition[];
  /** The last set_flag / clear_flag per flag. */
  readonly flagActions: ReadonlyMap<string, FlagAction>;
  readonly emits: readonly EmitEventAction[];
}

class Rule implements CompiledRule {
  readonly id: string;
  readonly priority: number;
  readonly flag: string;
  readonly sticky: boolean;
  constructor(
    readonly doc: RuleDocument,
    readonly version: number,
    readonly flagActions: ReadonlyMap<string, FlagAction>,
    readonly emits: readonly EmitEventAction[],
    private compiled?: readonly CompiledCondition[],
  ) {
    this.id = doc.id;
    this.priority = doc.priority;
    this.flag = doc.flag;
    this.sticky = doc.sticky ?? false;
  }

  get conditions(): readonly CompiledCondition[] {
    return (this.compiled ??= this.doc.conditions.map(compileCondition));
  }
}

export function compileRule(doc: RuleDocument, version = 1): CompiledRule {
  const flagActions = new Map<string, FlagAction>();
  const emits: EmitEventAction[] = [];
  for (const a of doc.actions) {
    if (a.type === 'set_flag')
      flagActions.set(a.flag, { value: a.value ?? true, expiresInMs: a.expires_in ? parseDuration(a.expires_in) : null });
    else if (a.type === 'clear_flag') flagActions.set(a.flag, { value: false, expiresInMs: null });
    else emits.push(a);
  }
  return new Rule(doc, version, flagActions, emits);
}

/** Descending priority, ties by id: the order of evaluation and of precedence. */
export function byPrecedence(a: { priority: number; id: string }, b: { priority: number; id: string }): number {
  return b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Active rules, compiled and ordered once; reused for every participant. */
export class RuleSet {
  readonly rules: readonly CompiledRule[];
  readonly byId: ReadonlyMap<string, CompiledRule>;
  /** The rules' ids, in order. */
  readonly ids: readonly string[];
  /** Rule id → its index in `rules`. */
  readonly positions: ReadonlyMap<string, number>;
  /** Every flag some rule acts on → a number, from 0. */
  readonly flagNumbers: ReadonlyMap<string, number>;
  /** Each rule's flag actions, by index, with their flags' numbers. */
  readonly numberedActions: readonly (readonly { flag: string; n: number; action: FlagAction }[])[];
  /** Every rule's conditions in one program, and each rule's node in it (the all_of of its conditions): what evaluation probes. */
  readonly program: Program;
  readonly roots: readonly number[];
  /** Each rule is compiled once, here, into the set's program (a rule's own conditions, if already compiled, are not reused). */
  constructor(rules: CompiledRule[]) {
    const sorted = [...rules].sort(byPrecedence);
    const compiled = compileRules(sorted.map((r) => r.doc.conditions));
    this.program = compiled.program;
    this.roots = compiled.roots;
    this.rules = sorted.map((r, i) => new Rule(r.doc, r.version, r.flagActions, r.emits, compiled.conditions[i]));
    this.byId = new Map(this.rules.map((r) => [r.id, r]));
    this.ids = this.rules.map((r) => r.id);
    this.positions = new Map(this.ids.map((id, i) => [id, i]));
    const numbers = new Map<string, number>();
    for (const r of this.rules) for (const flag of r.flagActions.keys()) if (!numbers.has(flag)) numbers.set(flag, numbers.size);
    this.flagNumbers = numbers;
    this.numberedActions = this.rules.map((r) => [...r.flagActions].map(([flag, action]) => ({ flag, n: numbers.get(flag)!, action })));
  }
  static of(docs: RuleDocument[]): RuleSet {
    return new RuleSet(docs.filter((d) => d.active !== false).map((d) => compileRule(d)));
  }
}

export function matches(rule: CompiledRule, ctx: ParticipantContext, now: number, pass?: number): boolean {
  for (const c of rule.conditions) if (!c.test(ctx, now, pass)) return false;
  return true;
}

const traces = (rule: CompiledRule, ctx: ParticipantContext, now: number): ConditionTrace[] =>
  rule.conditions.map((c, i) => c.explain(ctx, now, `conditions[${i}]`));

/** Steps of the walk in `nextChange`: each is one instant where some condition could change. */
const MAX_STEPS = 1_000;

/**
 * The first instant after `now` at which the rule's result flips by time alone; null if never.
 * Conditions only change at their `next` instants, so walking those finds it exactly: a time
 * condition becoming true does not flip a rule that still lacks records. (A walk that runs out of
 * steps answers with the last instant it checked: the flip is no earlier.)
 */
export function nextChange(rule: CompiledRule, ctx: ParticipantContext, now: number): number | null {
  const initial = matches(rule, ctx, now);
  let t = now;
  for (let i = 0; i < MAX_STEPS; i++) {
    t = Math.min(...rule.conditions.map((c) => c.next(ctx, t)));
    if (!Number.isFinite(t)) return null;
    if (matches(rule, ctx, t) !== initial) return t;
  }
  return t;
}

export function explainRule(
  rule: CompiledRule,
  ctx: ParticipantContext,
  now: number,
): { matched: boolean; conditions: ConditionTrace[]; nextChangeAt: number | null } {
  const conditions = traces(rule, ctx, now);
  return { matched: conditions.every((t) => t.result), conditions, nextChangeAt: nextChange(rule, ctx, now) };
}

/**
 * A record keyed by ids (rule ids, flags): without a prototype, so that an id like `__proto__` or
 * `constructor` is an entry like any other, never a built-in property of objects.
 */
const byId = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/** A flag's decision: taken by a matching rule, and by acting on it. */
const DECIDED = 1;
const ACTED = 2;

const flagIsSet = (f: { value: boolean; expiresAt: number | null } | undefined, now: number) =>
  !!f && f.value && (f.expiresAt === null || f.expiresAt > now);

/** Whether ascending `xs` holds `x`. */
function includesSorted(xs: readonly number[], x: number): boolean {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] === x) return true;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

const settle = (d: Decision, value: Record<string, boolean>) =>
  Object.defineProperty(d, 'matched', { value, writable: true, enumerable: true, configurable: true });

/**
 * A decision's `matched`, built from its evaluated and triggered rules when first read: the service
 * keeps `triggeredRules` and never reads this, and a record keyed by every rule id costs more to
 * build than evaluating the rules does. One accessor for every decision, so that they share a shape
 * (accessors of their own, in an object literal, would give each decision a shape of its own).
 */
const lazyMatched: PropertyDescriptor & ThisType<Decision> = {
  get(): Record<string, boolean> {
    const value = byId<boolean>();
    for (const id of this.evaluatedRules) value[id] = false;
    for (const id of this.triggeredRules) value[id] = true;
    settle(this, value);
    return value;
  },
  set(value: Record<string, boolean>) {
    settle(this, value);
  },
  enumerable: true,
  configurable: true,
};

/**
 * Whether a matching rule starts to match now (edge triggering). Asked only of a rule about to act:
 * a lookup in the state's record of every rule costs more than most of evaluation.
 * (Helpers here are module functions, not closures made per evaluation.) `!== true`, not `!`: a rule
 * id like `constructor` reads Object.prototype's property from a record without that own entry.
 */
const rises = (state: ParticipantState, r: CompiledRule) => state.matched[r.id] !== true;

/** The explanation stored with a flag change: the compact trace (what decided, capped; see explanation.ts), not explain's full one. */
export const storedExplanation = (r: CompiledRule, ctx: ParticipantContext, now: number, matched: boolean) => ({
  ruleId: r.id,
  ruleVersion: r.version,
  ...compactTrace(r.conditions, matched, ctx, now),
});

/** Whether every emit is a milestone already reached (before, or in this decision): nothing to emit. */
function allReached(emits: readonly EmitEventAction[], before: ReadonlySet<string>, now: ReadonlySet<string> | undefined): boolean {
  for (const e of emits) {
    if (e.event !== MILESTONE_EVENT) return false;
    const milestone = (e.payload as { milestone: string } | undefined)?.milestone as string;
    if (!before.has(milestone) && !now?.has(milestone)) return false;
  }
  return true;
}

export function evaluate(rules: RuleSet, ctx: ParticipantContext, state: ParticipantState, now: number): Decision {
  const userId = ctx.userId;
  const all = rules.rules;
  // The matching rules' indices, in order.
  const hits: number[] = [];
  const triggeredRules: string[] = [];
  const pass = newPass();
  // The earliest due instant of any rule: when time alone could first change whether it matches.
  const due: Due = { at: Infinity };
  let next = Infinity;
  for (let i = 0; i < all.length; i++) {
    const matched = probe(rules.program, rules.roots[i], ctx, now, pass, due);
    if (due.at < next) next = due.at;
    if (!matched) continue;
    hits.push(i);
    triggeredRules.push(all[i].id);
  }

  // The state's flags, in one walk (a plain record: `for in` reads it fastest). Expired ones are cleared
  // first; meanwhile, the earliest expiry of the others, by number the value of each flag a rule acts
  // on, and the flags whose owner no longer matches (for truth maintenance, below).
  const flags = state.flags;
  const values = new Array<boolean | undefined>(rules.flagNumbers.size);
  // Per flag a rule acts on: decided (by a rule or held by hand), or acted on.
  const decided = new Array<typeof DECIDED | typeof ACTED | undefined>(values.length);
  const flagChanges: FlagChange[] = [];
  let expiry = Infinity;
  let orphans: string[] | undefined;
  let released: Set<number> | undefined;
  for (const flag in flags) {
    const f = flags[flag];
    const set = flagIsSet(f, now);
    const n = rules.flagNumbers.get(flag);
    if (n !== undefined) {
      values[n] = set;
      // A flag set by hand is left alone until it expires (or is handed back); then the rules acting on
      // it decide afresh, as on a rising edge.
      if (f.setByRule === MANUAL_OWNER) {
        if (f.expiresAt === null || f.expiresAt > now) decided[n] = DECIDED;
        else (released ??= new Set()).add(n);
      }
    }
    if (set) {
      const at = rules.positions.get(f.setByRule);
      if (at !== undefined && !includesSorted(hits, at) && !all[at].sticky) (orphans ??= []).push(flag);
    }
    // A flag set by hand to false also expires: the rules then decide it.
    if (f.expiresAt === null || (!f.value && f.setByRule !== MANUAL_OWNER)) continue;
    if (f.expiresAt > now) {
      if (f.expiresAt < expiry) expiry = f.expiresAt;
      continue;
    }
    if (!f.value) continue;
    flagChanges.push({
      flag,
      value: false,
      previousValue: true,
      ruleId: f.setByRule,
      reason: 'expired',
      // A hand's expiry stays on the flag, so that it stays the rules' to decide.
      expiresAt: f.setByRule === MANUAL_OWNER ? f.expiresAt : null,
      explanation: { reason: 'expired', expiresAt: new Date(f.expiresAt).toISOString() },
    });
  }

  // Per flag, the highest-precedence matching rule with an action on it decides; it acts only on its
  // rising edge, and only to change the flag.
  for (let k = 0; k < hits.length; k++) {
    const actions = rules.numberedActions[hits[k]];
    for (let a = 0; a < actions.length; a++) {
      const { flag, n, action } = actions[a];
      if (decided[n] !== undefined) continue;
      decided[n] = DECIDED;
      const was = values[n] === true;
      if (was === action.value || (!rises(state, all[hits[k]]) && !released?.has(n))) continue;
      const r = all[hits[k]];
      flagChanges.push({
        flag,
        value: action.value,
        previousValue: values[n] === undefined ? null : was,
        ruleId: r.id,
        reason: action.value ? 'conditions hold' : 'cleared by rule',
        expiresAt: action.value && action.expiresInMs !== null ? storableOrNever(now + action.expiresInMs) : null,
        explanation: storedExplanation(r, ctx, now, true),
      });
      decided[n] = ACTED;
    }
  }

  // Truth maintenance: a flag set by a rule that no longer matches (nor is sticky) is cleared, unless
  // another matching rule holds it. (A flag just set or cleared above is held by a matching rule or false.)
  const ownerChanges: { flag: string; ruleId: string }[] = [];
  for (const flag of orphans ?? []) {
    const n = rules.flagNumbers.get(flag);
    if (n !== undefined && decided[n] === ACTED) continue;
    const holder = hits.find((i) => all[i].flagActions.get(flag)?.value === true);
    if (holder !== undefined) {
      ownerChanges.push({ flag, ruleId: all[holder].id });
      continue;
    }
    const f = flags[flag];
    const owner = all[rules.positions.get(f.setByRule)!];
    flagChanges.push({
      flag,
      value: false,
      previousValue: true,
      ruleId: owner.id,
      reason: 'conditions no longer hold',
      expiresAt: null,
      explanation: { reason: 'conditions no longer hold', ...storedExplanation(owner, ctx, now, false) },
    });
  }

  const events: EmittedEvent[] = flagChanges.map((c) => ({
    type: FLAG_EVENT,
    ruleId: c.ruleId,
    data: { userId, flag: c.flag, value: c.value, previousValue: c.previousValue, ruleId: c.ruleId, reason: c.reason },
  }));
  const changes: Change[] = flagChanges.map((c) => ({
    type: c.value ? 'flag_set' : 'flag_cleared',
    flag: c.flag,
    value: c.value,
    previousValue: c.previousValue,
    ruleId: c.ruleId,
    reason: c.reason,
  }));

  // Emits run on the rising edge; a milestone is recorded and announced only the first time. (So a rule
  // whose emits are all milestones already reached has nothing to emit: no need to ask whether it rises.)
  const milestones: Decision['milestones'] = [];
  let reached: Set<string> | undefined;
  for (let k = 0; k < hits.length; k++) {
    const r = all[hits[k]];
    if (r.emits.length === 0 || allReached(r.emits, state.milestones, reached) || !rises(state, r)) continue;
    for (const e of r.emits) {
      const payload = e.payload ?? {};
      if (e.event === MILESTONE_EVENT) {
        const { milestone, ...metadata } = payload as { milestone: string };
        if (state.milestones.has(milestone) || reached?.has(milestone)) continue;
        (reached ??= new Set()).add(milestone);
        milestones.push({ milestone, ruleId: r.id, metadata });
        events.push({ type: MILESTONE_EVENT, ruleId: r.id, data: { userId, milestone, ruleId: r.id, metadata } });
        changes.push({ type: 'milestone_reached', milestone, ruleId: r.id });
      } else {
        events.push({ type: e.event, ruleId: r.id, data: { ...payload, userId, ruleId: r.id } });
        changes.push({ type: 'event_emitted', event: e.event, ruleId: r.id });
      }
    }
  }

  // Expiry of each flag as it stands after this decision: a flag changed now is due only by its new expiry.
  if (flagChanges.length === 0) {
    if (expiry < next) next = expiry;
  } else {
    const expiries = new Map<string, number | null>();
    for (const flag in flags)
      expiries.set(flag, flags[flag].value || flags[flag].setByRule === MANUAL_OWNER ? flags[flag].expiresAt : null);
    for (const c of flagChanges) expiries.set(c.flag, c.expiresAt);
    for (const e of expiries.values()) if (e !== null && e > now && e < next) next = e;
  }

  const decision = { userId, evaluatedRules: rules.ids.slice(), triggeredRules } as Decision;
  Object.defineProperty(decision, 'matched', lazyMatched);
  decision.flagChanges = flagChanges;
  decision.ownerChanges = ownerChanges;
  decision.milestones = milestones;
  decision.events = events;
  decision.changes = changes;
  decision.nextDueAt = storableOrNever(next);
  return decision;
}

/**
 * The participant's state once a decision is committed: what persistence stores, in memory.
 * Threading it into the next `evaluate` is what makes evaluation edge-triggered and idempotent.
 */
export function applyDecision(state: ParticipantState, decision: Decision, now: number): ParticipantState {
  const flags = Object.assign(byId<FlagState>(), state.flags);
  for (const c of decision.flagChanges) flags[c.flag] = { value: c.value, setByRule: c.ruleId, setAt: now, expiresAt: c.expiresAt };
  // A new holder is not a change of value: setAt and expiresAt stay.
  for (const o of decision.ownerChanges) flags[o.flag] = { ...flags[o.flag], setByRule: o.ruleId };
  const milestones = new Set(state.milestones);
  for (const m of decision.milestones) milestones.add(m.milestone);
  return { matched: Object.assign(byId<boolean>(), decision.matched), flags, milestones };
}
