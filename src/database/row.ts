/**
 * Row types for the set-based SQL kept beside the repositories, derived from the entities: a raw
 * row has the entity's columns under their snake_case names, with the same types.
 */
type Snake<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${Snake<Tail>}`
  : S;

/** An entity's columns as `pg` returns them from raw SQL: `ruleId` → `rule_id`. */
export type RowOf<E> = { [K in keyof E as K extends string ? Snake<K> : never]: E[K] };
