/**
 * The rule document: TypeScript types and the JSON Schema (draft 2020-12) that validates it.
 * The schema is built from the entity catalog, so the server, the CLI and editors agree.
 */
import { ENTITIES, ENTITY_NAMES, type EntityName } from './entities.js';

export const COMPARATORS = ['=', '==', '!=', '>', '>=', '<', '<='] as const;
export const OPERATORS = [...COMPARATORS, 'in', 'not_in'] as const;
export type Comparator = (typeof COMPARATORS)[number];
export type Operator = (typeof OPERATORS)[number];
export type Scalar = string | number | boolean;

export interface Filter {
  field: string;
  operator?: Operator;
  value: Scalar | Scalar[];
}

interface EntityCondition {
  entity: EntityName;
  where?: Filter[];
}
export interface CountCondition extends EntityCondition {
  type: 'count';
  field?: string;
  operator?: Operator;
  value?: Scalar | Scalar[];
  within?: string;
  count: Comparator;
  count_value: number;
}
export interface ExistsCondition extends EntityCondition {
  type: 'exists';
  field?: string;
  operator?: Operator;
  value?: Scalar | Scalar[];
  within?: string;
}
export interface ValueCondition extends EntityCondition {
  type: 'value';
  field: string;
  operator: Operator;
  value: Scalar | Scalar[];
}
export interface TimeSinceCondition extends EntityCondition {
  type: 'time_since';
  field?: string;
  duration: string;
}
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

export interface SetFlagAction {
  type: 'set_flag';
  flag: string;
  value?: boolean;
  expires_in?: string;
}
export interface ClearFlagAction {
  type: 'clear_flag';
  flag: string;
}
export interface EmitEventAction {
  type: 'emit_event';
  event: string;
  payload?: Record<string, unknown>;
}
export type Action = SetFlagAction | ClearFlagAction | EmitEventAction;

export interface RuleDocument {
  id: string;
  name: string;
  description?: string;
  flag: string;
  priority: number;
  active?: boolean;
  sticky?: boolean;
  conditions: Condition[];
  actions: Action[];
}

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

export const DURATION_PATTERN = '^\\s*[1-9][0-9]{0,8}\\s*(second|minute|hour|day|week|month)s?\\s*$';
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$';
const EVENT_PATTERN = '^[a-z0-9_]+(\\.[a-z0-9_]+)+$';

const allFieldNames = [...new Set(ENTITY_NAMES.flatMap((e) => Object.keys(ENTITIES[e].fields)))].sort();
const scalar = { anyOf: [{ type: 'string', maxLength: 500 }, { type: 'number' }, { type: 'boolean' }] };
const value = {
  description: 'A value to compare with; an array for in / not_in',
  anyOf: [...scalar.anyOf, { type: 'array', items: scalar, maxItems: 100 }],
};
const entity = {
  type: 'string',
  enum: ENTITY_NAMES,
  description: ENTITY_NAMES.map((e) => `${e}: ${ENTITIES[e].description}`).join('; '),
};
const field = {
  type: 'string',
  description: `A field of the entity (${allFieldNames.join(', ')}), or a derived one: count, last_activity, avg_X, min_X, max_X, sum_X over a numeric field X`,
  pattern: '^[a-z_]{1,64}$',
};
const operator = {
  type: 'string',
  enum: OPERATORS,
  description: '= (also ==), !=, >, >=, <, <=, in and not_in (value is an array)',
};
const duration = {
  type: 'string',
  pattern: DURATION_PATTERN,
  description: "N seconds|minutes|hours|days|weeks|months, e.g. '14 days' (a month is 30 days)",
};
const where = {
  type: 'array',
  maxItems: 20,
  description: 'Only records matching every filter count',
  items: {
    type: 'object',
    properties: { field, operator, value },
    required: ['field', 'value'],
    additionalProperties: false,
  },
};
const shorthandFilter = { field, operator, value };

function cond(type: string, description: string, properties: object, required: string[]): object {
  return {
    type: 'object',
    description,
    properties: { type: { const: type }, ...properties },
    required: ['type', ...required],
    additionalProperties: false,
  };
}

