/** value: a (possibly derived) field over the selected records, compared with a value. Time never changes it. */
import { parseFieldRef, type FieldRef, type FieldType } from '../../contracts/entities.js';
import type { ValueCondition } from '../../contracts/rule.js';
import { Comparison } from '../operators.js';
import { fieldType, type Measure, type Records } from '../records.js';
import { show, type ConditionTrace } from '../trace.js';
import type { ParticipantContext } from '../types.js';
import type { Due, Leaf } from './leaf.js';

export class ValueLeaf implements Leaf {
  readonly timed = false;
  private readonly type: FieldType;
  private readonly compare: Comparison;
  private readonly value: Measure;

  constructor(
    private readonly c: ValueCondition,
    records: Records,
  ) {
    const field = parseFieldRef(c.entity, c.field) as FieldRef;
    this.type = field.kind === 'plain' ? fieldType(c.entity, field.field) : field.kind === 'last_activity' ? 'timestamp' : 'number';
    this.compare = new Comparison(c.operator, c.value, this.type);
    this.value = records.select(c.entity, c.where ?? []).selection.measure(c.field);
  }

  probe(ctx: ParticipantContext, _now: number, pass: number | undefined, due: Due): boolean {
    due.at = Infinity;
    return this.compare.holds(this.value.of(ctx, pass));
  }

  explain(ctx: ParticipantContext, _now: number, path: string): ConditionTrace {
    const c = this.c;
    const actual = this.value.of(ctx);
    return {
      path,
      type: 'value',
      entity: c.entity,
      field: c.field,
      actual: show(actual, this.type),
      expected: `${c.operator} ${JSON.stringify(c.value)}`,
      result: this.compare.holds(actual),
    };
  }
}
