import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ENVELOPE_SCHEMA, EVENT_TYPES, eventSchema, type EventType } from '../contracts/events.js';
import { RULE_SCHEMA } from '../contracts/rule.js';

/** JSON Schema (2020-12, with $defs) → OpenAPI component schemas, so one contract serves both. */
export function componentsFrom(schema: Record<string, unknown>, prefix: string): Record<string, object> {
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!node || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$schema' || k === '$id' || k === '$defs' || k === 'discriminator') continue;
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')) out.$ref = `#/components/schemas/${prefix}_${v.slice(8)}`;
      else out[k] = rewrite(v);
    }
    return out;
  };
  const components: Record<string, object> = { [prefix]: rewrite(schema) as object };
  for (const [name, def] of Object.entries((schema.$defs ?? {}) as Record<string, unknown>))
    components[`${prefix}_${name}`] = rewrite(def) as object;
  return components;
}

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const PROBLEM_SCHEMA = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    problems: {
      type: 'array',
      items: {
        type: 'object',
        properties: { index: { type: 'integer' }, path: { type: 'string' }, reason: { type: 'string' } },
      },
    },
  },
};

/** The OpenAPI component name of one event type's envelope: `kintell.session.completed` → `KintellSessionCompletedEvent`. */
export const eventComponent = (type: EventType) =>
  `${type
    .split('.')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('')}Event`;

/** A TypeBox schema as plain JSON Schema (its symbol-keyed markers and $id left out). */
const plain = (schema: object): object => {
  const { $id: _id, ...rest } = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
  return rest;
};

/** Groups of the API, in the order a reader meets them. */
const TAGS: [name: string, description: string][] = [
  ['events', 'Program events in: one envelope or a batch, validated against the v1 contract and applied once per id'],
  ['flags', "A participant's journey flags, their history and a manual evaluation"],
  ['milestones', 'Milestones a participant has reached, by a rule or by hand'],
  ['context', 'What the rules see for a participant'],
  ['participants', 'What happened to a participant over time: events, flag changes and why, milestones, outputs'],
  ['stats', 'Trends: holders of each flag and rule firings per hour, day or week'],
  ['simulate', 'What some events would do, played in memory through the same engine: the journey in program time, nothing written'],
  ['rules', 'The declarative rules: create, change, version, preview, backfill and explain them'],
  ['health', 'Liveness, readiness and Prometheus metrics'],
  ['auth', 'The API key itself: its role and name'],
];

/** The OpenAPI document: the controllers' decorators plus the contracts' schemas (rule, each event type). */
export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Journey Orchestration Engine')
    .setDescription('Turns program events into per-participant journey flags and milestones through declarative rules.')
    .setVersion('1.0')
    // An API key from JOURNEY_API_KEYS, sent as a bearer token (the scheme in any case) or in X-API-Key.
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'An API key from JOURNEY_API_KEYS' })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key from JOURNEY_API_KEYS' }, 'api-key');
  for (const [name, description] of TAGS) builder.addTag(name, description);
  // No tag made up from a controller's name: each route is in the groups its controller names.
  const document = SwaggerModule.createDocument(app, builder.build(), { autoTagControllers: false });
  // The request DTOs' schemas: the global ValidationPipe refuses a field a DTO does not declare.
  for (const schema of Object.values(document.components?.schemas ?? {}) as { type?: string; additionalProperties?: unknown }[])
    if (schema.type === 'object' && schema.additionalProperties === undefined) schema.additionalProperties = false;
  const events = Object.fromEntries(EVENT_TYPES.map((type) => [eventComponent(type), plain(eventSchema(type))]));
  document.components = {
    ...document.components,
    schemas: {
      ...document.components?.schemas,
      ...componentsFrom(RULE_SCHEMA, 'Rule'),
      EventEnvelope: {
        description: ENVELOPE_SCHEMA.description,
        oneOf: EVENT_TYPES.map((type) => ref(eventComponent(type))),
        discriminator: {
          propertyName: 'type',
          mapping: Object.fromEntries(EVENT_TYPES.map((type) => [type, `#/components/schemas/${eventComponent(type)}`])),
        },
      },
      ...events,
    },
  };
  return document;
}
