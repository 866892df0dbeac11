/**
 * A journey played in memory: events in program-time order through the same projection and engine
 * as the service, with the flips time alone causes between and after them. Pure: no I/O, no clock.
 */
import type { EntityName } from '../contracts/entities.js';
import type { EventEnvelope, EventType } from '../contracts/events.js';
import { merge, project, type Owner, type StoredRecord } from '../context/projection.js';
import { applyDecision, evaluate, type RuleSet } from '../engine/evaluate.js';
import type { EntityRecord, ParticipantState } from '../engine/types.js';

const iso = (t: number) => new Date(t).toISOString();

export type SimulatedCause = { trigger: 'events'; eventIds: string[] } | { trigger: 'time'; dueAt: string };

/** One step, in the participant timeline's entry shapes (plus whose journey it is). */
export type Step =
  | { kind: 'event'; at: string; userId: string | null; id: string; type: string; occurredAt: string; data: unknown; pending?: true }
  | {
      kind: 'flag';
      at: string;
      userId: string;
      flag: string;
      value: boolean;
      previousValue: boolean | null;
      ruleId: string;
      ruleVersion: number | null;
      reason: string;
      expiresAt: string | null;
      explanation: unknown;
      causedBy: SimulatedCause;
    }
  | { kind: 'milestone'; at: string; userId: string; milestone: string; ruleId: string; metadata: Record<string, unknown> }
  | { kind: 'output'; at: string; userId: string; type: string; data: Record<string, unknown> };

export interface Simulation {
  steps: Step[];
  /** True when the journey was cut at MAX_STEPS / MAX_EVALUATIONS before `until`. */
  truncated: boolean;
}

export const MAX_STEPS = 20_000;
export const MAX_EVALUATIONS = 100_000;

/** Events that name the match or session other events are reached through (as the ingest). */
const DEFINES_OWNER: Partial<Record<EventType, 'buddy_matches' | 'kintell_sessions'>> = {
  'buddy.match.created': 'buddy_matches',
  'buddy.match.ended': 'buddy_matches',
  'kintell.session.completed': 'kintell_sessions',
};

interface Participant {
  firstSeenAt: number;
  records: Map<string, { entity: EntityName; key: string; record: StoredRecord }>;
  state: ParticipantState;
  nextDueAt: number | null;
}

const refKey = (entity: string, key: string) => `${entity}\u0000${key}`;

/**
 * The journey these events would produce under these rules, up to `until` (epoch ms). Each event is
 * ingested at its own timestamp (as if it arrived when it happened); before it, everyone due by then
 * is evaluated at their due instant, as the scheduler would. `drafts`: the rules have no stored
 * version (flag steps carry ruleVersion null).
 */
