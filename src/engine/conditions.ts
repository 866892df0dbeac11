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

export interface CompiledCondition {
  test(ctx: ParticipantContext, now: number): boolean;
  /** The earliest instant after `now` at which time alone could change the result (Infinity if never). */
  next(ctx: ParticipantContext, now: number): number;
  explain(ctx: ParticipantContext, now: number, path: string): ConditionTrace;
}

type Predicate = (r: EntityRecord) => boolean;
const EMPTY: readonly EntityRecord[] = [];

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

function filterPredicate(entity: EntityName, filters: Filter[]): Predicate | null {
  if (filters.length === 0) return null;
  const tests = filters.map((f) => {
    const type = fieldType(entity, f.field);
    const cmp = comparator(f.operator ?? '=', f.value, type);
    return (r: EntityRecord) => cmp(normalise(fieldValue(r, f.field), type));
  });
  return tests.length === 1 ? tests[0] : (r) => tests.every((t) => t(r));
}

function describeFilters(filters: Filter[]): string {
  return filters.map((f) => `${f.field} ${f.operator ?? '='} ${JSON.stringify(f.value)}`).join(' and ');
}

/** Records of the entity that pass the condition's filters. */
function selector(
  c: { entity: EntityName; where?: Filter[]; field?: string; operator?: Operator; value?: Scalar | Scalar[] },
  shorthand: boolean,
) {
  const filters = [...(c.where ?? [])];
  if (shorthand && c.field !== undefined && c.value !== undefined)
    filters.unshift({ field: c.field, operator: c.operator, value: c.value });
  const pred = filterPredicate(c.entity, filters);
  const entity = c.entity;
  const select = (ctx: ParticipantContext): readonly EntityRecord[] => {
    const all = ctx.entities[entity] ?? EMPTY;
    return pred ? all.filter(pred) : all;
  };
  return { select, label: filters.length ? `${entity} where ${describeFilters(filters)}` : entity };
}

function latest(records: readonly EntityRecord[]): EntityRecord | undefined {
  let best: EntityRecord | undefined;
  for (const r of records) if (!best || r.occurredAt > best.occurredAt || (r.occurredAt === best.occurredAt && r.key > best.key)) best = r;
  return best;
}

/** The value of a (possibly derived) field over the selected records; undefined when it does not exist. */
export function derive(entity: EntityName, ref: FieldRef, records: readonly EntityRecord[]): unknown {
  switch (ref.kind) {
    case 'count':
      return records.length;
    case 'last_activity': {
      let max: number | undefined;
      for (const r of records) if (max === undefined || r.occurredAt > max) max = r.occurredAt;
      return max;
    }
    case 'plain': {
      const r = latest(records);
      return r ? normalise(fieldValue(r, ref.field), fieldType(entity, ref.field)) : undefined;
    }
    case 'aggregate': {
      let n = 0;
      let acc = 0;
      let min = Infinity;
      let max = -Infinity;
      for (const r of records) {
        const v = r.fields[ref.field];
        if (typeof v !== 'number') continue;
        n++;
        acc += v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (n === 0) return undefined;
      return ref.fn === 'avg' ? acc / n : ref.fn === 'sum' ? acc : ref.fn === 'min' ? min : max;
    }
  }
}

const iso = (t: number) => new Date(t).toISOString();
const show = (v: unknown, type: FieldSpec['type']) => (v === undefined ? null : type === 'timestamp' && typeof v === 'number' ? iso(v) : v);

export function compileCondition(c: Condition): CompiledCondition {
  switch (c.type) {
    case 'all_of':
    case 'any_of': {
      const kids = c.conditions.map(compileCondition);
      const all = c.type === 'all_of';
      return {
        test: all ? (ctx, now) => kids.every((k) => k.test(ctx, now)) : (ctx, now) => kids.some((k) => k.test(ctx, now)),
        next: (ctx, now) => Math.min(...kids.map((k) => k.next(ctx, now))),
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
        test: (ctx, now) => !kid.test(ctx, now),
        next: (ctx, now) => kid.next(ctx, now),
        explain(ctx, now, path) {
          const inner = kid.explain(ctx, now, `${path}.condition`);
          return { path, type: 'not', actual: inner.result, expected: false, result: !inner.result, conditions: [inner] };
        },
      };
    }
    case 'count':
    case 'exists': {
      const { select, label } = selector(c, true);
      const window = c.within ? parseDuration(c.within) : null;
      const isCount = c.type === 'count';
      const cmp = isCount ? comparator(c.count, c.count_value, 'number') : (n: unknown) => (n as number) >= 1;
      const counted = (ctx: ParticipantContext, now: number) => {
        const rs = select(ctx);
        return window === null ? rs : rs.filter((r) => r.occurredAt > now - window);
      };
      return {
        test: (ctx, now) => cmp(counted(ctx, now).length),
        next(ctx, now) {
          if (window === null) return Infinity;
          let soonest = Infinity;
          for (const r of counted(ctx, now)) soonest = Math.min(soonest, r.occurredAt + window);
          return soonest;
        },
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
      const { select } = selector(c, false);
      const ref = parseFieldRef(c.entity, c.field) as FieldRef;
      const type = ref.kind === 'plain' ? fieldType(c.entity, ref.field) : ref.kind === 'last_activity' ? 'timestamp' : 'number';
      const cmp = comparator(c.operator, c.value, type);
      return {
        test: (ctx) => cmp(derive(c.entity, ref, select(ctx))),
        next: () => Infinity,
        explain(ctx, _now, path) {
          const actual = derive(c.entity, ref, select(ctx));
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
      const { select } = selector(c, false);
      const field = c.field ?? 'last_activity';
      const ref = parseFieldRef(c.entity, field) as FieldRef;
      const duration = parseDuration(c.duration);
      /** The instant measured from: the latest time, or first-seen when there are no records. */
      const since = (ctx: ParticipantContext): number | undefined => {
        const rs = select(ctx);
        if (rs.length === 0) return ctx.firstSeenAt ?? undefined;
        return derive(c.entity, ref, rs) as number | undefined;
      };
      return {
        test(ctx, now) {
          const t = since(ctx);
          return t !== undefined && now - t >= duration;
        },
        next(ctx, now) {
          const t = since(ctx);
          return t !== undefined && t + duration > now ? t + duration : Infinity;
        },
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
