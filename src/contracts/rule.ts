/**
 * The rule document, defined once as a schema (TypeBox, JSON Schema draft 2020-12): the server's
 * validator, `schemas/rule.schema.json` (scripts/write-schema.ts), the OpenAPI components and the
 * TypeScript types below (used by the engine and the CLI) all come from it. The schema is built from
 * the entity catalog, so the server, the CLI and editors agree.
 *
 * The two recursive condition kinds (all_of / any_of, not) are declared as interfaces, which TypeScript
 * can make recursive; a compile-time check below keeps them equal to their schemas.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ENTITIES, ENTITY_NAMES, type EntityName } from './entities.js';

export const COMPARATORS = ['=', '==', '!=', '>', '>=', '<', '<='] as const;
export const OPERATORS = [...COMPARATORS, 'in', 'not_in'] as const;
export type Comparator = (typeof COMPARATORS)[number];
export type Operator = (typeof OPERATORS)[number];
export type Scalar = string | number | boolean;

export const MILESTONE_EVENT = 'orchestration.milestone.reached';
export const FLAG_EVENT = 'orchestration.flag.updated';
export const MAX_DEPTH = 8;
/**
 * The cost of a rule is bounded: every event evaluates it, its explanation grows with it and a backfill
 * runs it over the whole population. 500 leaf conditions and 64 KB (its JSON) are far above any real rule
 * (the seed's largest has 3 leaves and under 1 KB) and far below what hurts (9,850 leaves ran a backfill
 * out of memory).
 */
export const MAX_LEAF_CONDITIONS = 500;
export const MAX_RULE_BYTES = 64 * 1024;
/** Ids a literal route under /journey/rules would shadow (matched in any case, as Express routes are). */
export const RESERVED_RULE_IDS: ReadonlySet<string> = new Set(['schema', 'preview']);
/** The owner (`setByRule`, `ruleId`) of what an admin set by hand: no rule may take the name. */
export const MANUAL_OWNER = 'manual';

export const DURATION_PATTERN = '^\\s*[1-9][0-9]{0,8}\\s*(second|minute|hour|day|week|month)s?\\s*$';
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$';
const EVENT_PATTERN = '^[a-z0-9_]+(\\.[a-z0-9_]+)+$';

const allFieldNames = [...new Set(ENTITY_NAMES.flatMap((e) => Object.keys(ENTITIES[e].fields)))].sort();
const scalars = () => [Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()];
const value = Type.Union([...scalars(), Type.Array(Type.Union(scalars()), { maxItems: 100 })], {
  description: 'A value to compare with; an array for in / not_in',
});
const entity = Type.Unsafe<EntityName>({
  type: 'string',
  enum: ENTITY_NAMES,
  description: ENTITY_NAMES.map((e) => `${e}: ${ENTITIES[e].description}`).join('; '),
});
const field = Type.String({
  description: `A field of the entity (${allFieldNames.join(', ')}), or a derived one: count, last_activity, avg_X, min_X, max_X, sum_X over a numeric field X`,
  pattern: '^[a-z_]{1,64}$',
});
const operator = Type.Unsafe<Operator>({
  type: 'string',
  enum: OPERATORS,
  description: '= (also ==), !=, >, >=, <, <=, in and not_in (value is an array)',
});
const comparator = Type.Unsafe<Comparator>({ type: 'string', enum: COMPARATORS });
const duration = Type.String({
  pattern: DURATION_PATTERN,
  description: "N seconds|minutes|hours|days|weeks|months, e.g. '14 days' (a month is 30 days)",
});
const filter = Type.Object({ field, operator: Type.Optional(operator), value }, { additionalProperties: false });
const where = Type.Optional(Type.Array(filter, { maxItems: 20, description: 'Only records matching every filter count' }));
const shorthandFilter = { field: Type.Optional(field), operator: Type.Optional(operator), value: Type.Optional(value) };
const name = Type.String({ pattern: NAME_PATTERN });

/** References into $defs, typed as what they validate. */
const conditionRef = Type.Unsafe<Condition>({ $ref: '#/$defs/condition' });
const actionRef = Type.Unsafe<Action>({ $ref: '#/$defs/action' });
const conditionList = Type.Array(conditionRef, { minItems: 1, maxItems: 50 });

/** One kind of condition or action: its `type` tag, its fields, no others. */
const kind = <T extends string, P extends Record<string, TSchema>>(type: T, description: string, properties: P) =>
  Type.Object({ type: Type.Literal(type), ...properties }, { description, additionalProperties: false });

