/**
 * Input event contract v1 (../shared/contracts/EVENTS.md) as code: one JSON Schema per event type,
 * used to validate every event from HTTP and Kafka and to document them in OpenAPI.
 */
const uuid = { type: 'string', format: 'uuid' } as const;
const id = { type: 'string', minLength: 1, maxLength: 200 } as const;
const text = { type: 'string', maxLength: 1000 } as const;
const time = { type: 'string', format: 'date-time' } as const;
const rating01 = { type: 'number', minimum: 0, maximum: 1 } as const;
const rating15 = { type: 'number', minimum: 1, maximum: 5 } as const;
const oneOf = (...values: string[]) => ({ type: 'string', enum: values }) as const;

type Props = Record<string, object>;
/** A data schema: the listed fields, those without `?` required; unknown extra fields are kept. */
function data(fields: Props): object {
  const properties: Props = {};
  const required: string[] = [];
  for (const [name, schema] of Object.entries(fields)) {
    const optional = name.endsWith('?');
    const key = optional ? name.slice(0, -1) : name;
    properties[key] = schema;
    if (!optional) required.push(key);
  }
  return { type: 'object', properties, required, additionalProperties: true };
}

const programType = oneOf('buddy', 'language', 'mentorship', 'upskilling');
const enrollmentStatus = oneOf('active', 'completed', 'dropped');

export const EVENT_DATA_SCHEMAS = {
  'buddy.match.created': data({ matchId: id, participantId: uuid, buddyId: id, matchedAt: time }),
  'buddy.match.ended': data({ matchId: id, participantId: uuid, buddyId: id, endedAt: time, 'reason?': text }),
  'buddy.event.logged': data({ eventId: id, matchId: id, eventType: text, eventDate: time }),
  'buddy.event.attended': data({ eventId: id, userId: uuid, eventType: text, attendedAt: time }),
  'buddy.checkin.completed': data({ checkinId: id, matchId: id, checkinDate: time, 'mood?': text }),
  'buddy.feedback.submitted': data({
    feedbackId: id,
    matchId: id,
    fromRole: oneOf('participant', 'buddy'),
    rating: rating01,
    submittedAt: time,
  }),
  'kintell.session.completed': data({
    sessionId: id,
    sessionType: oneOf('language', 'mentorship'),
    participantId: uuid,
    volunteerId: id,
    completedAt: time,
    durationMinutes: { type: 'number', minimum: 0 },
    'languageLevel?': text,
    'rating?': rating15,
  }),
  'kintell.rating.created': data({
    ratingId: id,
    sessionId: id,
    fromRole: oneOf('participant', 'volunteer'),
    rating: rating15,
    createdAt: time,
  }),
  'upskilling.course.completed': data({
    progressId: id,
    userId: uuid,
    courseId: id,
    courseName: text,
    completedAt: time,
    'finalScore?': { type: 'number', minimum: 0, maximum: 100 },
  }),
  'upskilling.progress.updated': data({
    progressId: id,
    userId: uuid,
    courseId: id,
    courseName: text,
    progressPercent: { type: 'number', minimum: 0, maximum: 100 },
    status: oneOf('enrolled', 'in_progress', 'completed', 'dropped'),
    updatedAt: time,
  }),
  'upskilling.credential.issued': data({ credentialId: id, userId: uuid, courseId: id, credentialType: text, issuedAt: time }),
  'program.enrollment.created': data({ enrollmentId: id, userId: uuid, programType, status: enrollmentStatus, enrolledAt: time }),
  'program.enrollment.updated': data({ enrollmentId: id, userId: uuid, programType, status: enrollmentStatus, updatedAt: time }),
  'q2q.outcome.scored': data({
    scoreId: id,
    userId: uuid,
    dimension: oneOf('confidence', 'belonging', 'language_comfort', 'job_readiness', 'well_being'),
    score: rating01,
    scoredAt: time,
  }),
} as const;

export type EventType = keyof typeof EVENT_DATA_SCHEMAS;
export const EVENT_TYPES = Object.keys(EVENT_DATA_SCHEMAS) as EventType[];

export const ENVELOPE_SCHEMA = {
  $id: 'journey/event-envelope',
  type: 'object',
  description: 'An input event (EVENTS.md v1). Unknown extra fields are kept.',
  properties: {
    id: { ...uuid, description: 'Unique per event; the engine applies an id at most once' },
    type: { type: 'string', enum: EVENT_TYPES },
    version: { type: 'string', const: 'v1' },
    timestamp: { ...time, description: 'When it happened (occurred-at); may be in the past' },
    correlationId: uuid,
    causationId: uuid,
    data: { type: 'object' },
  },
  required: ['id', 'type', 'timestamp', 'data'],
  additionalProperties: true,
} as const;

/** A validated input event. `data` is typed loosely; the projection reads it per type. */
export interface EventEnvelope {
  id: string;
  type: EventType;
  version?: 'v1';
  timestamp: string;
  correlationId?: string;
  causationId?: string;
  data: Record<string, unknown>;
}

/** Envelope of an output event (orchestration.*), as published. */
export interface OutputEnvelope {
  id: string;
  type: string;
  version: 'v1';
  timestamp: string;
  correlationId?: string;
  causationId?: string;
  data: Record<string, unknown> & { userId: string };
}

/** The full schema of one event type, for OpenAPI and docs. */
export function eventSchema(type: EventType): object {
  return {
    ...ENVELOPE_SCHEMA,
    $id: undefined,
    properties: { ...ENVELOPE_SCHEMA.properties, type: { const: type }, data: EVENT_DATA_SCHEMAS[type] },
  };
}
