/**
 * time_since: at least `duration` has passed since a time of the selected records (their latest
 * activity by default), or, when there are none, since the participant's first known event.
 */
import type { TimeSinceCondition } from '../../contracts/rule.js';
import { parseDuration } from '../duration.js';
import type { Measure, Records, Selection } from '../records.js';
import { iso, type ConditionTrace } from '../trace.js';
import type { ParticipantContext } from '../types.js';
import type { Due, Leaf } from './leaf.js';

export class TimeSinceLeaf implements Leaf {
  readonly timed = true;
  private readonly selection: Selection;
  private readonly label: string;
  private readonly field: string;
  private readonly latest: Measure;
  private readonly duration: number;

  constructor(
    private readonly c: TimeSinceCondition,
    records: Records,
  ) {
    ({ selection: this.selection, label: this.label } = records.select(c.entity, c.where ?? []));
    this.field = c.field ?? 'last_activity';
    this.latest = this.selection.measure(this.field);
    this.duration = parseDuration(c.duration);
  }

  /** The instant measured from: the records' time, or first-seen when there are none; undefined if neither. */
  private since(ctx: ParticipantContext, pass: number | undefined): number | undefined {
    if (this.selection.select(ctx, pass) === 0) return ctx.firstSeenAt ?? undefined;
    return this.latest.of(ctx, pass) as number | undefined;
  }

  probe(ctx: ParticipantContext, now: number, pass: number | undefined, due: Due): boolean {
    const t = this.since(ctx, pass);
    if (t === undefined) {
      due.at = Infinity;
      return false;
    }
    due.at = t + this.duration > now ? t + this.duration : Infinity;
    return now - t >= this.duration;
  }

  explain(ctx: ParticipantContext, now: number, path: string): ConditionTrace {
    const c = this.c;
    const t = this.since(ctx, undefined);
    const result = t !== undefined && now - t >= this.duration;
    const trace: ConditionTrace = {
      path,
      type: 'time_since',
      entity: c.entity,
      field: this.field,
      actual: t === undefined ? null : iso(t),
      expected: `>= ${c.duration} ago`,
      result,
    };
    if (!result && t !== undefined) trace.becomesTrueAt = iso(t + this.duration);
    if (this.selection.select(ctx) === 0)
      trace.note =
        ctx.firstSeenAt === null ? `no ${this.label} and no known event` : `no ${this.label}; measured from the first known event`;
    return trace;
  }
}
