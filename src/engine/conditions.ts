/**
 * Conditions compiled to programs: evaluated against a participant context at a given `now`,
 * able to say when time alone would change their result, and to explain themselves.
 *
 * A program is data (`Program`, with `Selection`, `Measure`, `Comparison`), walked by a few
 * functions (`holds`, `nextOf`, `probe`). Evaluation then calls the same handful of functions for
 * every rule, which the JIT optimises as one, rather than a closure per condition, operator and
 * filter; and it reads a few flat arrays rather than an object per condition.
 *
 * Within a pass (see `newPass`), each field of an entity's records is read once (`Column`), each
 * selection of records filtered once (`Selection`) and each measure over one computed once
 * (`Measure`), shared by every condition that needs them.
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
  /** What `actual` is when it is not what the condition names (time_since over no records: the first known event). */
  note?: string;
  conditions?: ConditionTrace[];
  /** In a compact trace (see explanation.ts): how many of `conditions` are not shown. */
  omitted?: number;
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
  /** The node's own trace, without its children's: what `explain` says of it, minus `conditions`. */
  head(ctx: ParticipantContext, now: number, path: string): ConditionTrace;
  /** all_of / any_of / not: the children, and the path of the i-th under its parent's path. */
  children: readonly CompiledCondition[];
  childPath(path: string, i: number): string;
  /** False when time alone never changes the result (`next` is always Infinity), so evaluation need not ask. */
  timed: boolean;
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

/** A field of the entity's catalog (an own entry: `constructor` is no field). */
function fieldSpec(entity: EntityName, field: string): FieldSpec | undefined {
  const fields = ENTITIES[entity].fields as Record<string, FieldSpec>;
  return Object.hasOwn(fields, field) ? fields[field] : undefined;
}

function fieldType(entity: EntityName, field: string): FieldSpec['type'] {
  return fieldSpec(entity, field)?.type ?? 'string';
}

/** Bound on the shared selections and columns: past it, new conditions get their own. */
const MAX_SHARED_SELECTIONS = 10_000;

/**
 * One field of one entity's records, read once per pass for every filter and measure on it:
 * reading a field by name is most of what filtering and aggregating cost. Times are parsed with it
 * (`time`), for filters that compare them.
 */
class Column {
  private pass = 0;
  private readonly values: unknown[] = [];
  /** A field outside the catalog may be named like a built-in property of objects: only an own one is read. */
  private readonly ownOnly: boolean;
  constructor(
    entity: EntityName,
    private readonly field: string,
    private readonly time: boolean,
  ) {
    this.ownOnly = fieldSpec(entity, field) === undefined;
  }

  read(r: EntityRecord): unknown {
    const v = this.ownOnly && !Object.hasOwn(r.fields, this.field) ? undefined : r.fields[this.field];
    return this.time ? normalise(v, 'timestamp') : v;
  }

  /** The field on the i-th of `records`, the entity's records in the pass's context (each read once per pass). */
  at(records: readonly EntityRecord[], i: number, pass: number | undefined): unknown {
    if (pass === undefined) return this.read(records[i]);
    if (pass !== this.pass) {
      // one array for every pass: only the first records.length values are this pass's
      for (let k = 0; k < records.length; k++) this.values[k] = this.read(records[k]);
      this.pass = pass;
    }
    return this.values[i];
  }
}

/** Columns by entity, field and whether times are parsed. Bounded like selections. */
const columns = new Map<string, Column>();

function column(entity: EntityName, field: string, time: boolean): Column {
  const key = `${entity}\u0000${field}\u0000${time}`;
  let c = columns.get(key);
  if (!c) {
    c = new Column(entity, field, time);
    if (columns.size < MAX_SHARED_SELECTIONS) columns.set(key, c);
  }
  return c;
}

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
    if (f.field !== 'occurred_at') this.column = column(entity, f.field, !this.plain);
  }

  /** Whether the i-th of the entity's records passes. */
  passes(all: readonly EntityRecord[], i: number, pass: number | undefined): boolean {
    if (this.column === null) return this.compare.holds(all[i].occurredAt);
    const v = this.column.at(all, i, pass);
    return this.plain ? v !== null && this.compare.holds(v) : this.compare.holds(v);
  }
}

