/**
 * What conditions read from a participant's records, shared within a rule set: each field of an
 * entity's records is read once per pass (`Column`), each selection of records (entity and
 * filters) filtered once (`Selection`), and each measure over a selection (count, latest value,
 * aggregate) computed once (`Measure`), for every condition of every rule that needs them.
 *
 * A `Records` is made per compilation (a rule set, or a condition compiled alone) and holds what
 * its conditions share; it lives as long as they do.
 */
import { ENTITIES, parseFieldRef, type EntityName, type FieldRef, type FieldSpec, type FieldType } from '../contracts/entities.js';
import type { Filter } from '../contracts/rule.js';
import { canonical, Comparison, normalise } from './operators.js';
import type { EntityRecord, ParticipantContext } from './types.js';

const EMPTY: readonly EntityRecord[] = [];

let passes = 0;
/**
 * A new evaluation pass: the caller promises the context does not change while it uses it. Within a
 * pass each column, selection and measure is computed once; without one (undefined), afresh each time.
 */
export function newPass(): number {
  return ++passes;
}

/** A field of the entity's catalog (an own entry: `constructor` is no field). */
function fieldSpec(entity: EntityName, field: string): FieldSpec | undefined {
  const fields = ENTITIES[entity].fields as Record<string, FieldSpec>;
  return Object.hasOwn(fields, field) ? fields[field] : undefined;
}

export function fieldType(entity: EntityName, field: string): FieldType {
  return fieldSpec(entity, field)?.type ?? 'string';
}

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

/** One filter as a record test, its field's type settled once. */
class RecordFilter {
  /** Null when the field is the record's own time. */
  private readonly column: Column | null = null;
  private readonly plain: boolean;
  private readonly compare: Comparison;
  constructor(records: Records, entity: EntityName, f: Filter) {
    const type = fieldType(entity, f.field);
    this.plain = type !== 'timestamp';
    this.compare = new Comparison(f.operator ?? '=', f.value, type);
    if (f.field !== 'occurred_at') this.column = records.column(entity, f.field, !this.plain);
  }

  /** Whether the i-th of the entity's records passes. */
  passes(all: readonly EntityRecord[], i: number, pass: number | undefined): boolean {
    if (this.column === null) return this.compare.holds(all[i].occurredAt);
    const v = this.column.at(all, i, pass);
    return this.plain ? v !== null && this.compare.holds(v) : this.compare.holds(v);
  }
}

/**
 * A filtered selection of one entity's records, shared by every condition with the same entity and
 * filters. `select` says how many records are selected; then `all` holds the entity's records and
 * `picked` which of them are selected, by index (null: all of them; otherwise its first `count`).
 */
export class Selection {
  private pass = 0;
  private count = 0;
  all: readonly EntityRecord[] = EMPTY;
  picked: readonly number[] | null = null;
  private readonly indices: number[] = [];
  private readonly measures = new Map<string, Measure>();
  constructor(
    private readonly records: Records | null,
    readonly entity: EntityName,
    private readonly filters: readonly RecordFilter[],
  ) {}

  /** A (possibly derived) field over this selection, shared by every condition that reads it. */
  measure(field: string): Measure {
    let m = this.measures.get(field);
    if (!m) {
      m = new Measure(this, parseFieldRef(this.entity, field) as FieldRef, this.records);
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
export class Measure {
  private pass = 0;
  private value: unknown;
  private readonly type: FieldType;
  /** plain / aggregate: the field's column (raw values). */
  private readonly column: Column | null;
  constructor(
    readonly selection: Selection,
    private readonly ref: FieldRef,
    records: Records | null,
  ) {
    const entity = selection.entity;
    this.type = ref.kind === 'plain' ? fieldType(entity, ref.field) : 'number';
    const field = (ref.kind === 'plain' || ref.kind === 'aggregate') && ref.field !== 'occurred_at' ? ref.field : null;
    this.column = field === null ? null : (records?.column(entity, field, false) ?? new Column(entity, field, false));
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
        switch (ref.fn) {
          case 'avg':
            return acc / n;
          case 'sum':
            return acc;
          case 'min':
            return min;
          case 'max':
            return max;
        }
      }
    }
  }
}

function describeFilters(filters: readonly Filter[]): string {
  return filters.map((f) => `${f.field} ${f.operator ?? '='} ${JSON.stringify(f.value)}`).join(' and ');
}

/** What the conditions of one compilation share: columns by entity and field, selections by entity and filters. */
export class Records {
  private readonly columns = new Map<string, Column>();
  private readonly selections = new Map<string, Selection>();

  column(entity: EntityName, field: string, time: boolean): Column {
    const key = `${entity}\u0000${field}\u0000${time}`;
    let c = this.columns.get(key);
    if (!c) {
      c = new Column(entity, field, time);
      this.columns.set(key, c);
    }
    return c;
  }

  /** The records of `entity` that pass every filter, and how to name them ("kintell_sessions where …"). */
  select(entity: EntityName, filters: readonly Filter[]): { selection: Selection; label: string } {
    const key = `${entity}\u0000${JSON.stringify(filters.map((f) => [f.field, canonical(f.operator ?? '='), f.value]))}`;
    let selection = this.selections.get(key);
    if (!selection) {
      selection = new Selection(
        this,
        entity,
        filters.map((f) => new RecordFilter(this, entity, f)),
      );
      this.selections.set(key, selection);
    }
    return { selection, label: filters.length ? `${entity} where ${describeFilters(filters)}` : entity };
  }
}

/** The value of a (possibly derived) field over the records; undefined when it does not exist. */
export function derive(entity: EntityName, ref: FieldRef, records: readonly EntityRecord[]): unknown {
  return new Measure(new Selection(null, entity, []), ref, null).of({ userId: '', firstSeenAt: null, entities: { [entity]: records } });
}
