/**
 * Conditions compiled to plans: evaluated against a participant context at a given `now`,
 * able to say when time alone would change their result, and to explain themselves.
 *
 * A plan is data (`Plan`, `Selection`, `Measure`, `Comparison`), each of one shape whatever the
 * condition, walked by a few functions (`holds`, `nextOf`, `probe`). Evaluation then calls the same
 * handful of functions for every rule, which the JIT optimises as one, rather than a closure per
 * condition, operator and filter.
 */
import { ENTITIES, parseFieldRef, type EntityName, type FieldRef, type FieldSpec } from '../contracts/entities.js';
import type { Condition, Filter, Operator, Scalar } from '../contracts/rule.js';
import { parseDuration } from './duration.js';
import type { EntityRecord, ParticipantContext } from './types.js';

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
  conditions?: ConditionTrace[];
}

/**
 * `pass` (from `newPass()`) names one evaluation of one context: within a pass, each distinct
 * selection of records (entity and filters) is filtered once and shared by every condition that
 * reads it. Without a pass nothing is shared.
 */
export interface CompiledCondition {
  test(ctx: ParticipantContext, now: number, pass?: number): boolean;
  /** The earliest instant after `now` at which time alone could change the result (Infinity if never). */
  next(ctx: ParticipantContext, now: number, pass?: number): number;
  /**
   * `test` and a due instant at once: returns the result and sets `due.at` to an instant after `now`
   * no later than the first at which time alone changes the result (Infinity if never). Never earlier
   * than `next`, often later: only what can turn the result is asked (see `probe` below).
   */
  probe(ctx: ParticipantContext, now: number, pass: number | undefined, due: Due): boolean;
  explain(ctx: ParticipantContext, now: number, path: string): ConditionTrace;
  /** False when time alone never changes the result (`next` is always Infinity), so evaluation need not ask. */
  timed: boolean;
  /** The condition as a plan: what the methods above walk. */
  plan: Plan;
}

/** Where `probe` leaves its due instant: one object per evaluation, overwritten by every probe. */
export interface Due {
  at: number;
}

const EMPTY: readonly EntityRecord[] = [];

let passes = 0;
/** A new evaluation pass: the caller promises the context does not change while it uses it. */
export function newPass(): number {
  return ++passes;
}

/** Values compared as numbers when the field is numeric or a time; absent values never compare. */
function normalise(v: unknown, type: FieldSpec['type']): unknown {
  if (v === undefined || v === null) return undefined;
  if (type === 'timestamp') {
    const t = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
    return Number.isNaN(t) ? undefined : t;
  }
  return v;
}

const OPS: Record<Operator, number> = { '=': 0, '==': 0, '!=': 1, '>': 2, '>=': 3, '<': 4, '<=': 5, in: 6, not_in: 7 };

/** `actual op expected`, the expected value(s) normalised once. An absent actual value never compares. */
class Comparison {
  private readonly op: number;
  private readonly list: readonly unknown[];
  private readonly e: unknown;
  constructor(op: Operator, expected: Scalar | Scalar[], type: FieldSpec['type']) {
    this.op = OPS[op];
    this.list = (Array.isArray(expected) ? expected : [expected]).map((e) => normalise(e, type));
    this.e = this.list[0];
  }

  holds(a: unknown): boolean {
    if (a === undefined) return false;
    switch (this.op) {
      case 0:
        return a === this.e;
      case 1:
        return a !== this.e;
      case 2:
        return (a as number) > (this.e as number);
      case 3:
        return (a as number) >= (this.e as number);
      case 4:
        return (a as number) < (this.e as number);
      case 5:
        return (a as number) <= (this.e as number);
      case 6:
        return this.list.includes(a);
      default:
        return !this.list.includes(a);
    }
  }
}

export function comparator(op: Operator, expected: Scalar | Scalar[], type: FieldSpec['type']): (actual: unknown) => boolean {
  const c = new Comparison(op, expected, type);
  return (a) => c.holds(a);
}

