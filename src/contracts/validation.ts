/**
 * Validation against the contracts, with problems as `path: reason`
 * (`conditions[0].count_value: must be number`). Used by HTTP, Kafka and the CLI alike.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import { ENTITIES, parseFieldRef, fieldRefType, type EntityName, type FieldSpec, type FieldType } from './entities.js';
import { ENVELOPE_SCHEMA, EVENT_DATA_SCHEMAS, EVENT_TYPES, type EventEnvelope, type EventType } from './events.js';
import { EARLIEST_INSTANT, instantInRange, instantProblem, LATEST_INSTANT } from './instant.js';
import {
  FLAG_EVENT,
  MAX_DEPTH,
  MAX_LEAF_CONDITIONS,
  MAX_RULE_BYTES,
  MILESTONE_EVENT,
  MANUAL_OWNER,
  RESERVED_RULE_IDS,
  RULE_SCHEMA,
  type Condition,
  type Filter,
  type Operator,
  type RuleDocument,
  type Scalar,
} from './rule.js';

export interface Problem {
  path: string;
  reason: string;
}

// ajv-formats is CommonJS; under ESM its callable is the default export's default.
const addFormats = ((addFormatsImport as unknown as { default?: typeof addFormatsImport }).default ?? addFormatsImport) as unknown as (
  ajv: Ajv2020,
) => void;

// verbose: a format error carries the value, so its reason can say what is wrong with it.
const ajv = new Ajv2020({ allErrors: true, discriminator: true, strict: false, verbose: true });
addFormats(ajv);
/** A uuid as PostgreSQL reads it, in either case (canonicalised to lower case after validation); no `urn:uuid:` prefix. */
export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
ajv.addFormat('uuid', { type: 'string', validate: (s: string) => UUID_PATTERN.test(s) });
// Only instants PostgreSQL and JavaScript both hold (see instant.ts).
ajv.addFormat('date-time', { type: 'string', validate: (s: string) => instantProblem(s) === undefined });

const validateEnvelopeFn = ajv.compile(ENVELOPE_SCHEMA);
const validateDataFns = Object.fromEntries(
  Object.entries(EVENT_DATA_SCHEMAS).map(([type, schema]) => [type, ajv.compile(schema)]),
) as Record<EventType, ValidateFunction>;
const validateRuleFn = ajv.compile(RULE_SCHEMA);

/** `/conditions/0/where/1` → `conditions[0].where[1]` */
export function toPath(pointer: string, prefix = ''): string {
  let out = prefix;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : out ? `.${seg}` : seg;
  }
  return out;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function describe(e: ErrorObject, prefix: string): Problem {
  const path = toPath(e.instancePath, prefix);
  switch (e.keyword) {
    case 'required':
      return { path: join(path, String(e.params.missingProperty)), reason: 'is required' };
    case 'additionalProperties':
      return { path: join(path, String(e.params.additionalProperty)), reason: 'is not allowed (unknown field)' };
    case 'const':
      return { path, reason: `must be ${JSON.stringify(e.params.allowedValue)}` };
    case 'enum':
      return { path, reason: `must be one of: ${(e.params.allowedValues as unknown[]).join(', ')}` };
    case 'discriminator': {
      const tag = String(e.params.tag);
      if (e.params.error === 'mapping') return { path: join(path, tag), reason: `unknown ${tag} "${String(e.params.tagValue)}"` };
      // a missing tag is also reported by `required`; say the same so the two collapse into one problem
      return { path: join(path, tag), reason: e.params.tagValue === undefined ? 'is required' : 'must be a string' };
    }
    case 'not':
      // the only `not` in the contracts: rules may not emit the engine's own flag event
      return { path, reason: `is reserved: the engine emits ${FLAG_EVENT} itself` };
    case 'pattern':
      return { path, reason: `has an invalid format (expected ${e.params.pattern})` };
    case 'format':
      if (e.params.format === 'date-time' && typeof e.data === 'string')
        return { path, reason: instantProblem(e.data) ?? 'must be a valid date-time' };
      return { path, reason: `must be a valid ${e.params.format}` };
    default:
      return { path, reason: e.message ?? 'is invalid' };
  }
}