export function simulate(
  events: readonly EventEnvelope[],
  rules: RuleSet,
  until: number,
  { drafts = false, maxSteps = MAX_STEPS } = {},
): Simulation {
  const ordered = events.map((e, i) => ({ e, i, t: Date.parse(e.timestamp) })).sort((a, b) => a.t - b.t || a.i - b.i);
  const people = new Map<string, Participant>();
  const owners = new Map<string, string>();
  const pending = new Map<string, EventEnvelope[]>();
  const steps: Step[] = [];
  const seen = new Set<string>();
  /** Each event's participant, once known (a pending event's when its match or session arrives). */
  const eventOwners = new Map<string, string>();
  const accepted: EventEnvelope[] = [];
  let evaluations = 0;
  let truncated = false;

  const decide = (userId: string, now: number, occurredAt: number, causedBy: SimulatedCause) => {
    const p = people.get(userId)!;
    evaluations++;
    const entities: Partial<Record<EntityName, EntityRecord[]>> = {};
    for (const { entity, key, record } of p.records.values())
      (entities[entity] ??= []).push({ key, occurredAt: record.occurredAt, fields: record.fields });
    const d = evaluate(rules, { userId, firstSeenAt: p.firstSeenAt, entities }, p.state, now);
    p.state = applyDecision(p.state, d, now);
    p.nextDueAt = d.nextDueAt;
    const at = iso(occurredAt);
    for (const c of d.flagChanges)
      steps.push({
        kind: 'flag',
        at,
        userId,
        flag: c.flag,
        value: c.value,
        previousValue: c.previousValue,
        ruleId: c.ruleId,
        ruleVersion: drafts ? null : (rules.byId.get(c.ruleId)?.version ?? null),
        reason: c.reason,
        expiresAt: c.expiresAt === null ? null : iso(c.expiresAt),
        explanation: c.explanation,
        causedBy,
      });
    for (const m of d.milestones)
      steps.push({ kind: 'milestone', at, userId, milestone: m.milestone, ruleId: m.ruleId, metadata: m.metadata });
    for (const e of d.events) steps.push({ kind: 'output', at, userId, type: e.type, data: e.data });
  };

  /** Everyone due at or before `to`, earliest first, each at their due instant. */
  const runDue = (to: number) => {
    for (;;) {
      if (steps.length + accepted.length >= maxSteps || evaluations >= MAX_EVALUATIONS) return void (truncated = true);
      let first: string | undefined;
      let at = Infinity;
      for (const [userId, p] of people) if (p.nextDueAt !== null && p.nextDueAt < at) [first, at] = [userId, p.nextDueAt];
      if (first === undefined || at > to) return;
      decide(first, at, at, { trigger: 'time', dueAt: iso(at) });
    }
  };

  for (const { e, t } of ordered) {
    if (seen.has(e.id)) continue; // a duplicate id is ignored, as the ingest does
    seen.add(e.id);
    runDue(t);
    if (truncated) break;
    accepted.push(e);
    // The event and whatever was waiting for the match or session it defines: applied now, in order.
    const applied: { event: EventEnvelope; userId: string }[] = [];
    const queue = [e];
    while (queue.length) {
      const event = queue.shift()!;
      const { owner, patch } = project(event);
      const userId = ownerOf(owner, owners);
      if (!userId) {
        const o = owner as Extract<Owner, { via: string }>;
        const k = refKey(o.via, o.key);
        pending.set(k, [...(pending.get(k) ?? []), event]);
        continue;
      }
      applied.push({ event, userId });
      const at = Date.parse(event.timestamp);
      const p = people.get(userId) ?? newParticipant(people, userId, at);
      p.firstSeenAt = Math.min(p.firstSeenAt, at);
      const rk = refKey(patch.entity, patch.key);
      p.records.set(rk, { entity: patch.entity, key: patch.key, record: merge(p.records.get(rk)?.record, patch, at) });
      const defines = DEFINES_OWNER[event.type];
      if (defines && !owners.has(refKey(defines, patch.key))) {
        owners.set(refKey(defines, patch.key), userId);
        queue.push(...(pending.get(refKey(defines, patch.key)) ?? []));
        pending.delete(refKey(defines, patch.key));
      }
    }
    const byUser = new Map<string, EventEnvelope[]>();
    for (const a of applied) byUser.set(a.userId, [...(byUser.get(a.userId) ?? []), a.event]);
    for (const a of applied) eventOwners.set(a.event.id, a.userId);
    for (const [userId, caused] of [...byUser].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const occurredAt = Math.max(...caused.map((c) => Date.parse(c.timestamp)));
      decide(userId, t, occurredAt, { trigger: 'events', eventIds: caused.map((c) => c.id) });
    }
  }
  if (!truncated) runDue(until);
  for (const e of accepted) {
    const userId = eventOwners.get(e.id);
    steps.push(userId ? eventStep(e, userId) : { ...eventStep(e, null), pending: true });
  }
  // Program time order; within an instant, events first, then what they caused.
  const order = steps.map((s, i) => ({ s, i, t: Date.parse(s.at), k: s.kind === 'event' ? 0 : 1 }));
  order.sort((a, b) => a.t - b.t || a.k - b.k || a.i - b.i);
  return { steps: order.map((o) => o.s), truncated };
}

function newParticipant(people: Map<string, Participant>, userId: string, at: number): Participant {
  const p: Participant = {
    firstSeenAt: at,
    records: new Map(),
    state: { matched: {}, flags: {}, milestones: new Set() },
    nextDueAt: null,
  };
  people.set(userId, p);
  return p;
}

function ownerOf(owner: Owner, owners: ReadonlyMap<string, string>): string | undefined {
  return 'userId' in owner ? owner.userId : owners.get(refKey(owner.via, owner.key));
}

function eventStep(e: EventEnvelope, userId: string | null): Extract<Step, { kind: 'event' }> {
  const at = iso(Date.parse(e.timestamp));
  return { kind: 'event', at, userId, id: e.id, type: e.type, occurredAt: at, data: e.data };
}
