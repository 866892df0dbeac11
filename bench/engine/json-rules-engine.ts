/**
 * Our rules, written for json-rules-engine the way one of its users would: the participant and
 * `now` are runtime facts; each (entity, filter, window, derived field) a rule reads is one cached
 * dynamic fact computed from the participant's records with plain JavaScript; conditions use the
 * library's own operators. Same answers as our engine (the suite checks it participant by
 * participant), so the comparison is like for like.
 */
import { Engine, type Almanac, type RuleProperties, type TopLevelCondition } from 'json-rules-engine';
import { ENTITIES, parseFieldRef, type EntityName, type FieldRef, type FieldSpec } from '../../src/contracts/entities.js';
import type { Condition, Filter, Operator, RuleDocument, Scalar } from '../../src/contracts/rule.js';
import { parseDuration } from '../../src/engine/duration.js';
import type { EntityRecord, ParticipantContext } from '../../src/engine/types.js';

type Nested = Extract<TopLevelCondition, { all: unknown }>['all'][number];
type Value = number | string | boolean | null;

const OPERATORS: Record<Operator, string> = {
  '=': 'equal',
  '==': 'equal',
  '!=': 'notEqual',
  '>': 'greaterThan',
  '>=': 'greaterThanInclusive',
  '<': 'lessThan',
  '<=': 'lessThanInclusive',
  in: 'in',
  not_in: 'notIn',
};

const typeOf = (entity: EntityName, field: string): FieldSpec['type'] =>
  (ENTITIES[entity].fields as Record<string, FieldSpec>)[field]?.type ?? 'string';

/** Times are compared as epoch milliseconds; a missing value is null. */
function read(r: EntityRecord, field: string, type: FieldSpec['type']): Value {
  const v = field === 'occurred_at' ? r.occurredAt : r.fields[field];
  if (v === undefined || v === null) return null;
  if (type === 'timestamp' && typeof v === 'string') return Date.parse(v);
  return v as Value;
}

const toJson = (v: Scalar | Scalar[], type: FieldSpec['type']): Value | Value[] =>
  Array.isArray(v) ? v.map((x) => toJson(x, type) as Value) : type === 'timestamp' && typeof v === 'string' ? Date.parse(v) : v;

/** A filter as a record predicate; a record without the field never passes. */
function recordTest(entity: EntityName, filters: Filter[]): (r: EntityRecord) => boolean {
  const tests = filters.map((f) => {
    const type = typeOf(entity, f.field);
    const want = toJson(f.value, type);
    const op = f.operator ?? '=';
    return (r: EntityRecord): boolean => {
      const v = read(r, f.field, type);
      if (v === null) return false;
      switch (op) {
        case '=':
        case '==':
          return v === want;
        case '!=':
          return v !== want;
        case '>':
          return (v as number) > (want as number);
        case '>=':
          return (v as number) >= (want as number);
        case '<':
          return (v as number) < (want as number);
        case '<=':
          return (v as number) <= (want as number);
        case 'in':
          return (want as Value[]).includes(v);
        case 'not_in':
          return !(want as Value[]).includes(v);
      }
    };
  });
  return (r) => tests.every((t) => t(r));
}

/** The value of a derived field over records, or null when it does not exist. */
function valueOf(entity: EntityName, ref: FieldRef, rs: EntityRecord[]): Value {
  switch (ref.kind) {
    case 'count':
      return rs.length;
    case 'last_activity':
      return rs.length ? Math.max(...rs.map((r) => r.occurredAt)) : null;
    case 'plain': {
      if (rs.length === 0) return null;
      const last = rs.reduce((a, b) => (b.occurredAt > a.occurredAt || (b.occurredAt === a.occurredAt && b.key > a.key) ? b : a));
      return read(last, ref.field, typeOf(entity, ref.field));
    }
    case 'aggregate': {
      const xs = rs.map((r) => r.fields[ref.field]).filter((v): v is number => typeof v === 'number');
      if (xs.length === 0) return null;
      const sum = xs.reduce((a, b) => a + b, 0);
      return ref.fn === 'avg' ? sum / xs.length : ref.fn === 'sum' ? sum : ref.fn === 'min' ? Math.min(...xs) : Math.max(...xs);
    }
  }
}

export interface Translated {
  engine: Engine;
  /** How many distinct dynamic facts the rules needed. */
  facts: number;
  /** The ids of the rules that match this participant at `now`. */
  run(ctx: ParticipantContext, now: number): Promise<string[]>;
}