function fieldType(entity: EntityName, field: string): FieldSpec['type'] {
  return (ENTITIES[entity].fields as Record<string, FieldSpec>)[field]?.type ?? 'string';
}

function fieldValue(r: EntityRecord, field: string): unknown {
  return field === 'occurred_at' ? r.occurredAt : r.fields[field];
}

/** Bound on the shared selections and columns: past it, new conditions get their own. */
const MAX_SHARED_SELECTIONS = 10_000;

/**
 * One field of one entity's records, read once per pass for every filter on it: reading a field by
 * name is most of what filtering costs. Times are parsed once with it.
 */
class Column {
  private pass = 0;
  private values: readonly unknown[] = [];
  constructor(
    private readonly field: string,
    private readonly time: boolean,
  ) {}

  read(r: EntityRecord): unknown {
    const v = r.fields[this.field];
    return this.time ? normalise(v, 'timestamp') : v;
  }

  /** The field on each of `records`, the entity's records in this pass's context. */
  of(records: readonly EntityRecord[], pass: number): readonly unknown[] {
    if (pass === this.pass) return this.values;
    const values: unknown[] = [];
    for (let i = 0; i < records.length; i++) values.push(this.read(records[i]));
    this.pass = pass;
    this.values = values;
    return values;
  }
}

/** Columns by entity and field. Bounded like selections. */
const columns = new Map<string, Column>();

/** One filter as a record test, its field's type settled once. */
class RecordFilter {
  /** Null when the field is the record's own time. */
  private readonly column: Column | null = null;
  private readonly plain: boolean;
  private readonly compare: Comparison;
  constructor(entity: EntityName, f: Filter) {
    const type = fieldType(entity, f.field);
    this.plain = type !== 'timestamp';
    this.compare = new Comparison(f.operator ?? '=', f.value, type);
    if (f.field === 'occurred_at') return;
    const key = `${entity}\u0000${f.field}`;
    this.column = columns.get(key) ?? new Column(f.field, !this.plain);
    if (columns.size < MAX_SHARED_SELECTIONS) columns.set(key, this.column);
  }

  /** Whether the i-th of the entity's records passes. */
  passes(all: readonly EntityRecord[], i: number, pass: number | undefined): boolean {
    if (this.column === null) return this.compare.holds(all[i].occurredAt);
    const v = pass === undefined ? this.column.read(all[i]) : this.column.of(all, pass)[i];
    return this.plain ? v !== null && this.compare.holds(v) : this.compare.holds(v);
  }
}

function describeFilters(filters: Filter[]): string {
  return filters.map((f) => `${f.field} ${f.operator ?? '='} ${JSON.stringify(f.value)}`).join(' and ');
}

/** A filtered selection of one entity's records, shared by every condition with the same entity and filters. */
class Selection {
  private pass = 0;
  private result: readonly EntityRecord[] = EMPTY;
  private readonly measures = new Map<string, Measure>();
  constructor(
    private readonly entity: EntityName,
    private readonly filters: readonly RecordFilter[],
  ) {}

  /** A (possibly derived) field over this selection, shared by every condition that reads it. */
  measure(field: string): Measure {
    let m = this.measures.get(field);
    if (!m) {
      m = new Measure(this, this.entity, parseFieldRef(this.entity, field) as FieldRef);
      this.measures.set(field, m);
    }
    return m;
  }

  select(ctx: ParticipantContext, pass?: number): readonly EntityRecord[] {
    if (pass !== undefined && pass === this.pass) return this.result;
    const all = ctx.entities[this.entity] ?? EMPTY;
    const filters = this.filters;
    let out = all;
    if (filters.length > 0 && all.length > 0) {
      const kept: EntityRecord[] = [];
      for (let i = 0; i < all.length; i++) {
        let j = 0;
        while (j < filters.length && filters[j].passes(all, i, pass)) j++;
        if (j === filters.length) kept.push(all[i]);
      }
      out = kept;
    }
    if (pass !== undefined) {
      this.pass = pass;
      this.result = out;
    }
    return out;
  }
}