function describeFilters(filters: Filter[]): string {
  return filters.map((f) => `${f.field} ${f.operator ?? '='} ${JSON.stringify(f.value)}`).join(' and ');
}

/**
 * A filtered selection of one entity's records, shared by every condition with the same entity and
 * filters. `select` says how many records are selected; then `all` holds the entity's records and
 * `picked` which of them are selected, by index (null: all of them; otherwise its first `count`).
 */
class Selection {
  private pass = 0;
  private count = 0;
  all: readonly EntityRecord[] = EMPTY;
  picked: readonly number[] | null = null;
  private readonly indices: number[] = [];
  private readonly measures = new Map<string, Measure>();
  constructor(
    readonly entity: EntityName,
    private readonly filters: readonly RecordFilter[],
  ) {}

  /** A (possibly derived) field over this selection, shared by every condition that reads it. */
  measure(field: string): Measure {
    let m = this.measures.get(field);
    if (!m) {
      m = new Measure(this, parseFieldRef(this.entity, field) as FieldRef);
      this.measures.set(field, m);
    }
    return m;
  }

  /** Selects the context's records, once per pass (without a pass, afresh and kept for none); how many. */
  select(ctx: ParticipantContext, pass?: number): number {
    if (pass !== undefined && pass === this.pass) return this.count;
    const all = ctx.entities[this.entity] ?? EMPTY;
    const filters = this.filters;
    let count = all.length;
    this.picked = null;
    if (filters.length > 0 && count > 0) {
      // one array for every selecting: only the first `count` indices are this one's
      const picked = this.indices;
      count = 0;
      for (let i = 0; i < all.length; i++) {
        let j = 0;
        while (j < filters.length && filters[j].passes(all, i, pass)) j++;
        if (j === filters.length) picked[count++] = i;
      }
      this.picked = picked;
    }
    this.pass = pass ?? 0;
    this.all = all;
    this.count = count;
    return count;
  }

  /** The index in `all` of the k-th selected record. */
  index(k: number): number {
    return this.picked === null ? k : this.picked[k];
  }
}

/** A (possibly derived) field's value over a selection, computed once per pass. */
class Measure {
  private pass = 0;
  private value: unknown;
  private readonly type: FieldSpec['type'];
  /** plain / aggregate: the field's column (raw values). */
  private readonly column: Column | null;
  constructor(
    readonly selection: Selection,
    private readonly ref: FieldRef,
  ) {
    const entity = selection.entity;
    this.type = ref.kind === 'plain' ? fieldType(entity, ref.field) : 'number';
    this.column =
      (ref.kind === 'plain' || ref.kind === 'aggregate') && ref.field !== 'occurred_at' ? column(entity, ref.field, false) : null;
  }

  of(ctx: ParticipantContext, pass?: number): unknown {
    if (pass !== undefined && pass === this.pass) return this.value;
    const v = this.compute(this.selection.select(ctx, pass), pass);
    if (pass !== undefined) {
      this.pass = pass;
      this.value = v;
    }
    return v;
  }

