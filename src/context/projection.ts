/**
 * Input events → records of the participant's read model (EVENTS.md "Entities").
 * Pure: which record an event touches, whose it is, and how it merges into what is there.
 */
import type { EntityName } from '../contracts/entities.js';
import type { EventEnvelope, EventType } from '../contracts/events.js';

/** Whose journey an event belongs to: named in the event, or reached through a match or session seen before. */
export type Owner = { userId: string } | { via: 'buddy_matches' | 'kintell_sessions'; key: string };

export interface RecordPatch {
  entity: EntityName;
  key: string;
  /** Fields to set; undefined values are left alone. */
  fields: Record<string, unknown>;
  /** A kintell.rating.created: rating applies only if the completion gave none, latest wins. */
  lateRating?: number;
}

export interface StoredRecord {
  occurredAt: number;
  fields: Record<string, unknown>;
}

type D = Record<string, unknown>;
/** Record keys as strings (validated events carry string ids; anything else is stringified). */
const s = (v: unknown) => (v === undefined || typeof v === 'string' ? v : JSON.stringify(v));

const PROJECTIONS: Record<EventType, (d: D) => { owner: Owner; patch: RecordPatch }> = {
  'buddy.match.created': (d) => ({
    owner: { userId: d.participantId as string },
    patch: { entity: 'buddy_matches', key: s(d.matchId)!, fields: { buddy_id: d.buddyId, status: 'active', matched_at: d.matchedAt } },
  }),
  'buddy.match.ended': (d) => ({
    owner: { userId: d.participantId as string },
    patch: {
      entity: 'buddy_matches',
      key: s(d.matchId)!,
      fields: { buddy_id: d.buddyId, status: 'ended', ended_at: d.endedAt, end_reason: d.reason },
    },
  }),
  'buddy.event.logged': (d) => ({
    owner: { via: 'buddy_matches', key: s(d.matchId)! },
    patch: { entity: 'buddy_events', key: s(d.eventId)!, fields: { event_type: d.eventType, source: 'logged' } },
  }),
  'buddy.event.attended': (d) => ({
    owner: { userId: d.userId as string },
    patch: { entity: 'buddy_events', key: s(d.eventId)!, fields: { event_type: d.eventType, source: 'attended' } },
  }),
  'buddy.checkin.completed': (d) => ({
    owner: { via: 'buddy_matches', key: s(d.matchId)! },
    patch: { entity: 'buddy_checkins', key: s(d.checkinId)!, fields: { mood: d.mood } },
  }),
  'buddy.feedback.submitted': (d) => ({
    owner: { via: 'buddy_matches', key: s(d.matchId)! },
    patch: { entity: 'buddy_feedback', key: s(d.feedbackId)!, fields: { from_role: d.fromRole, rating: d.rating } },
  }),
  'kintell.session.completed': (d) => ({
    owner: { userId: d.participantId as string },
    patch: {
      entity: 'kintell_sessions',
      key: s(d.sessionId)!,
      fields: {
        session_type: d.sessionType,
        duration_minutes: d.durationMinutes,
        language_level: d.languageLevel,
        rating: d.rating,
        _rating_from: d.rating === undefined ? undefined : 'completion',
      },
    },
  }),
  'kintell.rating.created': (d) => ({
    owner: { via: 'kintell_sessions', key: s(d.sessionId)! },
    patch: { entity: 'kintell_sessions', key: s(d.sessionId)!, fields: {}, lateRating: d.rating as number },
  }),
  'upskilling.course.completed': (d) => ({
    owner: { userId: d.userId as string },
    patch: {
      entity: 'learning_progress',
      key: s(d.progressId)!,
      fields: { course_id: d.courseId, course_name: d.courseName, status: 'completed', progress_percent: 100, final_score: d.finalScore },
    },
  }),
  'upskilling.progress.updated': (d) => ({
    owner: { userId: d.userId as string },
    patch: {
      entity: 'learning_progress',
      key: s(d.progressId)!,
      fields: { course_id: d.courseId, course_name: d.courseName, status: d.status, progress_percent: d.progressPercent },
    },
  }),
  'upskilling.credential.issued': (d) => ({
    owner: { userId: d.userId as string },
    patch: { entity: 'credentials', key: s(d.credentialId)!, fields: { course_id: d.courseId, credential_type: d.credentialType } },
  }),
  'program.enrollment.created': (d) => ({
    owner: { userId: d.userId as string },
    patch: { entity: 'program_enrollments', key: s(d.enrollmentId)!, fields: { program_type: d.programType, status: d.status } },
  }),
  'program.enrollment.updated': (d) => ({
    owner: { userId: d.userId as string },
    patch: { entity: 'program_enrollments', key: s(d.enrollmentId)!, fields: { program_type: d.programType, status: d.status } },
  }),
  'q2q.outcome.scored': (d) => ({
    owner: { userId: d.userId as string },
    patch: { entity: 'outcome_scores', key: s(d.scoreId)!, fields: { dimension: d.dimension, score: d.score } },
  }),
};

export function project(event: EventEnvelope): { owner: Owner; patch: RecordPatch } {
  return PROJECTIONS[event.type](event.data);
}

/** The record after applying a patch from an event that happened at `at` (epoch ms). */
export function merge(existing: StoredRecord | undefined, patch: RecordPatch, at: number): StoredRecord {
  const fields: Record<string, unknown> = { ...existing?.fields };
  // A later event overwrites; a late-arriving older one only fills what is missing.
  const newer = !existing || at >= existing.occurredAt;
  // A completion's rating outranks any kintell.rating.created, whatever order they arrive in.
  const outranksRating = patch.fields._rating_from === 'completion' && fields._rating_from !== 'completion';
  for (const [k, v] of Object.entries(patch.fields)) {
    if (v === undefined) continue;
    if (newer || fields[k] === undefined || (outranksRating && (k === 'rating' || k === '_rating_from'))) fields[k] = v;
  }
  if (patch.lateRating !== undefined && fields._rating_from !== 'completion') {
    const prevAt = typeof fields._rating_from === 'number' ? fields._rating_from : -Infinity;
    if (at >= prevAt) {
      fields.rating = patch.lateRating;
      fields._rating_from = at;
    }
  }
  return { occurredAt: Math.max(existing?.occurredAt ?? at, at), fields };
}

/** Fields the rules see: the bookkeeping ones (leading underscore) are hidden. */
export function visibleFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (!k.startsWith('_')) out[k] = v;
  return out;
}
