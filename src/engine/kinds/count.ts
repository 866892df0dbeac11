/** count and exists: how many selected records (within the window, if any) compared with a number; exists is count >= 1. */
import type { CountCondition, ExistsCondition, Filter } from '../../contracts/rule.js';
import { parseDuration } from '../duration.js';
import { Comparison, needed } from '../operators.js';
import type { Records, Selection } from '../records.js';
import type { ConditionTrace } from '../trace.js';
import type { ParticipantContext } from '../types.js';
import type { Due, Leaf } from './leaf.js';

export class CountLeaf implements Leaf {
  readonly timed: boolean;
  private readonly selection: Selection;
  private readonly label: string;
  /** The window in ms, -1 for none. */
  private readonly window: number;
  private readonly compare: Comparison;

  constructor(
    private readonly c: CountCondition | ExistsCondition,
    records: Records,
  ) {
    // the shorthand field / operator / value is the first filter
    const filters: Filter[] = [...(c.where ?? [])];
    if (c.field !== undefined && c.value !== undefined) filters.unshift({ field: c.field, operator: c.operator, value: c.value });
    ({ selection: this.selection, label: this.label } = records.select(c.entity, filters));
    this.window = c.within ? parseDuration(c.within) : -1;
    this.timed = this.window >= 0;
    this.compare = c.type === 'count' ? new Comparison(c.count, c.count_value, 'number') : new Comparison('>=', 1, 'number');
  }

  probe(ctx: ParticipantContext, now: number, pass: number | undefined, due: Due): boolean {
    return this.compare.holds(this.counted(ctx, now, pass, due));
  }

  /** How many selected records are within the window at `now`; in `due.at`, when the first of them leaves it. */
  private counted(ctx: ParticipantContext, now: number, pass: number | undefined, due: Due): number {
    const window = this.window;
    const selection = this.selection;
    const selected = selection.select(ctx, pass);
    if (window < 0) {
      due.at = Infinity;
      return selected;
    }
    let count = 0;
    let soonest = Infinity;
    for (let k = 0; k < selected; k++) {
      const at = selection.all[selection.index(k)].occurredAt;
      if (at > now - window) {
        count++;
        if (at + window < soonest) soonest = at + window;
      }
    }
    due.at = soonest;
    return count;
  }

  explain(ctx: ParticipantContext, now: number, path: string): ConditionTrace {
    const c = this.c;
    const n = this.counted(ctx, now, undefined, { at: Infinity });
    const result = this.compare.holds(n);
    const expected = c.type === 'count' ? `${c.count} ${c.count_value}` : '>= 1';
    const trace: ConditionTrace = { path, type: c.type, entity: c.entity, field: 'count', actual: n, expected, result };
    if (!result) {
      const target = c.type === 'count' ? needed(c.count, c.count_value) : 1;
      const within = c.within ? ` within ${c.within}` : '';
      if (target !== null && target > n) trace.needs = `${target - n} more ${this.label}${within}`;
      else if (target !== null && target < n) trace.needs = `${n - target} fewer ${this.label}${within}`;
    }
    return trace;
  }
}