  /** Over the `count` records just selected. */
  private compute(count: number, pass: number | undefined): unknown {
    const { all } = this.selection;
    const sel = this.selection;
    const ref = this.ref;
    switch (ref.kind) {
      case 'count':
        return count;
      case 'last_activity': {
        let max: number | undefined;
        for (let k = 0; k < count; k++) {
          const t = all[sel.index(k)].occurredAt;
          if (max === undefined || t > max) max = t;
        }
        return max;
      }
      case 'plain': {
        // the latest record (ties: the greatest key)
        let best = -1;
        for (let k = 0; k < count; k++) {
          const i = sel.index(k);
          if (
            best < 0 ||
            all[i].occurredAt > all[best].occurredAt ||
            (all[i].occurredAt === all[best].occurredAt && all[i].key > all[best].key)
          )
            best = i;
        }
        if (best < 0) return undefined;
        return normalise(this.column === null ? all[best].occurredAt : this.column.at(all, best, pass), this.type);
      }
      case 'aggregate': {
        let n = 0;
        let acc = 0;
        let min = Infinity;
        let max = -Infinity;
        for (let k = 0; k < count; k++) {
          const v = this.column!.at(all, sel.index(k), pass);
          if (typeof v !== 'number') continue;
          n++;
          acc += v;
          if (v < min) min = v;
          if (v > max) max = v;
        }
        if (n === 0) return undefined;
        const fn = ref.fn;
        return fn === 'avg' ? acc / n : fn === 'sum' ? acc : fn === 'min' ? min : max;
      }
    }
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

/** The value of a (possibly derived) field over the records; undefined when it does not exist. */
export function derive(entity: EntityName, ref: FieldRef, records: readonly EntityRecord[]): unknown {
  return new Measure(new Selection(entity, []), ref).of({ userId: '', firstSeenAt: null, entities: { [entity]: records } });
}

/* ------------------------------------------------------------------ programs */

const ALL_OF = 0;
const ANY_OF = 1;
const NOT = 2;
/** count and exists: how many selected records (within the window, if any) compared with a number. */
const COUNT = 3;
const VALUE = 4;
const TIME_SINCE = 5;

/**
 * Conditions as a program: numbered nodes whose kind, children and operands are kept in flat
 * arrays, walked by `holds`, `nextOf` and `probe`. A rule set puts all its rules in one program, so
 * evaluation reads a few contiguous arrays where it used to chase an object, a list and a
 * comparison per condition (which was most of what walking the rules cost).
 */
export class Program {
  constructor(
    readonly kind: Uint8Array,
    /** all_of / any_of / not: where the node's children start in `kids`. */
    readonly first: Int32Array,
    /** all_of / any_of / not: how many children there are, those time cannot change first (see `probe`). */
    readonly count: Int32Array,
    /** all_of / any_of / not: how many of the children time cannot change. */
    readonly untimed: Int32Array,
    /** Whether time alone can change the node's result (1) or not (0). */
    readonly timed: Uint8Array,
    /** count / exists: the window (-1 for none); time_since: the duration. */
    readonly span: Float64Array,
    readonly kids: Int32Array,
    readonly selection: readonly (Selection | null)[],
    /** value: the field compared; time_since: the time measured from. */
    readonly measure: readonly (Measure | null)[],
    /** count / exists / value: the comparison. */
    readonly compare: readonly (Comparison | null)[],
  ) {}
}

/** A program being built, node by node: children before their parent. */
class ProgramBuilder {
  private readonly kind: number[] = [];
  private readonly first: number[] = [];
  private readonly count: number[] = [];
  private readonly untimed: number[] = [];
  private readonly timed: number[] = [];
  private readonly span: number[] = [];
  private readonly kids: number[] = [];
  private readonly selection: (Selection | null)[] = [];
  private readonly measure: (Measure | null)[] = [];
  private readonly compare: (Comparison | null)[] = [];

  private node(
    kind: number,
    timed: boolean,
    span: number,
    selection: Selection | null,
    measure: Measure | null,
    compare: Comparison | null,
  ) {
    this.kind.push(kind);
    this.timed.push(timed ? 1 : 0);
    this.span.push(span);
    this.selection.push(selection);
    this.measure.push(measure);
    this.compare.push(compare);
    this.first.push(this.kids.length);
    this.count.push(0);
    this.untimed.push(0);
    return this.kind.length - 1;
  }

  leaf(kind: number, selection: Selection, measure: Measure | null, compare: Comparison | null, span: number): number {
    return this.node(kind, kind === TIME_SINCE || (kind === COUNT && span >= 0), span, selection, measure, compare);
  }

  /** all_of / any_of / not over nodes already added. */
  branch(kind: number, children: readonly number[]): number {
    const untimed = children.filter((k) => !this.isTimed(k));
    const n = this.node(kind, untimed.length < children.length, -1, null, null, null);
    this.kids.push(...untimed, ...children.filter((k) => this.isTimed(k)));
    this.count[n] = children.length;
    this.untimed[n] = untimed.length;
    return n;
  }

  isTimed(n: number): boolean {
    return this.timed[n] === 1;
  }

  build(): Program {
    return new Program(
      Uint8Array.from(this.kind),
      Int32Array.from(this.first),
      Int32Array.from(this.count),
      Int32Array.from(this.untimed),
      Uint8Array.from(this.timed),
      Float64Array.from(this.span),
      Int32Array.from(this.kids),
      this.selection,
      this.measure,
      this.compare,
    );
  }
}

/** time_since: the instant measured from, the latest time or first-seen when there are no records. */
function since(selection: Selection, latest: Measure, ctx: ParticipantContext, pass: number | undefined): number | undefined {
  if (selection.select(ctx, pass) === 0) return ctx.firstSeenAt ?? undefined;
  return latest.of(ctx, pass) as number | undefined;
}

/** count / exists: how many selected records are within the window (-1 for none) at `now`. */
function counted(selection: Selection, window: number, ctx: ParticipantContext, now: number, pass: number | undefined): number {
  const count = selection.select(ctx, pass);
  if (window < 0) return count;
  let n = 0;
  for (let k = 0; k < count; k++) if (selection.all[selection.index(k)].occurredAt > now - window) n++;
  return n;
}

function holds(g: Program, n: number, ctx: ParticipantContext, now: number, pass: number | undefined): boolean {
  switch (g.kind[n]) {
    case ALL_OF:
      for (let i = g.first[n], end = i + g.count[n]; i < end; i++) if (!holds(g, g.kids[i], ctx, now, pass)) return false;
      return true;
    case ANY_OF:
      for (let i = g.first[n], end = i + g.count[n]; i < end; i++) if (holds(g, g.kids[i], ctx, now, pass)) return true;
      return false;
    case NOT:
      return !holds(g, g.kids[g.first[n]], ctx, now, pass);
    case COUNT:
      return g.compare[n]!.holds(counted(g.selection[n]!, g.span[n], ctx, now, pass));
    case VALUE:
      return g.compare[n]!.holds(g.measure[n]!.of(ctx, pass));
    default: {
      const t = since(g.selection[n]!, g.measure[n]!, ctx, pass);
      return t !== undefined && now - t >= g.span[n];
    }
  }
}

/** The earliest instant after `now` at which time alone could change the result (Infinity if never). */
function nextOf(g: Program, n: number, ctx: ParticipantContext, now: number, pass: number | undefined): number {
  const span = g.span[n];
  switch (g.kind[n]) {
    case ALL_OF:
    case ANY_OF:
    case NOT: {
      let soonest = Infinity;
      for (let i = g.first[n] + g.untimed[n], end = g.first[n] + g.count[n]; i < end; i++) {
        const t = nextOf(g, g.kids[i], ctx, now, pass);
        if (t < soonest) soonest = t;
      }
      return soonest;
    }
    case COUNT: {
      if (span < 0) return Infinity;
      let soonest = Infinity;
      const selection = g.selection[n]!;
      const count = selection.select(ctx, pass);
      for (let k = 0; k < count; k++) {
        const at = selection.all[selection.index(k)].occurredAt;
        if (at > now - span && at + span < soonest) soonest = at + span;
      }
      return soonest;
    }
    case VALUE:
      return Infinity;
    default: {
      const t = since(g.selection[n]!, g.measure[n]!, ctx, pass);
      return t !== undefined && t + span > now ? t + span : Infinity;
    }
  }
}

/**
 * The result of node `n`, and in `due.at` an instant no later than the first at which time alone changes it.
 *
 * all_of / any_of ask their untimed children first: one that decides the result (false for all_of,
 * true for any_of) decides it for good, so time cannot change it. Then the timed children, until
 * one decides: the result cannot change before that child does, so the child's due instant bounds
 * it. When none decides, the result changes with the first child that does: the earliest of theirs.
 */
export function probe(g: Program, n: number, ctx: ParticipantContext, now: number, pass: number | undefined, due: Due): boolean {
  switch (g.kind[n]) {
    case ALL_OF:
    case ANY_OF: {
      const decisive = g.kind[n] === ANY_OF;
      const first = g.first[n];
      const timed = first + g.untimed[n];
      for (let i = first; i < timed; i++)
        if (holds(g, g.kids[i], ctx, now, pass) === decisive) {
          due.at = Infinity;
          return decisive;
        }
      let soonest = Infinity;
      for (let i = timed, end = first + g.count[n]; i < end; i++) {
        if (probe(g, g.kids[i], ctx, now, pass, due) === decisive) return decisive;
        if (due.at < soonest) soonest = due.at;
      }
      due.at = soonest;
      return !decisive;
    }
    case NOT:
      return !probe(g, g.kids[g.first[n]], ctx, now, pass, due);
    case COUNT: {
      const window = g.span[n];
      const selection = g.selection[n]!;
      const selected = selection.select(ctx, pass);
      if (window < 0) {
        due.at = Infinity;
        return g.compare[n]!.holds(selected);
      }
      // the records counted, and the first of them to leave the window, in one walk
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
      return g.compare[n]!.holds(count);
    }
    case VALUE:
      due.at = Infinity;
      return g.compare[n]!.holds(g.measure[n]!.of(ctx, pass));
    default: {
      const duration = g.span[n];
      const t = since(g.selection[n]!, g.measure[n]!, ctx, pass);
      if (t === undefined) {
        due.at = Infinity;
        return false;
      }
      due.at = t + duration > now ? t + duration : Infinity;
      return now - t >= duration;
    }
  }
}

const iso = (t: number) => new Date(t).toISOString();
const show = (v: unknown, type: FieldSpec['type']) => (v === undefined ? null : type === 'timestamp' && typeof v === 'number' ? iso(v) : v);

/** Steps of the walk in `firstTrue`: each is one instant where the condition could change. */
const MAX_STEPS = 1_000;

/** The first instant after `now` at which node `n` holds by time alone (walking its `next` instants); null if never. */
function firstTrue(g: Program, n: number, ctx: ParticipantContext, now: number): number | null {
  let t = now;
  for (let i = 0; i < MAX_STEPS; i++) {
    t = nextOf(g, n, ctx, t, undefined);
    if (!Number.isFinite(t)) return null;
    if (holds(g, n, ctx, t, undefined)) return t;
  }
  return null;
}

type Explain = CompiledCondition['explain'];
/** A condition's own parts, before the trace of a false one learns when time makes it true. */
interface Compiled {
  node: number;
  explain: Explain;
  head?: Explain;
  children?: readonly CompiledCondition[];
  childPath?: (path: string, i: number) => string;
}
/** The program a condition's node is in, known once the whole condition is built. */
type ProgramRef = { program?: Program };

/** Every false condition that time alone will make true says when: windows emptying, nested ones too. */
export function compileCondition(c: Condition): CompiledCondition {
  const builder = new ProgramBuilder();
  const ref: ProgramRef = {};
  const { compiled } = compileNode(c, builder, ref);
  ref.program = builder.build();
  return compiled;
}

/** Rules' conditions in one program, each rule as the all_of of its conditions: the program and each rule's node. */
export function compileRules(rules: readonly (readonly Condition[])[]): { program: Program; roots: number[] } {
  const builder = new ProgramBuilder();
  const ref: ProgramRef = {};
  const roots = rules.map((conditions) =>
    builder.branch(
      ALL_OF,
      conditions.map((c) => compileOne(c, builder, ref).node),
    ),
  );
  ref.program = builder.build();
  return { program: ref.program, roots };
}

/** A condition's node in the program being built, and the condition with its methods. */
function compileNode(c: Condition, builder: ProgramBuilder, ref: ProgramRef): { node: number; compiled: CompiledCondition } {
  const { node, explain, head = explain, children = [], childPath = noChild } = compileOne(c, builder, ref);
  const dated = (trace: ConditionTrace, ctx: ParticipantContext, now: number) => {
    if (!trace.result && trace.becomesTrueAt === undefined) {
      const at = firstTrue(ref.program!, node, ctx, now);
      if (at !== null) trace.becomesTrueAt = iso(at);
    }
    return trace;
  };
  const compiled: CompiledCondition = {
    test: (ctx, now, pass) => holds(ref.program!, node, ctx, now, pass),
    next: (ctx, now, pass) => nextOf(ref.program!, node, ctx, now, pass),
    probe: (ctx, now, pass, due) => probe(ref.program!, node, ctx, now, pass, due),
    timed: builder.isTimed(node),
    explain: (ctx, now, path) => dated(explain(ctx, now, path), ctx, now),
    head: (ctx, now, path) => dated(head(ctx, now, path), ctx, now),
    children,
    childPath,
  };
  return { node, compiled };
}

const noChild = (path: string) => path;

/** An all_of / any_of's own trace, from how many of its children hold. */
function groupTrace(path: string, type: 'all_of' | 'any_of', held: number, of: number): ConditionTrace {
  const all = type === 'all_of';
  return {
    path,
    type,
    actual: `${held} of ${of} hold`,
    expected: all ? 'all hold' : 'at least one holds',
    result: all ? held === of : held > 0,
  };
}

function compileOne(c: Condition, builder: ProgramBuilder, ref: ProgramRef): Compiled {
  switch (c.type) {
    case 'all_of':
    case 'any_of': {
      const kids = c.conditions.map((k) => compileNode(k, builder, ref));
      const children = kids.map((k) => k.compiled);
      const type = c.type;
      const childPath = (path: string, i: number) => `${path}.conditions[${i}]`;
      return {
        node: builder.branch(
          type === 'all_of' ? ALL_OF : ANY_OF,
          kids.map((k) => k.node),
        ),
        explain(ctx, now, path) {
          const conditions = children.map((k, i) => k.explain(ctx, now, childPath(path, i)));
          return { ...groupTrace(path, type, conditions.filter((t) => t.result).length, kids.length), conditions };
        },
        head: (ctx, now, path) => groupTrace(path, type, children.filter((k) => k.test(ctx, now)).length, kids.length),
        children,
        childPath,
      };
    }
    case 'not': {
      const kid = compileNode(c.condition, builder, ref);
      const childPath = (path: string) => `${path}.condition`;
      const own = (path: string, inner: boolean): ConditionTrace => ({ path, type: 'not', actual: inner, expected: false, result: !inner });
      return {
        node: builder.branch(NOT, [kid.node]),
        explain(ctx, now, path) {
          const inner = kid.compiled.explain(ctx, now, childPath(path));
          return { ...own(path, inner.result), conditions: [inner] };
        },
        head: (ctx, now, path) => own(path, kid.compiled.test(ctx, now)),
        children: [kid.compiled],
        childPath,
      };
    }
    case 'count':
    case 'exists': {
      const { selection, label } = selector(c, true);
      const window = c.within ? parseDuration(c.within) : null;
      const isCount = c.type === 'count';
      const compare = isCount ? new Comparison(c.count, c.count_value, 'number') : new Comparison('>=', 1, 'number');
      return {
        node: builder.leaf(COUNT, selection, null, compare, window ?? -1),
        explain(ctx, now, path) {
          const n = counted(selection, window ?? -1, ctx, now, undefined);
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
      const field = parseFieldRef(c.entity, c.field) as FieldRef;
      const type = field.kind === 'plain' ? fieldType(c.entity, field.field) : field.kind === 'last_activity' ? 'timestamp' : 'number';
      const compare = new Comparison(c.operator, c.value, type);
      const value = selection.measure(c.field);
      return {
        node: builder.leaf(VALUE, selection, value, compare, -1),
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
      const { selection, label } = selector(c, false);
      const field = c.field ?? 'last_activity';
      const duration = parseDuration(c.duration);
      const latest = selection.measure(field);
      return {
        node: builder.leaf(TIME_SINCE, selection, latest, null, duration),
        explain(ctx, now, path) {
          const t = since(selection, latest, ctx, undefined);
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
          if (selection.select(ctx) === 0)
            trace.note = ctx.firstSeenAt === null ? `no ${label} and no known event` : `no ${label}; measured from the first known event`;
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
