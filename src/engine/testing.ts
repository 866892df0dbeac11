/**
 * Builders for engine inputs, shared by the specs and the benchmarks. Times are epoch ms.
 */
import type { EntityName } from '../contracts/entities.js';
import { MILESTONE_EVENT, type Action, type Condition, type RuleDocument } from '../contracts/rule.js';
import { applyDecision, evaluate, RuleSet } from './evaluate.js';
import type { Decision, EntityRecord, ParticipantContext, ParticipantState } from './types.js';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** A fixed "now" for tests: 2025-01-15T10:30:00Z. */
export const T0 = Date.parse('2025-01-15T10:30:00Z');
export const USER_ID = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';

export function record(key: string, occurredAt: number, fields: Record<string, unknown> = {}): EntityRecord {
  return { key, occurredAt, fields };
}

/** A participant's context; firstSeenAt defaults to the earliest record (null without records). */
export function context(
  entities: Partial<Record<EntityName, readonly EntityRecord[]>> = {},
  opts: { firstSeenAt?: number | null; userId?: string } = {},
): ParticipantContext {
  const times = Object.values(entities).flatMap((rs) => rs.map((r) => r.occurredAt));
  const firstSeenAt = opts.firstSeenAt !== undefined ? opts.firstSeenAt : times.length ? Math.min(...times) : null;
  return { userId: opts.userId ?? USER_ID, firstSeenAt, entities };
}

export function emptyState(): ParticipantState {
  return { matched: {}, flags: {}, milestones: new Set() };
}

/** A rule document with defaults: flag `f`, priority 10, and a set_flag action on its flag. */
export function rule(id: string, conditions: Condition[], more: Partial<RuleDocument> & { actions?: Action[] } = {}): RuleDocument {
  const flag = more.flag ?? 'f';
  return { id, name: id, flag, priority: 10, conditions, actions: [{ type: 'set_flag', flag, value: true }], ...more };
}

/** One participant going through evaluations: each decision is applied before the next. */
export function journey(docs: RuleDocument[], initial: ParticipantState = emptyState()) {
  const rules = RuleSet.of(docs);
  let state = initial;
  return {
    rules,
    get state(): ParticipantState {
      return state;
    },
    at(ctx: ParticipantContext, now: number): Decision {
      const decision = evaluate(rules, ctx, state, now);
      state = applyDecision(state, decision, now);
      return decision;
    },
  };
}

/** The seed's mentor_ready_001 as a rule document, shared by the specs. */
export const MENTOR_READY_RULE: RuleDocument = {
  id: 'mentor_ready_001',
  name: 'Mentor ready',
  description: 'Participant has completed 3+ language sessions with avg rating >= 4.0',
  flag: 'mentor_ready',
  priority: 20,
  active: true,
  conditions: [
    { type: 'count', entity: 'kintell_sessions', field: 'session_type', value: 'language', count: '>=', count_value: 3 },
    {
      type: 'value',
      entity: 'kintell_sessions',
      field: 'avg_rating',
      operator: '>=',
      value: 4.0,
      where: [{ field: 'session_type', value: 'language' }],
    },
  ],
  actions: [
    { type: 'set_flag', flag: 'mentor_ready', value: true },
    { type: 'emit_event', event: MILESTONE_EVENT, payload: { milestone: 'mentor_ready', reason: 'Completed 3+ language sessions' } },
  ],
};