/** A (possibly derived) field's value over a selection, computed once per pass. */
class Measure {
  private pass = 0;
  private value: unknown;
  private readonly type: FieldSpec['type'];
  constructor(
    readonly selection: Selection,
    entity: EntityName,
    private readonly ref: FieldRef,
  ) {
    this.type = ref.kind === 'plain' ? fieldType(entity, ref.field) : 'number';
  }

  of(ctx: ParticipantContext, pass?: number): unknown {
    if (pass !== undefined && pass === this.pass) return this.value;
    const v = measure(this.ref, this.type, this.selection.select(ctx, pass));
    if (pass !== undefined) {
      this.pass = pass;
      this.value = v;
    }
    return v;
  }
}

/** Selections by entity and filters. Bounded: past the bound, new conditions get selections of their own. */
const selections = new Map<string, Selection>();

/** Records of the entity that pass the condition's filters. */
function selector(
  c: { entity: EntityName; where?: Filter[]; field?: string; operator?: Operator; value?: Scalar | Scalar[] },
  shorthand: boolean,
) {
  const filters = [...(c.where ?? [])];
  if (shorthand && c.field !== undefined && c.value !== undefined)
    filters.unshift({ field: c.field, operator: c.operator, value: c.value });
  const key = `${c.entity}\u0000${JSON.stringify(filters.map((f) => [f.field, f.operator === '==' ? '=' : (f.operator ?? '='), f.value]))}`;
  let selection = selections.get(key);
  if (!selection) {
    selection = new Selection(
      c.entity,
      filters.map((f) => new RecordFilter(c.entity, f)),
    );
    if (selections.size < MAX_SHARED_SELECTIONS) selections.set(key, selection);
  }
  return { selection, label: filters.length ? `${c.entity} where ${describeFilters(filters)}` : c.entity };
}

function latest(records: readonly EntityRecord[]): EntityRecord | undefined {
  let best: EntityRecord | undefined;
  for (const r of records) if (!best || r.occurredAt > best.occurredAt || (r.occurredAt === best.occurredAt && r.key > best.key)) best = r;
  return best;
}

/** A (possibly derived) field over the records; `type` is the plain field's. */
function measure(ref: FieldRef, type: FieldSpec['type'], records: readonly EntityRecord[]): unknown {
  switch (ref.kind) {
    case 'count':
      return records.length;
    case 'last_activity': {
      let max: number | undefined;
      for (let i = 0; i < records.length; i++) if (max === undefined || records[i].occurredAt > max) max = records[i].occurredAt;
      return max;
    }
    case 'plain': {
      const r = latest(records);
      return r ? normalise(fieldValue(r, ref.field), type) : undefined;
    }
    case 'aggregate': {
      const { field, fn } = ref;
      let n = 0;
      let acc = 0;
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < records.length; i++) {
        const v = records[i].fields[field];
        if (typeof v !== 'number') continue;
        n++;
        acc += v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (n === 0) return undefined;
      return fn === 'avg' ? acc / n : fn === 'sum' ? acc : fn === 'min' ? min : max;
    }
  }
}

/** The value of a (possibly derived) field over the selected records; undefined when it does not exist. */
export function derive(entity: EntityName, ref: FieldRef, records: readonly EntityRecord[]): unknown {
  return measure(ref, ref.kind === 'plain' ? fieldType(entity, ref.field) : 'number', records);
}

/* ------------------------------------------------------------------ plans */

const ALL_OF = 0;
const ANY_OF = 1;
const NOT = 2;
/** count and exists: how many selected records (within the window, if any) compared with a number. */
const COUNT = 3;
const VALUE = 4;
const TIME_SINCE = 5;

