/**
 * Input event contract v1 (docs/EVENTS.md) as code, defined once with TypeBox: each event type's `data`
 * and the envelope. From these come the TypeScript types (`EventData<T>`), the validator (Ajv, in
 * validation.ts), the OpenAPI components (`/docs-json`: one envelope per type with its data fields) and
 * the examples shown there.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const uuid = Type.String({ format: 'uuid' });
const id = Type.String({ minLength: 1, maxLength: 200 });
const text = Type.String({ maxLength: 1000 });
const time = Type.String({ format: 'date-time' });
const rating01 = Type.Number({ minimum: 0, maximum: 1 });
const rating15 = Type.Number({ minimum: 1, maximum: 5 });
/** A string enum as JSON Schema writes it (`enum`), typed as the union of its values. */
const oneOf = <const V extends string[]>(...values: V) => Type.Unsafe<V[number]>({ type: 'string', enum: values });
/** A data schema: unknown extra fields are kept (EVENTS.md). */
const data = <P extends Record<string, TSchema>>(fields: P, example: Record<string, unknown>) =>
  Type.Object(fields, { additionalProperties: true, examples: [example] });

const programType = oneOf('buddy', 'language', 'mentorship', 'upskilling');
const enrollmentStatus = oneOf('active', 'completed', 'dropped');

/** The participant of the examples (and of EVENTS.md's envelope example). */
const USER = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const AT = '2025-01-15T10:30:00Z';

export const EVENT_DATA_SCHEMAS = {
  'buddy.match.created': data(
    { matchId: id, participantId: uuid, buddyId: id, matchedAt: time },
    { matchId: 'match-42', participantId: USER, buddyId: 'buddy-7', matchedAt: AT },
  ),
  'buddy.match.ended': data(
    { matchId: id, participantId: uuid, buddyId: id, endedAt: time, reason: Type.Optional(text) },
    { matchId: 'match-42', participantId: USER, buddyId: 'buddy-7', endedAt: AT, reason: 'completed' },
  ),
  'buddy.event.logged': data(
    { eventId: id, matchId: id, eventType: text, eventDate: time },
    { eventId: 'bev-1', matchId: 'match-42', eventType: 'coffee', eventDate: AT },
  ),
  'buddy.event.attended': data(
    { eventId: id, userId: uuid, eventType: text, attendedAt: time },
    { eventId: 'bev-2', userId: USER, eventType: 'workshop', attendedAt: AT },
  ),
  'buddy.checkin.completed': data(
    { checkinId: id, matchId: id, checkinDate: time, mood: Type.Optional(text) },
    { checkinId: 'chk-1', matchId: 'match-42', checkinDate: AT, mood: 'good' },
  ),
  'buddy.feedback.submitted': data(
    { feedbackId: id, matchId: id, fromRole: oneOf('participant', 'buddy'), rating: rating01, submittedAt: time },
    { feedbackId: 'fb-1', matchId: 'match-42', fromRole: 'participant', rating: 0.8, submittedAt: AT },
  ),
  'kintell.session.completed': data(
    {
      sessionId: id,
      sessionType: oneOf('language', 'mentorship'),
      participantId: uuid,
      volunteerId: id,
      completedAt: time,
      durationMinutes: Type.Number({ minimum: 0 }),
      languageLevel: Type.Optional(text),
      rating: Type.Optional(rating15),
    },
    {
      sessionId: 'session-1',
      sessionType: 'language',
      participantId: USER,
      volunteerId: 'volunteer-3',
      completedAt: AT,
      durationMinutes: 45,
      languageLevel: 'B1',
      rating: 5,
    },
  ),
  'kintell.rating.created': data(
    { ratingId: id, sessionId: id, fromRole: oneOf('participant', 'volunteer'), rating: rating15, createdAt: time },
    { ratingId: 'rating-1', sessionId: 'session-1', fromRole: 'participant', rating: 4, createdAt: AT },
  ),
  'upskilling.course.completed': data(
    {
      progressId: id,
      userId: uuid,
      courseId: id,
      courseName: text,
      completedAt: time,
      finalScore: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    },
    { progressId: 'prog-1', userId: USER, courseId: 'course-101', courseName: 'Workplace Finnish', completedAt: AT, finalScore: 87 },
  ),
  'upskilling.progress.updated': data(
    {
      progressId: id,
      userId: uuid,
      courseId: id,
      courseName: text,
      progressPercent: Type.Number({ minimum: 0, maximum: 100 }),
      status: oneOf('enrolled', 'in_progress', 'completed', 'dropped'),
      updatedAt: time,
    },
    {
      progressId: 'prog-1',
      userId: USER,
      courseId: 'course-101',
      courseName: 'Workplace Finnish',
      progressPercent: 40,
      status: 'in_progress',
      updatedAt: AT,
    },
  ),
  'upskilling.credential.issued': data(
    { credentialId: id, userId: uuid, courseId: id, credentialType: text, issuedAt: time },
    { credentialId: 'cred-1', userId: USER, courseId: 'course-101', credentialType: 'certificate', issuedAt: AT },
  ),
  'program.enrollment.created': data(
    { enrollmentId: id, userId: uuid, programType, status: enrollmentStatus, enrolledAt: time },
    { enrollmentId: 'enr-1', userId: USER, programType: 'language', status: 'active', enrolledAt: AT },
  ),
  'program.enrollment.updated': data(
    { enrollmentId: id, userId: uuid, programType, status: enrollmentStatus, updatedAt: time },
    { enrollmentId: 'enr-1', userId: USER, programType: 'language', status: 'completed', updatedAt: AT },
  ),
  'q2q.outcome.scored': data(
    {
      scoreId: id,
      userId: uuid,
      dimension: oneOf('confidence', 'belonging', 'language_comfort', 'job_readiness', 'well_being'),
      score: rating01,
      scoredAt: time,
    },
    { scoreId: 'score-1', userId: USER, dimension: 'language_comfort', score: 0.4, scoredAt: AT },
  ),
} as const;

