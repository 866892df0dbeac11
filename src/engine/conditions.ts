/**
 * Conditions compiled to closures: evaluated against a participant context at a given `now`,
 * able to say when time alone would change their result, and to explain themselves.
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
   * than `next`, often later: only what can turn the result is asked (see `combine`).
   */
  probe(ctx: ParticipantContext, now: number, pass: number | undefined, due: Due): boolean;
  explain(ctx: ParticipantContext, now: number, path: string): ConditionTrace;
  /** False when time alone never changes the result (`next` is always Infinity), so evaluation need not ask. */
  timed: boolean;
}

/** Where `probe` leaves its due instant: one object per evaluation, overwritten by every probe. */
export interface Due {
  at: number;
}

type Predicate = (r: EntityRecord) => boolean;
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

export function comparator(op: Operator, expected: Scalar | Scalar[], type: FieldSpec['type']): (actual: unknown) => boolean {
  const list = (Array.isArray(expected) ? expected : [expected]).map((e) => normalise(e, type));
  const e = list[0] as number | string | boolean;
  switch (op) {
    case '=':
    case '==':
      return (a) => a !== undefined && a === e;
    case '!=':
      return (a) => a !== undefined && a !== e;
    case '>':
      return (a) => a !== undefined && (a as number) > (e as number);
    case '>=':
      return (a) => a !== undefined && (a as number) >= (e as number);
    case '<':
      return (a) => a !== undefined && (a as number) < (e as number);
    case '<=':
      return (a) => a !== undefined && (a as number) <= (e as number);
    case 'in':
      return (a) => a !== undefined && list.includes(a);
    case 'not_in':
      return (a) => a !== undefined && !list.includes(a);
  }
}

function fieldType(entity: EntityName, field: string): FieldSpec['type'] {
  return (ENTITIES[entity].fields as Record<string, FieldSpec>)[field]?.type ?? 'string';
}

function fieldValue(r: EntityRecord, field: string): unknown {
  return field === 'occurred_at' ? r.occurredAt : r.fields[field];
}

/** One filter as a record test, its field's type settled once: only times need parsing per record. */
function filterTest(entity: EntityName, f: Filter): Predicate {
  const type = fieldType(entity, f.field);
  const cmp = comparator(f.operator ?? '=', f.value, type);
  const field = f.field;
  if (field === 'occurred_at') return (r) => cmp(r.occurredAt);
  if (type === 'timestamp') return (r) => cmp(normalise(r.fields[field], type));
  return (r) => {
    const v = r.fields[field];
    return v !== null && cmp(v);
  };
}

function filterPredicate(entity: EntityName, filters: Filter[]): Predicate | null {
  if (filters.length === 0) return null;
  const tests = filters.map((f) => filterTest(entity, f));
  if (tests.length === 1) return tests[0];
  if (tests.length === 2) {
    const [a, b] = tests;
    return (r) => a(r) && b(r);
  }
  return (r) => {
    for (const t of tests) if (!t(r)) return false;
    return true;
  };
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
    private readonly pred: Predicate | null,
  ) {}

  /** A (possibly derived) field over this selection, shared by every condition that reads it. */
  measure(field: string): Measure {
    let m = this.measures.get(field);
    if (!m) {
      m = new Measure(this, deriver(this.entity, parseFieldRef(this.entity, field) as FieldRef));
      this.measures.set(field, m);
    }
    return m;
  }

  select(ctx: ParticipantContext, pass?: number): readonly EntityRecord[] {
    if (pass !== undefined && pass === this.pass) return this.result;
    const all = ctx.entities[this.entity] ?? EMPTY;
    const pred = this.pred;
    let out = all;
    if (pred !== null && all.length > 0) {
      const kept: EntityRecord[] = [];
      for (const r of all) if (pred(r)) kept.push(r);
      out = kept;
    }
    if (pass !== undefined) {
      this.pass = pass;
      this.result = out;
    }
    return out;
  }
}

/** A field's value over a selection, computed once per pass. */
class Measure {
  private pass = 0;
  private value: unknown;
  constructor(
    readonly selection: Selection,
    private readonly derive: Deriver,
  ) {}

  of(ctx: ParticipantContext, pass?: number): unknown {
    if (pass !== undefined && pass === this.pass) return this.value;
    const v = this.derive(this.selection.select(ctx, pass));
    if (pass !== undefined) {
      this.pass = pass;
      this.value = v;
    }
    return v;
  }
}