export const RULE_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://journey-engine.local/schemas/rule.schema.json',
  title: 'Journey rule',
  description: 'A declarative rule: when all its conditions hold for a participant, its actions run (once, when it starts to match).',
  type: 'object',
  properties: {
    id: { type: 'string', pattern: NAME_PATTERN, description: 'Business id, e.g. mentor_ready_001' },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', maxLength: 2000 },
    flag: { type: 'string', pattern: NAME_PATTERN, description: 'The flag this rule manages' },
    priority: { type: 'integer', minimum: -1000000, maximum: 1000000, description: 'Higher is evaluated first and wins conflicts' },
    active: { type: 'boolean', default: true },
    sticky: { type: 'boolean', default: false, description: 'Keep the flag set when the rule stops matching' },
    conditions: { type: 'array', minItems: 1, maxItems: 50, items: { $ref: '#/$defs/condition' } },
    actions: { type: 'array', minItems: 1, maxItems: 20, items: { $ref: '#/$defs/action' } },
  },
  required: ['id', 'name', 'flag', 'priority', 'conditions', 'actions'],
  additionalProperties: false,
  $defs: {
    condition: {
      type: 'object',
      required: ['type'],
      discriminator: { propertyName: 'type' },
      oneOf: [
        { $ref: '#/$defs/count' },
        { $ref: '#/$defs/exists' },
        { $ref: '#/$defs/value' },
        { $ref: '#/$defs/time_since' },
        { $ref: '#/$defs/all_of' },
        { $ref: '#/$defs/any_of' },
        { $ref: '#/$defs/not' },
      ],
    },
    count: cond(
      'count',
      'Number of records (optionally filtered, optionally within a window) compared with count_value',
      {
        entity,
        ...shorthandFilter,
        where,
        within: duration,
        count: { type: 'string', enum: COMPARATORS },
        count_value: { type: 'number', minimum: 0 },
      },
      ['entity', 'count', 'count_value'],
    ),
    exists: cond(
      'exists',
      'At least one record (optionally filtered, optionally within a window)',
      { entity, ...shorthandFilter, where, within: duration },
      ['entity'],
    ),
    value: cond(
      'value',
      'A field (plain: on the most recent record; or derived) compared with a value',
      { entity, field, operator, value, where },
      ['entity', 'field', 'operator', 'value'],
    ),
    time_since: cond(
      'time_since',
      'Time since the latest timestamp (last_activity by default) is at least the duration; with no records, since the participant was first seen',
      { entity, field, duration, where },
      ['entity', 'duration'],
    ),
    all_of: cond(
      'all_of',
      'All nested conditions hold',
      { conditions: { type: 'array', minItems: 1, maxItems: 50, items: { $ref: '#/$defs/condition' } } },
      ['conditions'],
    ),
    any_of: cond(
      'any_of',
      'At least one nested condition holds',
      { conditions: { type: 'array', minItems: 1, maxItems: 50, items: { $ref: '#/$defs/condition' } } },
      ['conditions'],
    ),
    not: cond('not', 'The nested condition does not hold', { condition: { $ref: '#/$defs/condition' } }, ['condition']),
    action: {
      type: 'object',
      required: ['type'],
      discriminator: { propertyName: 'type' },
      oneOf: [{ $ref: '#/$defs/set_flag' }, { $ref: '#/$defs/clear_flag' }, { $ref: '#/$defs/emit_event' }],
    },
    set_flag: cond(
      'set_flag',
      'Set a journey flag (true by default)',
      { flag: { type: 'string', pattern: NAME_PATTERN }, value: { type: 'boolean', default: true }, expires_in: duration },
      ['flag'],
    ),
    clear_flag: cond('clear_flag', 'Clear a journey flag (value false)', { flag: { type: 'string', pattern: NAME_PATTERN } }, ['flag']),
    emit_event: cond(
      'emit_event',
      `Publish an event; ${MILESTONE_EVENT} with payload.milestone also records that milestone`,
      {
        event: { type: 'string', pattern: EVENT_PATTERN, maxLength: 200, not: { const: FLAG_EVENT } },
        payload: { type: 'object', maxProperties: 50 },
      },
      ['event'],
    ),
  },
} as const;
