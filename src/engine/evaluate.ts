/**
 * The rule engine: a participant's context and state, the active rules and `now` in;
 * a decision out. Pure: no I/O, no clock, no randomness.
 */
import { FLAG_EVENT, MILESTONE_EVENT, type EmitEventAction, type RuleDocument } from '../contracts/rule.js';
import { compileCondition, type CompiledCondition, type ConditionTrace } from './conditions.js';
import { parseDuration } from './duration.js';
import type { Change, Decision, EmittedEvent, FlagChange, FlagState, ParticipantContext, ParticipantState } from './types.js';

export interface FlagAction {
  value: boolean;
  expiresInMs: number | null;
}

export interface CompiledRule {
  id: string;
  priority: number;
  flag: string;
  sticky: boolean;
  version: number;
  doc: RuleDocument;
  conditions: CompiledCondition[];
  /** The last set_flag / clear_flag per flag. */
  flagActions: ReadonlyMap<string, FlagAction>;
  emits: readonly EmitEventAction[];
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
  return {
    id: doc.id,
    priority: doc.priority,
    flag: doc.flag,
    sticky: doc.sticky ?? false,
    version,
    doc,
    conditions: doc.conditions.map(compileCondition),
    flagActions,
    emits,
  };
}

/** Descending priority, ties by id: the order of evaluation and of precedence. */
export function byPrecedence(a: { priority: number; id: string }, b: { priority: number; id: string }): number {
  return b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Active rules, compiled and ordered once; reused for every participant. */
export class RuleSet {
  readonly rules: readonly CompiledRule[];
  readonly byId: ReadonlyMap<string, CompiledRule>;
  constructor(rules: CompiledRule[]) {
    this.rules = [...rules].sort(byPrecedence);
    this.byId = new Map(this.rules.map((r) => [r.id, r]));
  }
  static of(docs: RuleDocument[]): RuleSet {
    return new RuleSet(docs.filter((d) => d.active !== false).map((d) => compileRule(d)));
  }
}

export function matches(rule: CompiledRule, ctx: ParticipantContext, now: number): boolean {
  for (const c of rule.conditions) if (!c.test(ctx, now)) return false;
  return true;
}

export function explainRule(
  rule: CompiledRule,
  ctx: ParticipantContext,
  now: number,
): { matched: boolean; conditions: ConditionTrace[]; nextChangeAt: number | null } {
  const conditions = rule.conditions.map((c, i) => c.explain(ctx, now, `conditions[${i}]`));
  const next = Math.min(...rule.conditions.map((c) => c.next(ctx, now)));
  return { matched: conditions.every((t) => t.result), conditions, nextChangeAt: Number.isFinite(next) ? next : null };
}

const flagIsSet = (f: { value: boolean; expiresAt: number | null } | undefined, now: number) =>
  !!f && f.value && (f.expiresAt === null || f.expiresAt > now);

export function evaluate(rules: RuleSet, ctx: ParticipantContext, state: ParticipantState, now: number): Decision {
  const userId = ctx.userId;
  const matched: Record<string, boolean> = {};
  const triggeredRules: string[] = [];
  const rising = new Set<string>();
  for (const r of rules.rules) {
    const m = matches(r, ctx, now);
    matched[r.id] = m;
    if (m) {
      triggeredRules.push(r.id);
      if (!state.matched[r.id]) rising.add(r.id);
    }
  }

  // Current effective flag values; expired flags are cleared first.
  const current = new Map<string, { value: boolean; owner: string }>();
  const flagChanges: FlagChange[] = [];
  for (const [flag, f] of Object.entries(state.flags)) {
    if (f.value && f.expiresAt !== null && f.expiresAt <= now) {
      flagChanges.push({
        flag,
        value: false,
        previousValue: true,
        ruleId: f.setByRule,
        reason: 'expired',
        expiresAt: null,
        explanation: { reason: 'expired', expiresAt: new Date(f.expiresAt).toISOString() },
      });
    }
    current.set(flag, { value: flagIsSet(f, now), owner: f.setByRule });
  }

  const trace = (r: CompiledRule) => ({ ruleId: r.id, ruleVersion: r.version, conditions: explainRule(r, ctx, now).conditions });

  // Per flag, the highest-precedence matching rule with an action on it decides; it acts only on its rising edge.
  const decided = new Set<string>();
  for (const r of rules.rules) {
    if (!matched[r.id]) continue;
    for (const [flag, action] of r.flagActions) {
      if (decided.has(flag)) continue;
      decided.add(flag);
      if (!rising.has(r.id)) continue;
      const before = current.get(flag);
      const was = before?.value ?? false;
      if (was === action.value) continue;
      flagChanges.push({
        flag,
        value: action.value,
        previousValue: before ? was : null,
        ruleId: r.id,
        reason: action.value ? 'conditions hold' : 'cleared by rule',
        expiresAt: action.value && action.expiresInMs !== null ? now + action.expiresInMs : null,
        explanation: trace(r),
      });
      current.set(flag, { value: action.value, owner: r.id });
    }
  }

  // Truth maintenance: a flag set by a rule that no longer matches is cleared, unless another matching rule holds it.
  const ownerChanges: { flag: string; ruleId: string }[] = [];
  for (const [flag, f] of current) {
    if (!f.value) continue;
    const owner = rules.byId.get(f.owner);
    if (!owner || matched[owner.id] || owner.sticky) continue;
    const holder = rules.rules.find((r) => matched[r.id] && r.flagActions.get(flag)?.value === true);
    if (holder) {
      ownerChanges.push({ flag, ruleId: holder.id });
      f.owner = holder.id;
      continue;
    }
    flagChanges.push({
      flag,
      value: false,
      previousValue: true,
      ruleId: owner.id,
      reason: 'conditions no longer hold',
      expiresAt: null,
      explanation: { reason: 'conditions no longer hold', ...trace(owner) },
    });
    f.value = false;
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

  // Emits run on the rising edge; a milestone is recorded and announced only the first time.
  const milestones: Decision['milestones'] = [];
  const reached = new Set(state.milestones);
  for (const r of rules.rules) {
    if (!rising.has(r.id)) continue;
    for (const e of r.emits) {
      const payload = e.payload ?? {};
      if (e.event === MILESTONE_EVENT) {
        const { milestone, ...metadata } = payload as { milestone: string };
        if (reached.has(milestone)) continue;
        reached.add(milestone);
        milestones.push({ milestone, ruleId: r.id, metadata });
        events.push({ type: MILESTONE_EVENT, ruleId: r.id, data: { userId, milestone, ruleId: r.id, metadata } });
        changes.push({ type: 'milestone_reached', milestone, ruleId: r.id });
      } else {
        events.push({ type: e.event, ruleId: r.id, data: { ...payload, userId, ruleId: r.id } });
        changes.push({ type: 'event_emitted', event: e.event, ruleId: r.id });
      }
    }
  }

  let next = Infinity;
  for (const r of rules.rules) for (const c of r.conditions) next = Math.min(next, c.next(ctx, now));
  // Expiry of each flag as it stands after this decision: a flag changed now is due only by its new expiry.
  const expiries = new Map<string, number | null>();
  for (const [flag, f] of Object.entries(state.flags)) expiries.set(flag, f.value ? f.expiresAt : null);
  for (const c of flagChanges) expiries.set(c.flag, c.expiresAt);
  for (const e of expiries.values()) if (e !== null && e > now) next = Math.min(next, e);

  return {
    userId,
    evaluatedRules: rules.rules.map((r) => r.id),
    triggeredRules,
    matched,
    flagChanges,
    ownerChanges,
    milestones,
    events,
    changes,
    nextDueAt: Number.isFinite(next) ? next : null,
  };
}

/**
 * The participant's state once a decision is committed: what persistence stores, in memory.
 * Threading it into the next `evaluate` is what makes evaluation edge-triggered and idempotent.
 */
export function applyDecision(state: ParticipantState, decision: Decision, now: number): ParticipantState {
  const flags: Record<string, FlagState> = { ...state.flags };
  for (const c of decision.flagChanges) flags[c.flag] = { value: c.value, setByRule: c.ruleId, setAt: now, expiresAt: c.expiresAt };
  // A new holder is not a change of value: setAt and expiresAt stay.
  for (const o of decision.ownerChanges) flags[o.flag] = { ...flags[o.flag], setByRule: o.ruleId };
  const milestones = new Set(state.milestones);
  for (const m of decision.milestones) milestones.add(m.milestone);
  return { matched: { ...decision.matched }, flags, milestones };
}
