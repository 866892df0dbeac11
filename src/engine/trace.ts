/** What explain says of one condition, and the pieces every kind uses to say it. */
import type { EntityName, FieldType } from '../contracts/entities.js';
import type { Condition } from '../contracts/rule.js';

export interface ConditionTrace {
  path: string;
  type: Condition['type'];
  entity?: EntityName;
  field?: string;
  actual: unknown;
  expected: unknown;
  result: boolean;
  /** For a false condition that more records would make true. */
  needs?: string;
  /** For a false time condition: when it becomes true by time alone. */
  becomesTrueAt?: string;
  /** What `actual` is when it is not what the condition names (time_since over no records: the first known event). */
  note?: string;
  conditions?: ConditionTrace[];
  /** In a compact trace (see explanation.ts): how many of `conditions` are not shown. */
  omitted?: number;
}

export const iso = (t: number) => new Date(t).toISOString();

/** A value as explain shows it: times as ISO strings, absent as null. */
export const show = (v: unknown, type: FieldType) => (v === undefined ? null : type === 'timestamp' && typeof v === 'number' ? iso(v) : v);