/** Selections by entity and filters. Bounded: past the bound, new conditions get selections of their own. */
const selections = new Map<string, Selection>();
const MAX_SHARED_SELECTIONS = 10_000;

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
    selection = new Selection(c.entity, filterPredicate(c.entity, filters));
    if (selections.size < MAX_SHARED_SELECTIONS) selections.set(key, selection);
  }
  return { selection, label: filters.length ? `${c.entity} where ${describeFilters(filters)}` : c.entity };
}

function latest(records: readonly EntityRecord[]): EntityRecord | undefined {
  let best: EntityRecord | undefined;
  for (const r of records) if (!best || r.occurredAt > best.occurredAt || (r.occurredAt === best.occurredAt && r.key > best.key)) best = r;
  return best;
}

type Deriver = (records: readonly EntityRecord[]) => unknown;

const countOf: Deriver = (records) => records.length;
const lastActivity: Deriver = (records) => {
  let max: number | undefined;
  for (const r of records) if (max === undefined || r.occurredAt > max) max = r.occurredAt;
  return max;
};

/** A (possibly derived) field as a function of the selected records, its kind and type settled once. */
function deriver(entity: EntityName, ref: FieldRef): Deriver {
  switch (ref.kind) {
    case 'count':
      return countOf;
    case 'last_activity':
      return lastActivity;
    case 'plain': {
      const { field } = ref;
      const type = fieldType(entity, field);
      return (records) => {
        const r = latest(records);
        return r ? normalise(fieldValue(r, field), type) : undefined;
      };
    }
    case 'aggregate': {
      const { field, fn } = ref;
      return (records) => {
        let n = 0;
        let acc = 0;
        let min = Infinity;
        let max = -Infinity;
        for (const r of records) {
          const v = r.fields[field];
          if (typeof v !== 'number') continue;
          n++;
          acc += v;
          if (v < min) min = v;
          if (v > max) max = v;
        }
        if (n === 0) return undefined;
        return fn === 'avg' ? acc / n : fn === 'sum' ? acc : fn === 'min' ? min : max;
      };
    }
  }
}

/** The value of a (possibly derived) field over the selected records; undefined when it does not exist. */
export function derive(entity: EntityName, ref: FieldRef, records: readonly EntityRecord[]): unknown {
  return deriver(entity, ref)(records);
}

const iso = (t: number) => new Date(t).toISOString();
const show = (v: unknown, type: FieldSpec['type']) => (v === undefined ? null : type === 'timestamp' && typeof v === 'number' ? iso(v) : v);

/** Steps of the walk in `firstTrue`: each is one instant where the condition could change. */
const MAX_STEPS = 1_000;

/** The first instant after `now` at which `c` holds by time alone (walking its `next` instants); null if never. */
function firstTrue(c: CompiledCondition, ctx: ParticipantContext, now: number): number | null {
  let t = now;
  for (let i = 0; i < MAX_STEPS; i++) {
    t = c.next(ctx, t);
    if (!Number.isFinite(t)) return null;
    if (c.test(ctx, t)) return t;
  }
  return null;
}

/** Every false condition that time alone will make true says when: windows emptying, nested ones too. */
export function compileCondition(c: Condition): CompiledCondition {
  const compiled = compileOne(c);
  return {
    ...compiled,
    explain(ctx, now, path) {
      const trace = compiled.explain(ctx, now, path);
      if (!trace.result && trace.becomesTrueAt === undefined) {
        const at = firstTrue(compiled, ctx, now);
        if (at !== null) trace.becomesTrueAt = iso(at);
      }
      return trace;
    },
  };
}

/**
 * all_of (`all`) or any_of over compiled children, without `explain`. A rule is the all_of of its conditions.
 *
 * `probe` asks the untimed children first: one that decides the result (false for all_of, true for
 * any_of) decides it for good, so time cannot change it. Then the timed children, until one
 * decides: the result cannot change before that child does, so the child's due instant bounds it.
 * When none decides, the result changes with the first child that does: the earliest of theirs.
 */
