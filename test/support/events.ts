/** Builders of valid input events (EVENTS.md), for tests and benchmarks. */
import { randomUUID } from 'node:crypto';
import type { EventEnvelope, EventType } from '../../src/contracts/events.js';

export function envelope(
  type: EventType,
  data: Record<string, unknown>,
  at: Date | string = new Date(),
  extra: Partial<EventEnvelope> = {},
): EventEnvelope {
  return { id: randomUUID(), type, version: 'v1', timestamp: typeof at === 'string' ? at : at.toISOString(), data, ...extra };
}

export const daysAgo = (n: number, from = Date.now()) => new Date(from - n * 86_400_000);

export const ev = {
  session: (
    userId: string,
    sessionId: string,
    rating: number | undefined,
    at: Date = new Date(),
    sessionType: 'language' | 'mentorship' = 'language',
  ) =>
    envelope(
      'kintell.session.completed',
      {
        sessionId,
        sessionType,
        participantId: userId,
        volunteerId: 'vol-1',
        completedAt: at.toISOString(),
        durationMinutes: 45,
        ...(rating === undefined ? {} : { rating }),
      },
      at,
    ),
  rating: (sessionId: string, rating: number, at: Date = new Date()) =>
    envelope(
      'kintell.rating.created',
      { ratingId: randomUUID(), sessionId, fromRole: 'participant', rating, createdAt: at.toISOString() },
      at,
    ),
  enrollment: (
    userId: string,
    status: 'active' | 'completed' | 'dropped' = 'active',
    at: Date = new Date(),
    enrollmentId = `enr-${userId}`,
  ) => envelope('program.enrollment.created', { enrollmentId, userId, programType: 'buddy', status, enrolledAt: at.toISOString() }, at),
  match: (userId: string, matchId: string, at: Date = new Date()) =>
    envelope('buddy.match.created', { matchId, participantId: userId, buddyId: 'buddy-1', matchedAt: at.toISOString() }, at),
  logged: (matchId: string, at: Date = new Date(), eventId: string = randomUUID()) =>
    envelope('buddy.event.logged', { eventId, matchId, eventType: 'coffee', eventDate: at.toISOString() }, at),
  attended: (userId: string, at: Date = new Date()) =>
    envelope('buddy.event.attended', { eventId: randomUUID(), userId, eventType: 'workshop', attendedAt: at.toISOString() }, at),
  score: (userId: string, score: number, at: Date = new Date(), dimension = 'language_comfort') =>
    envelope('q2q.outcome.scored', { scoreId: randomUUID(), userId, dimension, score, scoredAt: at.toISOString() }, at),
};