/** A condition as data, of one shape whatever its kind; what is not used by its kind is empty. */
export class Plan {
  /** all_of / any_of: the children time cannot change, then the others (see `probe`). */
  readonly untimed: readonly Plan[];
  readonly timed: readonly Plan[];
  /** Whether time alone can change the result. */
  readonly isTimed: boolean;
  constructor(
    readonly kind: number,
    /** all_of / any_of: the children; not: its one child. */
    readonly kids: readonly Plan[],
    readonly selection: Selection | null,
    /** value: the field compared; time_since: the time measured from. */
    readonly measure: Measure | null,
    readonly compare: Comparison | null,
    /** count / exists: the window (-1 for none); time_since: the duration. */
    readonly span: number,
  ) {
    this.untimed = kids.filter((k) => !k.isTimed);
    this.timed = kids.filter((k) => k.isTimed);
    this.isTimed = kind === TIME_SINCE || (kind === COUNT && span >= 0) || this.timed.length > 0;
  }
}

/** time_since: the instant measured from, the latest time or first-seen when there are no records. */
function since(p: Plan, ctx: ParticipantContext, pass: number | undefined): number | undefined {
  if (p.selection!.select(ctx, pass).length === 0) return ctx.firstSeenAt ?? undefined;
  return p.measure!.of(ctx, pass) as number | undefined;
}

/** count / exists: how many selected records are within the window at `now`. */
function counted(p: Plan, ctx: ParticipantContext, now: number, pass: number | undefined): number {
  const rs = p.selection!.select(ctx, pass);
  if (p.span < 0) return rs.length;
  let n = 0;
  for (let i = 0; i < rs.length; i++) if (rs[i].occurredAt > now - p.span) n++;
  return n;
}

function holds(p: Plan, ctx: ParticipantContext, now: number, pass: number | undefined): boolean {
  switch (p.kind) {
    case ALL_OF:
      for (let i = 0; i < p.kids.length; i++) if (!holds(p.kids[i], ctx, now, pass)) return false;
      return true;
    case ANY_OF:
      for (let i = 0; i < p.kids.length; i++) if (holds(p.kids[i], ctx, now, pass)) return true;
      return false;
    case NOT:
      return !holds(p.kids[0], ctx, now, pass);
    case COUNT:
      return p.compare!.holds(counted(p, ctx, now, pass));
    case VALUE:
      return p.compare!.holds(p.measure!.of(ctx, pass));
    default: {
      const t = since(p, ctx, pass);
      return t !== undefined && now - t >= p.span;
    }
  }
}

/** The earliest instant after `now` at which time alone could change the result (Infinity if never). */
function nextOf(p: Plan, ctx: ParticipantContext, now: number, pass: number | undefined): number {
  switch (p.kind) {
    case ALL_OF:
    case ANY_OF:
    case NOT: {
      let soonest = Infinity;
      for (let i = 0; i < p.timed.length; i++) {
        const t = nextOf(p.timed[i], ctx, now, pass);
        if (t < soonest) soonest = t;
      }
      return soonest;
    }
    case COUNT: {
      if (p.span < 0) return Infinity;
      let soonest = Infinity;
      for (const r of p.selection!.select(ctx, pass))
        if (r.occurredAt > now - p.span && r.occurredAt + p.span < soonest) soonest = r.occurredAt + p.span;
      return soonest;
    }
    case VALUE:
      return Infinity;
    default: {
      const t = since(p, ctx, pass);
      return t !== undefined && t + p.span > now ? t + p.span : Infinity;
    }
  }
}

/**
 * The result, and in `due.at` an instant no later than the first at which time alone changes it.
 *
 * all_of / any_of ask their untimed children first: one that decides the result (false for all_of,
 * true for any_of) decides it for good, so time cannot change it. Then the timed children, until
 * one decides: the result cannot change before that child does, so the child's due instant bounds
 * it. When none decides, the result changes with the first child that does: the earliest of theirs.
 */