function problemsOf(errors: ErrorObject[] | null | undefined, prefix = ''): Problem[] {
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const e of errors ?? []) {
    // anyOf/oneOf summaries repeat what their branches said
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if') continue;
    const p = describe(e, prefix);
    const k = `${p.path}\u0000${p.reason}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(p);
    }
  }
  return out;
}

/** Deepest nesting of objects and arrays accepted anywhere in an input (PostgreSQL's jsonb parser recurses). */
export const MAX_JSON_DEPTH = 32;
// A NUL, or a UTF-16 surrogate without its pair: PostgreSQL text and jsonb cannot hold either.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unstorable = (s: string) => s.includes('\u0000') || LONE_SURROGATE.test(s);

/**
 * What JSON Schema cannot say about free-form values (unknown event fields, emit_event payloads) that are
 * stored as they are: no NUL or unpaired surrogate in any string or key, no nesting past MAX_JSON_DEPTH.
 * Iterative, so a hostile nesting cannot exhaust the stack; stops at the first few problems.
 */
export function storageProblems(input: unknown, prefix = ''): Problem[] {
  const problems: Problem[] = [];
  // Paths are built only for a problem: most inputs have none, and every event is checked.
  type Node = { value: unknown; depth: number; parent: Node | null; key: string | number };
  const pathOf = (n: Node, last?: string): string => {
    const keys: (string | number)[] = last === undefined ? [] : [last];
    for (let at: Node | null = n; at?.parent; at = at.parent) keys.push(at.key);
    let path = prefix;
    for (let i = keys.length - 1; i >= 0; i--) path = typeof keys[i] === 'number' ? `${path}[${keys[i]}]` : join(path, keys[i] as string);
    return path;
  };
  const stack: Node[] = [{ value: input, depth: 0, parent: null, key: '' }];
  while (stack.length && problems.length < 10) {
    const node = stack.pop()!;
    const { value, depth } = node;
    if (typeof value === 'string') {
      if (unstorable(value)) problems.push({ path: pathOf(node), reason: 'contains a NUL character or an unpaired UTF-16 surrogate' });
    } else if (value && typeof value === 'object') {
      if (depth >= MAX_JSON_DEPTH) {
        problems.push({ path: pathOf(node), reason: `is nested more than ${MAX_JSON_DEPTH} levels deep` });
        continue;
      }
      if (Array.isArray(value))
        for (let i = 0; i < value.length; i++) stack.push({ value: value[i], depth: depth + 1, parent: node, key: i });
      else
        for (const k of Object.keys(value)) {
          if (unstorable(k))
            problems.push({
              // Shown escaped: the key itself is what cannot be stored (or printed).
              path: pathOf(node, JSON.stringify(k).slice(1, -1)),
              reason: 'this key contains a NUL character or an unpaired UTF-16 surrogate',
            });
          stack.push({ value: (value as Record<string, unknown>)[k], depth: depth + 1, parent: node, key: k });
        }
    }
  }
  return problems;
}

/** The fields that hold a uuid (format: uuid), of the envelope and of each event type's data. */
const uuidFields = (schema: object) =>
  Object.entries((schema as { properties: object }).properties)
    .filter(([, v]) => (v as { format?: string }).format === 'uuid')
    .map(([k]) => k);
const ENVELOPE_UUIDS = uuidFields(ENVELOPE_SCHEMA);
const DATA_UUIDS = new Map(EVENT_TYPES.map((type) => [type, uuidFields(EVENT_DATA_SCHEMAS[type])]));

function lowerCased<T extends object>(o: T, fields: string[]): T {
  const out = { ...o } as Record<string, unknown>;
  for (const f of fields) {
    const v = out[f];
    if (typeof v === 'string') out[f] = v.toLowerCase();
  }
  return out as T;
}

/**
 * Every uuid of a valid event in lower case (PostgreSQL's form): `5B1D…` and `5b1d…` are one event id,
 * one participant. Match, session and other ids are free-form strings in the contract and kept as sent.
 */
function canonical(env: EventEnvelope): EventEnvelope {
  return { ...lowerCased(env, ENVELOPE_UUIDS), data: lowerCased(env.data, DATA_UUIDS.get(env.type) ?? []) };
}

/** Validates one event: every problem of the envelope and of its data in one list. */
export function validateEvent(input: unknown): { ok: true; event: EventEnvelope } | { ok: false; problems: Problem[] } {
  const problems: Problem[] = [];
  if (!validateEnvelopeFn(input)) problems.push(...problemsOf(validateEnvelopeFn.errors));
  const env = input as Partial<EventEnvelope> | null;
  const type = env && typeof env === 'object' ? env.type : undefined;
  const data = env && typeof env === 'object' ? env.data : undefined;
  // The data of a known type is checked even when the envelope is broken: one answer says everything.
  if (typeof type === 'string' && DATA_UUIDS.has(type) && data && typeof data === 'object' && !Array.isArray(data)) {
    const validateData = validateDataFns[type];
    if (!validateData(data)) problems.push(...problemsOf(validateData.errors, 'data'));
  }
  if (problems.length) return { ok: false, problems };
  const unstorable = storageProblems(env);
  if (unstorable.length) return { ok: false, problems: unstorable };
  return { ok: true, event: canonical(env as EventEnvelope) };
}

/* ------------------------------------------------------------------ rules */

export interface RuleValidation {
  ok: boolean;
  rule?: RuleDocument;
  problems: Problem[];
  warnings: Problem[];
}

/** How deep conditions nest, counted no further than one past MAX_DEPTH so a hostile document cannot exhaust the stack. */
function depthOf(c: unknown, depth = 1): number {
  if (depth > MAX_DEPTH || !c || typeof c !== 'object') return depth;
  const o = c as { conditions?: unknown; condition?: unknown };
  const kids = Array.isArray(o.conditions) ? o.conditions : o.condition ? [o.condition] : [];
  return kids.reduce<number>((m, k) => Math.max(m, depthOf(k, depth + 1)), depth);
}

const NUMERIC_OPS: ReadonlySet<Operator> = new Set(['>', '>=', '<', '<=']);
/** A date-time with a zone, or a bare date (read as UTC): never the server's local time. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2}))?$/;

function checkComparison(entity: EntityName, spec: FieldSpec | FieldType, op: Operator, value: unknown, path: string, out: Problem[]) {
  const type = typeof spec === 'string' ? spec : spec.type;
  const values = typeof spec === 'string' ? undefined : spec.values;
  const list = op === 'in' || op === 'not_in';
  if (list !== Array.isArray(value)) {
    out.push({
      path: join(path, 'value'),
      reason: list ? `must be an array for ${op}` : `must be a single value for ${op} (use in / not_in for a list)`,
    });
    return;
  }
  if (NUMERIC_OPS.has(op) && type === 'string') {
    out.push({ path: join(path, 'operator'), reason: `${op} needs a numeric or time field; this field of ${entity} is text` });
  }
  for (const v of (Array.isArray(value) ? value : [value]) as Scalar[]) {
    if (type === 'number' && typeof v !== 'number')
      out.push({ path: join(path, 'value'), reason: `must be a number (the field is numeric)` });
    else if (type === 'timestamp' && (typeof v !== 'string' || !ISO_TIME.test(v) || Number.isNaN(Date.parse(v))))
      out.push({
        path: join(path, 'value'),
        reason: 'must be an ISO-8601 time with a zone, e.g. 2025-01-15T10:30:00Z (the field is a time)',
      });
    else if (type === 'timestamp' && !instantInRange(Date.parse(v as string)))
      out.push({ path: join(path, 'value'), reason: `must be between ${EARLIEST_INSTANT} and ${LATEST_INSTANT} (UTC)` });
    else if (type === 'string' && typeof v !== 'string')
      out.push({ path: join(path, 'value'), reason: 'must be a string (the field is text)' });
    else if (values && typeof v === 'string' && !values.includes(v))
      out.push({ path: join(path, 'value'), reason: `"${v}" is not a possible value (${values.join(', ')})` });
  }
}

function checkFilter(entity: EntityName, f: Filter, path: string, out: Problem[]) {
  const fields = ENTITIES[entity].fields as Record<string, FieldSpec>;
  if (!Object.hasOwn(fields, f.field)) {
    out.push({ path: join(path, 'field'), reason: `${entity} has no field "${f.field}" (fields: ${Object.keys(fields).join(', ')})` });
    return;
  }
  checkComparison(entity, fields[f.field], f.operator ?? '=', f.value, path, out);
}

function checkCondition(c: Condition, path: string, out: Problem[]) {
  switch (c.type) {
    case 'all_of':
    case 'any_of':
      c.conditions.forEach((k, i) => checkCondition(k, `${path}.conditions[${i}]`, out));
      return;
    case 'not':
      checkCondition(c.condition, `${path}.condition`, out);
      return;
    case 'count':
    case 'exists':
      if (c.field !== undefined || c.value !== undefined || c.operator !== undefined) {
        if (c.field === undefined || c.value === undefined) {
          out.push({ path: join(path, c.field === undefined ? 'field' : 'value'), reason: 'field and value go together as a filter' });
        } else checkFilter(c.entity, { field: c.field, operator: c.operator, value: c.value }, path, out);
      }
      break;
    case 'value': {
      const ref = parseFieldRef(c.entity, c.field);
      if ('error' in ref) out.push({ path: join(path, 'field'), reason: ref.error });
      else {
        const spec =
          ref.kind === 'plain' ? (ENTITIES[c.entity].fields as Record<string, FieldSpec>)[ref.field] : fieldRefType(c.entity, ref);
        checkComparison(c.entity, spec, c.operator, c.value, path, out);
      }
      break;
    }
    case 'time_since': {
      const ref = parseFieldRef(c.entity, c.field ?? 'last_activity');
      if ('error' in ref) out.push({ path: join(path, 'field'), reason: ref.error });
      else if (fieldRefType(c.entity, ref) !== 'timestamp')
        out.push({ path: join(path, 'field'), reason: 'time_since needs a time field (last_activity, occurred_at or a *_at field)' });
      break;
    }
  }
  c.where?.forEach((f, i) => checkFilter(c.entity, f, `${path}.where[${i}]`, out));
}

/** How many leaf conditions (not all_of / any_of / not) a document holds; iterative, whatever it is. */
function leafCount(conditions: unknown): number {
  let leaves = 0;
  const stack: unknown[] = Array.isArray(conditions) ? [...(conditions as unknown[])] : [];
  while (stack.length) {
    const c = stack.pop() as { type?: unknown; conditions?: unknown; condition?: unknown } | null;
    if (!c || typeof c !== 'object') continue;
    if ((c.type === 'all_of' || c.type === 'any_of') && Array.isArray(c.conditions)) stack.push(...(c.conditions as unknown[]));
    else if (c.type === 'not' && c.condition) stack.push(c.condition);
    else leaves++;
  }
  return leaves;
}

/** The size of a document as JSON, in bytes (Infinity when it cannot even be written as JSON). */
function jsonBytes(input: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(input) ?? '');
  } catch {
    return Infinity;
  }
}

/** The bounds on a rule's cost (MAX_LEAF_CONDITIONS, MAX_RULE_BYTES), checked before anything costly. */
function costProblems(input: unknown): Problem[] {
  const problems: Problem[] = [];
  const bytes = jsonBytes(input);
  if (bytes > MAX_RULE_BYTES) problems.push({ path: '', reason: `${bytes} bytes, at most ${MAX_RULE_BYTES}` });
  const leaves = leafCount((input as { conditions?: unknown }).conditions);
  if (leaves > MAX_LEAF_CONDITIONS)
    problems.push({ path: 'conditions', reason: `${leaves} leaf conditions, at most ${MAX_LEAF_CONDITIONS}` });
  return problems;
}

/** Validate a whole rule document: its cost, the JSON Schema, then what a schema cannot say. */
export function validateRule(input: unknown): RuleValidation {
  // Before the schema, whose validator recurses: refuse deep nesting while it is cheap to.
  const top = input && typeof input === 'object' ? (input as { conditions?: unknown }).conditions : undefined;
  let depth = 0;
  if (Array.isArray(top)) for (const c of top) depth = Math.max(depth, depthOf(c));
  if (depth > MAX_DEPTH)
    return {
      ok: false,
      problems: [{ path: 'conditions', reason: `nesting is more than ${MAX_DEPTH} deep; at most ${MAX_DEPTH} allowed` }],
      warnings: [],
    };
  const costly = input && typeof input === 'object' ? costProblems(input) : [];
  if (costly.length) return { ok: false, problems: costly, warnings: [] };
  if (!validateRuleFn(input)) return { ok: false, problems: problemsOf(validateRuleFn.errors), warnings: [] };
  const rule = input as RuleDocument;
  const problems: Problem[] = storageProblems(rule);
  if (RESERVED_RULE_IDS.has(rule.id.toLowerCase()))
    problems.push({
      path: 'id',
      reason: `"${rule.id}" cannot be a rule id: the route /journey/rules/${rule.id.toLowerCase()} would shadow it`,
    });
  if (rule.id.toLowerCase() === MANUAL_OWNER)
    problems.push({ path: 'id', reason: `"${rule.id}" cannot be a rule id: it names flags and milestones set by hand` });
  rule.conditions.forEach((c, i) => checkCondition(c, `conditions[${i}]`, problems));
  rule.actions.forEach((a, i) => {
    if (a.type === 'emit_event' && a.event === MILESTONE_EVENT) {
      const m = a.payload?.milestone;
      if (typeof m !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(m))
        problems.push({
          path: `actions[${i}].payload.milestone`,
          reason: `is required for ${MILESTONE_EVENT} (a name of up to 100 letters, digits, _ . -)`,
        });
    }
  });
  const warnings: Problem[] = [];
  if (!rule.actions.some((a) => a.type !== 'emit_event' && a.flag === rule.flag)) {
    warnings.push({ path: 'actions', reason: `no action sets or clears the rule's own flag "${rule.flag}"` });
  }
  return { ok: problems.length === 0, rule: problems.length === 0 ? rule : undefined, problems, warnings };
}

export function formatProblems(problems: Problem[]): string {
  return problems.map((p) => `${p.path || '(root)'}: ${p.reason}`).join('; ');
}
