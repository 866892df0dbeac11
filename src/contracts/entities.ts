/**
 * What rules see: the entities built from input events (EVENTS.md, "Entities: what rules see").
 * One catalog drives the rule validator, the JSON Schema, the context builder and the docs.
 */
export type FieldType = 'string' | 'number' | 'timestamp';

export interface FieldSpec {
  readonly type: FieldType;
  readonly values?: readonly string[];
  readonly description: string;
}

export interface EntitySpec {
  readonly key: string;
  readonly description: string;
  readonly fields: Readonly<Record<string, FieldSpec>>;
}

const occurredAt: FieldSpec = { type: 'timestamp', description: 'The latest event timestamp that touched the record' };

export const ENTITIES = {
  buddy_matches: {
    key: 'matchId',
    description: 'Buddy matches of the participant',
    fields: {
      buddy_id: { type: 'string', description: 'The buddy matched with the participant' },
      status: { type: 'string', values: ['active', 'ended'], description: 'active until buddy.match.ended' },
      matched_at: { type: 'timestamp', description: 'When the match was made' },
      ended_at: { type: 'timestamp', description: 'When the match ended' },
      end_reason: { type: 'string', description: 'Why the match ended' },
      occurred_at: occurredAt,
    },
  },
  buddy_events: {
    key: 'eventId',
    description: 'Buddy program events logged for a match or attended by the participant',
    fields: {
      event_type: { type: 'string', description: 'The kind of buddy event' },
      source: { type: 'string', values: ['logged', 'attended'], description: 'buddy.event.logged or buddy.event.attended' },
      occurred_at: occurredAt,
    },
  },
  buddy_checkins: {
    key: 'checkinId',
    description: 'Completed buddy check-ins',
    fields: { mood: { type: 'string', description: 'Mood reported at the check-in' }, occurred_at: occurredAt },
  },
  buddy_feedback: {
    key: 'feedbackId',
    description: 'Feedback submitted about a buddy match',
    fields: {
      from_role: { type: 'string', values: ['participant', 'buddy'], description: 'Who gave the feedback' },
      rating: { type: 'number', description: 'Rating, 0–1' },
      occurred_at: occurredAt,
    },
  },
  kintell_sessions: {
    key: 'sessionId',
    description: 'Completed Kintell sessions',
    fields: {
      session_type: { type: 'string', values: ['language', 'mentorship'], description: 'Kind of session' },
      duration_minutes: { type: 'number', description: 'Length of the session' },
      language_level: { type: 'string', description: 'Language level of the session' },
      rating: {
        type: 'number',
        description: 'Rating 1–5: that of the completion event, or else the latest kintell.rating.created',
      },
      occurred_at: occurredAt,
    },
  },
  learning_progress: {
    key: 'progressId',
    description: 'Upskilling course progress',
    fields: {
      course_id: { type: 'string', description: 'Course id' },
      course_name: { type: 'string', description: 'Course name' },
      status: { type: 'string', values: ['enrolled', 'in_progress', 'completed', 'dropped'], description: 'Progress status' },
      progress_percent: { type: 'number', description: 'Progress, 0–100' },
      final_score: { type: 'number', description: 'Final score, 0–100, on completion' },
      occurred_at: occurredAt,
    },
  },
  credentials: {
    key: 'credentialId',
    description: 'Credentials issued on courses',
    fields: {
      course_id: { type: 'string', description: 'Course id' },
      credential_type: { type: 'string', description: 'Kind of credential' },
      occurred_at: occurredAt,
    },
  },
  program_enrollments: {
    key: 'enrollmentId',
    description: 'Program enrollments',
    fields: {
      program_type: { type: 'string', values: ['buddy', 'language', 'mentorship', 'upskilling'], description: 'Program' },
      status: { type: 'string', values: ['active', 'completed', 'dropped'], description: 'Enrollment status' },
      occurred_at: occurredAt,
    },
  },
  outcome_scores: {
    key: 'scoreId',
    description: 'Q2Q outcome scores',
    fields: {
      dimension: {
        type: 'string',
        values: ['confidence', 'belonging', 'language_comfort', 'job_readiness', 'well_being'],
        description: 'Outcome dimension',
      },
      score: { type: 'number', description: 'Score, 0–1' },
      occurred_at: occurredAt,
    },
  },
} as const satisfies Record<string, EntitySpec>;

export type EntityName = keyof typeof ENTITIES;
export const ENTITY_NAMES = Object.keys(ENTITIES) as EntityName[];

export const AGGREGATES = ['avg', 'min', 'max', 'sum'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

/** A field a condition may read: a derived one (count, avg_X…, last_activity) or a plain one. */
export type FieldRef =
  { kind: 'count' } | { kind: 'last_activity' } | { kind: 'aggregate'; fn: Aggregate; field: string } | { kind: 'plain'; field: string };

export function parseFieldRef(entity: EntityName, name: string): FieldRef | { error: string } {
  const fields: Readonly<Record<string, FieldSpec>> = ENTITIES[entity].fields;
  if (name === 'count') return { kind: 'count' };
  if (name === 'last_activity') return { kind: 'last_activity' };
  if (Object.hasOwn(fields, name)) return { kind: 'plain', field: name };
  const m = /^(avg|min|max|sum)_(.+)$/.exec(name);
  if (m && Object.hasOwn(fields, m[2])) {
    if (fields[m[2]].type !== 'number') return { error: `${m[1]}_ needs a numeric field; ${entity}.${m[2]} is ${fields[m[2]].type}` };
    return { kind: 'aggregate', fn: m[1] as Aggregate, field: m[2] };
  }
  return {
    error: `${entity} has no field "${name}" (fields: ${Object.keys(fields).join(', ')}, count, last_activity, avg_/min_/max_/sum_<numeric field>)`,
  };
}

/** The type of value a field reference yields. */
export function fieldRefType(entity: EntityName, ref: FieldRef): FieldType {
  switch (ref.kind) {
    case 'count':
    case 'aggregate':
      return 'number';
    case 'last_activity':
      return 'timestamp';
    case 'plain':
      return (ENTITIES[entity].fields as Record<string, FieldSpec>)[ref.field].type;
  }
}