export function probe(p: Plan, ctx: ParticipantContext, now: number, pass: number | undefined, due: Due): boolean {
  switch (p.kind) {
    case ALL_OF:
    case ANY_OF: {
      const decisive = p.kind === ANY_OF;
      for (let i = 0; i < p.untimed.length; i++)
        if (holds(p.untimed[i], ctx, now, pass) === decisive) {
          due.at = Infinity;
          return decisive;
        }
      let soonest = Infinity;
      for (let i = 0; i < p.timed.length; i++) {
        if (probe(p.timed[i], ctx, now, pass, due) === decisive) return decisive;
        if (due.at < soonest) soonest = due.at;
      }
      due.at = soonest;
      return !decisive;
    }
    case NOT:
      return !probe(p.kids[0], ctx, now, pass, due);
    case COUNT: {
      if (p.span < 0) {
        due.at = Infinity;
        return p.compare!.holds(p.selection!.select(ctx, pass).length);
      }
      // the records counted, and the first of them to leave the window, in one walk
      const rs = p.selection!.select(ctx, pass);
      let n = 0;
      let soonest = Infinity;
      for (let i = 0; i < rs.length; i++) {
        const at = rs[i].occurredAt;
        if (at > now - p.span) {
          n++;
          if (at + p.span < soonest) soonest = at + p.span;
        }
      }
      due.at = soonest;
      return p.compare!.holds(n);
    }
    case VALUE:
      due.at = Infinity;
      return p.compare!.holds(p.measure!.of(ctx, pass));
    default: {
      const t = since(p, ctx, pass);
      if (t === undefined) {
        due.at = Infinity;
        return false;
      }
      due.at = t + p.span > now ? t + p.span : Infinity;
      return now - t >= p.span;
    }
  }
}

const iso = (t: number) => new Date(t).toISOString();
const show = (v: unknown, type: FieldSpec['type']) => (v === undefined ? null : type === 'timestamp' && typeof v === 'number' ? iso(v) : v);

/** Steps of the walk in `firstTrue`: each is one instant where the condition could change. */
const MAX_STEPS = 1_000;

/** The first instant after `now` at which `p` holds by time alone (walking its `next` instants); null if never. */
function firstTrue(p: Plan, ctx: ParticipantContext, now: number): number | null {
  let t = now;
  for (let i = 0; i < MAX_STEPS; i++) {
    t = nextOf(p, ctx, t, undefined);
    if (!Number.isFinite(t)) return null;
    if (holds(p, ctx, t, undefined)) return t;
  }
  return null;
}

type Explain = CompiledCondition['explain'];

/** The methods that walk a plan. */
function methods(plan: Plan): Omit<CompiledCondition, 'explain'> {
  return {
    test: (ctx, now, pass) => holds(plan, ctx, now, pass),
    next: (ctx, now, pass) => nextOf(plan, ctx, now, pass),
    probe: (ctx, now, pass, due) => probe(plan, ctx, now, pass, due),
    timed: plan.isTimed,
    plan,
  };
}

/** all_of (`all`) or any_of over compiled conditions, without `explain`. A rule is the all_of of its conditions. */
export function combine(kids: readonly CompiledCondition[], all: boolean): Omit<CompiledCondition, 'explain'> {
  return methods(
    new Plan(
      all ? ALL_OF : ANY_OF,
      kids.map((k) => k.plan),
      null,
      null,
      null,
      -1,
    ),
  );
}

/** Every false condition that time alone will make true says when: windows emptying, nested ones too. */
export function compileCondition(c: Condition): CompiledCondition {
  const { plan, explain } = compileOne(c);
  return {
    ...methods(plan),
    explain(ctx, now, path) {
      const trace = explain(ctx, now, path);
      if (!trace.result && trace.becomesTrueAt === undefined) {
        const at = firstTrue(plan, ctx, now);
        if (at !== null) trace.becomesTrueAt = iso(at);
      }
      return trace;
    },
  };
}

