/**
 * A leaf condition (count / exists, value, time_since): one class per kind, which owns the kind's
 * evaluation, the instant time alone changes it, and its explanation. Compiled once per rule set.
 */
import type { ParticipantContext } from '../types.js';
import type { ConditionTrace } from '../trace.js';

/** Where `probe` leaves its due instant: one object per evaluation, overwritten by every probe. */
export interface Due {
  at: number;
}

export interface Leaf {
  /** False when time alone never changes the result, so evaluation need not ask when it would. */
  readonly timed: boolean;
  /**
   * The result at `now`, and in `due.at` the first instant after `now` at which time alone changes
   * it (Infinity if never). Within a pass (see records.ts) what it reads is shared.
   */
  probe(ctx: ParticipantContext, now: number, pass: number | undefined, due: Due): boolean;
  explain(ctx: ParticipantContext, now: number, path: string): ConditionTrace;
}