export function translate(docs: RuleDocument[]): Translated {
  const engine = new Engine([], { allowUndefinedFacts: false, replaceFactsInEventParams: false });
  const factIds = new Map<string, string>();

  /** One cached dynamic fact per distinct computation; rules that read the same thing share it. */
  function fact(key: unknown, compute: (ctx: ParticipantContext, now: number) => Value): string {
    const k = JSON.stringify(key);
    let id = factIds.get(k);
    if (id === undefined) {
      id = `f${factIds.size}`;
      factIds.set(k, id);
      engine.addFact(id, async (_params: Record<string, unknown>, almanac: Almanac) => {
        const ctx = await almanac.factValue<ParticipantContext>('participant');
        const now = await almanac.factValue<number>('now');
        return compute(ctx, now);
      });
    }
    return id;
  }

  function selection(entity: EntityName, filters: Filter[], window: number | null) {
    const test = filters.length ? recordTest(entity, filters) : null;
    return (ctx: ParticipantContext, now: number): EntityRecord[] => {
      let rs = [...(ctx.entities[entity] ?? [])];
      if (test) rs = rs.filter(test);
      if (window !== null) rs = rs.filter((r) => r.occurredAt > now - window);
      return rs;
    };
  }

  /** Our comparisons are false on a missing value, `!=` and `not_in` included: json-rules-engine needs a guard for those two. */
  function compare(factId: string, op: Operator, value: Value | Value[]): Nested {
    const c = { fact: factId, operator: OPERATORS[op], value };
    return op === '!=' || op === 'not_in' ? { all: [{ fact: factId, operator: 'notEqual', value: null }, c] } : c;
  }

  function convert(c: Condition): Nested {
    switch (c.type) {
      case 'all_of':
        return { all: c.conditions.map(convert) };
      case 'any_of':
        return { any: c.conditions.map(convert) };
      case 'not':
        return { not: convert(c.condition) };
      case 'count':
      case 'exists': {
        const filters = [
          ...(c.field !== undefined && c.value !== undefined ? [{ field: c.field, operator: c.operator, value: c.value }] : []),
          ...(c.where ?? []),
        ];
        const window = c.within ? parseDuration(c.within) : null;
        const select = selection(c.entity, filters, window);
        const id = fact({ entity: c.entity, filters, window, derived: 'count' }, (ctx, now) => select(ctx, now).length);
        return c.type === 'count' ? compare(id, c.count, c.count_value) : { fact: id, operator: 'greaterThanInclusive', value: 1 };
      }
      case 'value': {
        const filters = c.where ?? [];
        const ref = parseFieldRef(c.entity, c.field) as FieldRef;
        const type = ref.kind === 'plain' ? typeOf(c.entity, ref.field) : ref.kind === 'last_activity' ? 'timestamp' : 'number';
        const select = selection(c.entity, filters, null);
        const id = fact({ entity: c.entity, filters, derived: c.field }, (ctx, now) => valueOf(c.entity, ref, select(ctx, now)));
        return compare(id, c.operator, toJson(c.value, type));
      }
      case 'time_since': {
        const filters = c.where ?? [];
        const field = c.field ?? 'last_activity';
        const ref = parseFieldRef(c.entity, field) as FieldRef;
        const select = selection(c.entity, filters, null);
        // milliseconds since the latest time, or since the participant was first seen when there are no records
        const id = fact({ entity: c.entity, filters, derived: field, since: true }, (ctx, now) => {
          const rs = select(ctx, now);
          const t = rs.length ? valueOf(c.entity, ref, rs) : ctx.firstSeenAt;
          return typeof t === 'number' ? now - t : null;
        });
        return { fact: id, operator: 'greaterThanInclusive', value: parseDuration(c.duration) };
      }
    }
  }

  const ranked = [...docs].filter((d) => d.active !== false).sort((a, b) => a.priority - b.priority);
  ranked.forEach((d, i) => {
    const rule: RuleProperties = {
      name: d.id,
      priority: i + 1, // json-rules-engine wants priorities ≥ 1
      conditions: { all: d.conditions.map(convert) },
      event: { type: d.flag, params: { ruleId: d.id } },
    };
    engine.addRule(rule);
  });

  return {
    engine,
    facts: factIds.size,
    async run(ctx, now) {
      const { results } = await engine.run({ participant: ctx, now });
      return results.map((r) => r.name);
    },
  };
}