function compileOne(c: Condition): { plan: Plan; explain: Explain } {
  switch (c.type) {
    case 'all_of':
    case 'any_of': {
      const kids = c.conditions.map(compileCondition);
      const all = c.type === 'all_of';
      return {
        plan: new Plan(
          all ? ALL_OF : ANY_OF,
          kids.map((k) => k.plan),
          null,
          null,
          null,
          -1,
        ),
        explain(ctx, now, path) {
          const conditions = kids.map((k, i) => k.explain(ctx, now, `${path}.conditions[${i}]`));
          const held = conditions.filter((t) => t.result).length;
          const result = all ? held === kids.length : held > 0;
          return {
            path,
            type: c.type,
            actual: `${held} of ${kids.length} hold`,
            expected: all ? 'all hold' : 'at least one holds',
            result,
            conditions,
          };
        },
      };
    }
    case 'not': {
      const kid = compileCondition(c.condition);
      return {
        plan: new Plan(NOT, [kid.plan], null, null, null, -1),
        explain(ctx, now, path) {
          const inner = kid.explain(ctx, now, `${path}.condition`);
          return { path, type: 'not', actual: inner.result, expected: false, result: !inner.result, conditions: [inner] };
        },
      };
    }
    case 'count':
    case 'exists': {
      const { selection, label } = selector(c, true);
      const window = c.within ? parseDuration(c.within) : null;
      const isCount = c.type === 'count';
      const compare = isCount ? new Comparison(c.count, c.count_value, 'number') : new Comparison('>=', 1, 'number');
      const plan = new Plan(COUNT, [], selection, null, compare, window ?? -1);
      return {
        plan,
        explain(ctx, now, path) {
          const n = counted(plan, ctx, now, undefined);
          const result = compare.holds(n);
          const expected = isCount ? `${c.count} ${c.count_value}` : '>= 1';
          const trace: ConditionTrace = { path, type: c.type, entity: c.entity, field: 'count', actual: n, expected, result };
          if (!result) {
            const target = isCount ? needed(c.count, c.count_value) : 1;
            if (target !== null && target > n) trace.needs = `${target - n} more ${label}${window ? ` within ${c.within}` : ''}`;
            else if (target !== null && target < n) trace.needs = `${n - target} fewer ${label}${window ? ` within ${c.within}` : ''}`;
          }
          return trace;
        },
      };
    }
    case 'value': {
      const { selection } = selector(c, false);
      const ref = parseFieldRef(c.entity, c.field) as FieldRef;
      const type = ref.kind === 'plain' ? fieldType(c.entity, ref.field) : ref.kind === 'last_activity' ? 'timestamp' : 'number';
      const compare = new Comparison(c.operator, c.value, type);
      const value = selection.measure(c.field);
      return {
        plan: new Plan(VALUE, [], selection, value, compare, -1),
        explain(ctx, _now, path) {
          const actual = value.of(ctx);
          return {
            path,
            type: 'value',
            entity: c.entity,
            field: c.field,
            actual: show(actual, type),
            expected: `${c.operator} ${JSON.stringify(c.value)}`,
            result: compare.holds(actual),
          };
        },
      };
    }
    case 'time_since': {
      const { selection } = selector(c, false);
      const field = c.field ?? 'last_activity';
      const duration = parseDuration(c.duration);
      const plan = new Plan(TIME_SINCE, [], selection, selection.measure(field), null, duration);
      return {
        plan,
        explain(ctx, now, path) {
          const t = since(plan, ctx, undefined);
          const result = t !== undefined && now - t >= duration;
          const trace: ConditionTrace = {
            path,
            type: 'time_since',
            entity: c.entity,
            field,
            actual: t === undefined ? null : iso(t),
            expected: `>= ${c.duration} ago`,
            result,
          };
          if (!result && t !== undefined) trace.becomesTrueAt = iso(t + duration);
          return trace;
        },
      };
    }
  }
}

/** The smallest count that satisfies `count op value`, for "needs N more"; null when not a lower bound. */
function needed(op: Operator, value: number): number | null {
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
    default:
      return null;
  }
}