export function combine(kids: readonly CompiledCondition[], all: boolean): Omit<CompiledCondition, 'explain'> {
  const untimed = kids.filter((k) => !k.timed);
  const timed = kids.filter((k) => k.timed);
  const decisive = !all;
  return {
    test: all
      ? (ctx, now, pass) => {
          for (const k of kids) if (!k.test(ctx, now, pass)) return false;
          return true;
        }
      : (ctx, now, pass) => {
          for (const k of kids) if (k.test(ctx, now, pass)) return true;
          return false;
        },
    next(ctx, now, pass) {
      let soonest = Infinity;
      for (const k of timed) {
        const t = k.next(ctx, now, pass);
        if (t < soonest) soonest = t;
      }
      return soonest;
    },
    probe(ctx, now, pass, due) {
      for (let i = 0; i < untimed.length; i++)
        if (untimed[i].test(ctx, now, pass) === decisive) {
          due.at = Infinity;
          return decisive;
        }
      let soonest = Infinity;
      for (let i = 0; i < timed.length; i++) {
        if (timed[i].probe(ctx, now, pass, due) === decisive) return decisive;
        if (due.at < soonest) soonest = due.at;
      }
      due.at = soonest;
      return !decisive;
    },
    timed: timed.length > 0,
  };
}

function compileOne(c: Condition): CompiledCondition {
  switch (c.type) {
    case 'all_of':
    case 'any_of': {
      const kids = c.conditions.map(compileCondition);
      const all = c.type === 'all_of';
      return {
        ...combine(kids, all),
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
        test: (ctx, now, pass) => !kid.test(ctx, now, pass),
        next: (ctx, now, pass) => kid.next(ctx, now, pass),
        probe: (ctx, now, pass, due) => !kid.probe(ctx, now, pass, due),
        timed: kid.timed,
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
      const cmp = isCount ? comparator(c.count, c.count_value, 'number') : (n: unknown) => (n as number) >= 1;
      const counted = (ctx: ParticipantContext, now: number) => {
        const rs = selection.select(ctx);
        return window === null ? rs : rs.filter((r) => r.occurredAt > now - window);
      };
      return {
        test(ctx, now, pass) {
          const rs = selection.select(ctx, pass);
          if (window === null) return cmp(rs.length);
          let n = 0;
          for (const r of rs) if (r.occurredAt > now - window) n++;
          return cmp(n);
        },
        next(ctx, now, pass) {
          if (window === null) return Infinity;
          let soonest = Infinity;
          for (const r of selection.select(ctx, pass))
            if (r.occurredAt > now - window && r.occurredAt + window < soonest) soonest = r.occurredAt + window;
          return soonest;
        },
        probe(ctx, now, pass, due) {
          const rs = selection.select(ctx, pass);
          if (window === null) {
            due.at = Infinity;
            return cmp(rs.length);
          }
          // test and next in one walk: the records counted, and the first of them to leave the window
          let n = 0;
          let soonest = Infinity;
          for (let i = 0; i < rs.length; i++) {
            const at = rs[i].occurredAt;
            if (at > now - window) {
              n++;
              if (at + window < soonest) soonest = at + window;
            }
          }
          due.at = soonest;
          return cmp(n);
        },
        timed: window !== null,
        explain(ctx, now, path) {
          const n = counted(ctx, now).length;
          const result = cmp(n);
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
      const cmp = comparator(c.operator, c.value, type);
      const value = selection.measure(c.field);
      return {
        test: (ctx, _now, pass) => cmp(value.of(ctx, pass)),
        next: () => Infinity,
        probe(ctx, _now, pass, due) {
          due.at = Infinity;
          return cmp(value.of(ctx, pass));
        },
        timed: false,
        explain(ctx, _now, path) {
          const actual = value.of(ctx);
          return {
            path,
            type: 'value',
            entity: c.entity,
            field: c.field,
            actual: show(actual, type),
            expected: `${c.operator} ${JSON.stringify(c.value)}`,
            result: cmp(actual),
          };
        },
      };
    }
    case 'time_since': {
      const { selection } = selector(c, false);
      const field = c.field ?? 'last_activity';
      const duration = parseDuration(c.duration);
      const latestTime = selection.measure(field);
      /** The instant measured from: the latest time, or first-seen when there are no records. */
      const since = (ctx: ParticipantContext, pass?: number): number | undefined => {
        if (selection.select(ctx, pass).length === 0) return ctx.firstSeenAt ?? undefined;
        return latestTime.of(ctx, pass) as number | undefined;
      };
      return {
        test(ctx, now, pass) {
          const t = since(ctx, pass);
          return t !== undefined && now - t >= duration;
        },
        next(ctx, now, pass) {
          const t = since(ctx, pass);
          return t !== undefined && t + duration > now ? t + duration : Infinity;
        },
        probe(ctx, now, pass, due) {
          const t = since(ctx, pass);
          if (t === undefined) {
            due.at = Infinity;
            return false;
          }
          due.at = t + duration > now ? t + duration : Infinity;
          return now - t >= duration;
        },
        timed: true,
        explain(ctx, now, path) {
          const t = since(ctx);
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
