import type { EntityName } from '../contracts/entities.js';

/** One record of an entity for a participant (EVENTS.md "Entities"). Times are epoch ms. */
export interface EntityRecord {
  key: string;
  occurredAt: number;
  fields: Readonly<Record<string, unknown>>;
}

/** What rules see for one participant. */
export interface ParticipantContext {
  userId: string;
  /** When the participant's earliest known event happened; null if none. */
  firstSeenAt: number | null;
  entities: Partial<Record<EntityName, readonly EntityRecord[]>>;
}

export interface FlagState {
  value: boolean;
  setByRule: string;
  setAt: number;
  expiresAt: number | null;
}

/**
 * What the engine remembers between evaluations of a participant. Records keyed by ids are read
 * as own entries only (a rule or flag may be named `constructor`); those the engine makes have no prototype.
 */
export interface ParticipantState {
  /** Rule id → whether it matched at the last evaluation (edge triggering). */
  matched: Readonly<Record<string, boolean>>;
  flags: Readonly<Record<string, FlagState>>;
  milestones: ReadonlySet<string>;
}

export interface FlagChange {
  flag: string;
  value: boolean;
  previousValue: boolean | null;
  ruleId: string;
  reason: string;
  expiresAt: number | null;
  /** Condition trace of the deciding rule, or why the flag was cleared. */
  explanation: unknown;
}

export interface MilestoneReached {
  milestone: string;
  ruleId: string;
  metadata: Record<string, unknown>;
}

export interface EmittedEvent {
  type: string;
  ruleId: string;
  data: Record<string, unknown> & { userId: string };
}

export type Change =
  | { type: 'flag_set' | 'flag_cleared'; flag: string; value: boolean; previousValue: boolean | null; ruleId: string; reason: string }
  | { type: 'milestone_reached'; milestone: string; ruleId: string }
  | { type: 'event_emitted'; event: string; ruleId: string };

export interface Decision {
  userId: string;
  evaluatedRules: string[];
  triggeredRules: string[];
  /** The new matched state of every evaluated rule. */
  matched: Record<string, boolean>;
  flagChanges: FlagChange[];
  /** Flags that stay true but are now held by another rule (no value change, no history). */
  ownerChanges: { flag: string; ruleId: string }[];
  milestones: MilestoneReached[];
  /** Every output event, in order: flag updates, milestones, custom events. */
  events: EmittedEvent[];
  changes: Change[];
  /** When to evaluate again if no event arrives: no later than the first instant at which time alone changes a rule's result or a flag expires; null if never. */
  nextDueAt: number | null;
}