const COUNT = kind('count', 'Number of records (optionally filtered, optionally within a window) compared with count_value', {
  entity,
  ...shorthandFilter,
  where,
  within: Type.Optional(duration),
  count: comparator,
  count_value: Type.Number({ minimum: 0 }),
});
const EXISTS = kind('exists', 'At least one record (optionally filtered, optionally within a window)', {
  entity,
  ...shorthandFilter,
  where,
  within: Type.Optional(duration),
});
const VALUE = kind('value', 'A field (plain: on the most recent record; or derived) compared with a value', {
  entity,
  field,
  operator,
  value,
  where,
});
const TIME_SINCE = kind(
  'time_since',
  'Time since the latest timestamp (last_activity by default) is at least the duration; with no records, since the participant was first seen',
  { entity, field: Type.Optional(field), duration, where },
);
const ALL_OF = kind('all_of', 'All nested conditions hold', { conditions: conditionList });
const ANY_OF = kind('any_of', 'At least one nested condition holds', { conditions: conditionList });
const NOT = kind('not', 'The nested condition does not hold', { condition: conditionRef });

const SET_FLAG = kind('set_flag', 'Set a journey flag (true by default)', {
  flag: name,
  value: Type.Optional(Type.Boolean({ default: true })),
  expires_in: Type.Optional(duration),
});
const CLEAR_FLAG = kind('clear_flag', 'Clear a journey flag (value false)', { flag: name });
const EMIT_EVENT = kind('emit_event', `Publish an event; ${MILESTONE_EVENT} with payload.milestone also records that milestone`, {
  event: Type.String({ pattern: EVENT_PATTERN, maxLength: 200, not: { const: FLAG_EVENT } }),
  payload: Type.Optional(Type.Unsafe<Record<string, unknown>>({ type: 'object', maxProperties: 50 })),
});

export type Filter = Static<typeof filter>;
export type CountCondition = Static<typeof COUNT>;
export type ExistsCondition = Static<typeof EXISTS>;
export type ValueCondition = Static<typeof VALUE>;
export type TimeSinceCondition = Static<typeof TIME_SINCE>;
export interface GroupCondition {
  type: 'all_of' | 'any_of';
  conditions: Condition[];
}
export interface NotCondition {
  type: 'not';
  condition: Condition;
}
export type Condition = CountCondition | ExistsCondition | ValueCondition | TimeSinceCondition | GroupCondition | NotCondition;
export type ConditionType = Condition['type'];

export type SetFlagAction = Static<typeof SET_FLAG>;
export type ClearFlagAction = Static<typeof CLEAR_FLAG>;
export type EmitEventAction = Static<typeof EMIT_EVENT>;
export type Action = SetFlagAction | ClearFlagAction | EmitEventAction;

/** The recursive kinds' interfaces are exactly what their schemas validate (a compile error otherwise). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const recursiveKindsMatch: [Same<GroupCondition, Static<typeof ALL_OF> | Static<typeof ANY_OF>>, Same<NotCondition, Static<typeof NOT>>] = [
  true,
  true,
];
void recursiveKindsMatch;

/** A choice among kinds by their `type`. */
const byType = (...kinds: string[]) => ({
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: kinds.map((k) => ({ $ref: `#/$defs/${k}` })),
});

const RULE = Type.Object(
  {
    id: Type.String({ pattern: NAME_PATTERN, description: 'Business id, e.g. mentor_ready_001' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    flag: Type.String({ pattern: NAME_PATTERN, description: 'The flag this rule manages' }),
    priority: Type.Integer({ minimum: -1000000, maximum: 1000000, description: 'Higher is evaluated first and wins conflicts' }),
    active: Type.Optional(Type.Boolean({ default: true })),
    sticky: Type.Optional(Type.Boolean({ default: false, description: 'Keep the flag set when the rule stops matching' })),
    conditions: conditionList,
    actions: Type.Array(actionRef, { minItems: 1, maxItems: 20 }),
  },
  {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://journey-engine.local/schemas/rule.schema.json',
    title: 'Journey rule',
    description: 'A declarative rule: when all its conditions hold for a participant, its actions run (once, when it starts to match).',
    additionalProperties: false,
    $defs: {
      condition: byType('count', 'exists', 'value', 'time_since', 'all_of', 'any_of', 'not'),
      count: COUNT,
      exists: EXISTS,
      value: VALUE,
      time_since: TIME_SINCE,
      all_of: ALL_OF,
      any_of: ANY_OF,
      not: NOT,
      action: byType('set_flag', 'clear_flag', 'emit_event'),
      set_flag: SET_FLAG,
      clear_flag: CLEAR_FLAG,
      emit_event: EMIT_EVENT,
    },
  },
);

export type RuleDocument = Static<typeof RULE>;

/** The rule document's JSON Schema, as plain JSON (what Ajv compiles, the file and the API serve). */
export const RULE_SCHEMA = JSON.parse(JSON.stringify(RULE)) as Record<string, unknown> & { $defs: Record<string, unknown> };
