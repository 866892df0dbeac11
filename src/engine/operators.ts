/**
 * The operators of conditions and filters (the contract's OPERATORS), in one place: how each
 * compares, which spellings are the same, and what count a comparator needs. Adding an operator to
 * the contract makes the compiler ask for it here, and nowhere else in the engine.
 */
import type { FieldType } from '../contracts/entities.js';
import type { Comparator, Operator, Scalar } from '../contracts/rule.js';

/** Values compared as numbers when the field is a time (epoch ms); absent values (undefined, null) never compare. */
export function normalise(v: unknown, type: FieldType): unknown {
  if (v === undefined || v === null) return undefined;
  if (type === 'timestamp') {
    const t = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
    return Number.isNaN(t) ? undefined : t;
  }
  return v;
}

/** Each operator as a small number, for the switch in `Comparison.holds` (spellings of one operator share one). */
const EQ = 0;
const NE = 1;
const GT = 2;
const GE = 3;
const LT = 4;
const LE = 5;
const IN = 6;
const NOT_IN = 7;
type Code = typeof EQ | typeof NE | typeof GT | typeof GE | typeof LT | typeof LE | typeof IN | typeof NOT_IN;

const CODES = { '=': EQ, '==': EQ, '!=': NE, '>': GT, '>=': GE, '<': LT, '<=': LE, in: IN, not_in: NOT_IN } as const satisfies Record<
  Operator,
  Code
>;

/** One spelling per operator (`==` is `=`): conditions that differ only in spelling share their records. */
export const canonical = (op: Operator): Operator => (op === '==' ? '=' : op);

/** `actual op expected`, the expected value(s) normalised once for the field's type. An absent actual value (undefined) never compares. */
export class Comparison {
  private readonly code: Code;
  private readonly list: readonly unknown[];
  private readonly e: unknown;
  constructor(op: Operator, expected: Scalar | Scalar[], type: FieldType) {
    this.code = CODES[op];
    this.list = (Array.isArray(expected) ? expected : [expected]).map((e) => normalise(e, type));
    this.e = this.list[0];
  }

  holds(a: unknown): boolean {
    if (a === undefined) return false;
    switch (this.code) {
      case EQ:
        return a === this.e;
      case NE:
        return a !== this.e;
      case GT:
        return (a as number) > (this.e as number);
      case GE:
        return (a as number) >= (this.e as number);
      case LT:
        return (a as number) < (this.e as number);
      case LE:
        return (a as number) <= (this.e as number);
      case IN:
        return this.list.includes(a);
      case NOT_IN:
        return !this.list.includes(a);
    }
  }
}

/** The count that `count op value` is nearest to holding at, for "needs N more / fewer"; null when there is none (`!=`). */
export function needed(op: Comparator, value: number): number | null {
  switch (op) {
    case '>':
      return Math.floor(value) + 1;
    case '>=':
    case '=':
    case '==':
      return Math.ceil(value);
    case '<':
      return Math.ceil(value) - 1;
    case '<=':
      return Math.floor(value);
    case '!=':
      return null;
  }
}