export type EventType = keyof typeof EVENT_DATA_SCHEMAS;
export const EVENT_TYPES = Object.keys(EVENT_DATA_SCHEMAS) as EventType[];
/** The `data` of an event of type T, as the contract defines it (extra fields may come along). */
export type EventData<T extends EventType> = Static<(typeof EVENT_DATA_SCHEMAS)[T]>;

const envelopeFields = {
  id: Type.String({ format: 'uuid', description: 'Unique per event; the engine applies an id at most once' }),
  type: oneOf(...EVENT_TYPES),
  version: Type.Optional(Type.Literal('v1', { description: 'The contract version: always "v1"' })),
  timestamp: Type.String({
    format: 'date-time',
    description:
      'When it happened (occurred-at); may be in the past. Between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z, no leap second',
  }),
  correlationId: Type.Optional(uuid),
  causationId: Type.Optional(uuid),
  data: Type.Object({}, { additionalProperties: true }),
};

export const ENVELOPE_SCHEMA = Type.Object(envelopeFields, {
  $id: 'journey/event-envelope',
  description: 'An input event (EVENTS.md v1). Unknown extra fields are kept.',
  additionalProperties: true,
});

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

/** The envelope of one event type, with its data fields and an example: for OpenAPI and docs. */
export function eventSchema(type: EventType): TSchema {
  const dataSchema = EVENT_DATA_SCHEMAS[type];
  const example = {
    id: '5b1d3c1e-8a55-4d0e-9d7f-2f7f3f0a9c11',
    type,
    version: 'v1',
    timestamp: AT,
    data: (dataSchema.examples as unknown[])[0],
  };
  return Type.Object(
    { ...envelopeFields, type: Type.Literal(type), data: dataSchema },
    { description: `A ${type} event (EVENTS.md v1). Unknown extra fields are kept.`, additionalProperties: true, examples: [example] },
  );
}
