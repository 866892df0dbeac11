/**
 * Input events for the Kafka parts, in the EVENTS.md mix: per participant an enrollment, a buddy
 * match with an event and a check-in, three Kintell language sessions and a late rating, course
 * progress and an outcome score — ten events, enough to raise the default rules' flags for many.
 */
import type { EventEnvelope, EventType } from '../../src/contracts/events.js';
import { Random } from '../random.js';

export interface Produced {
  type: EventType;
  key: string;
  envelope: EventEnvelope;
}

const iso = (t: number) => new Date(t).toISOString();

export function participantEvents(rnd: Random, userId: string, now: number): Produced[] {
  const out: Produced[] = [];
  const at = (daysAgo: number) => iso(now - Math.round(daysAgo * 86_400_000) - rnd.int(0, 3_600_000));
  const add = (type: EventType, timestamp: string, data: Record<string, unknown>) =>
    out.push({ type, key: userId, envelope: { id: rnd.uuid(), type, version: 'v1', timestamp, data } });
  const matchId = `m-${rnd.uuid()}`;
  const programType = rnd.pick(['buddy', 'language', 'mentorship', 'upskilling']);
  let t = at(30);
  add('program.enrollment.created', t, { enrollmentId: `e-${rnd.uuid()}`, userId, programType, status: 'active', enrolledAt: t });
  t = at(28);
  add('buddy.match.created', t, { matchId, participantId: userId, buddyId: `b-${rnd.int(1, 5000)}`, matchedAt: t });
  t = at(rnd.int(1, 25));
  add('buddy.event.logged', t, { eventId: `be-${rnd.uuid()}`, matchId, eventType: 'coffee', eventDate: t });
  t = at(rnd.int(1, 25));
  add('buddy.checkin.completed', t, { checkinId: `c-${rnd.uuid()}`, matchId, checkinDate: t, mood: rnd.pick(['great', 'good', 'okay']) });
  let sessionId = '';
  for (let i = 0; i < 3; i++) {
    sessionId = `s-${rnd.uuid()}`;
    t = at(rnd.int(1, 25));
    add('kintell.session.completed', t, {
      sessionId,
      sessionType: 'language',
      participantId: userId,
      volunteerId: `v-${rnd.int(1, 2000)}`,
      completedAt: t,
      durationMinutes: 45,
      ...(i < 2 ? { rating: rnd.int(3, 5) } : {}),
    });
  }
  t = at(0.5);
  add('kintell.rating.created', t, {
    ratingId: `r-${rnd.uuid()}`,
    sessionId,
    fromRole: 'participant',
    rating: rnd.int(3, 5),
    createdAt: t,
  });
  t = at(rnd.int(1, 20));
  add('upskilling.progress.updated', t, {
    progressId: `p-${rnd.uuid()}`,
    userId,
    courseId: 'c-1',
    courseName: 'Course',
    progressPercent: rnd.int(0, 9) * 10,
    status: 'in_progress',
    updatedAt: t,
  });
  t = at(rnd.int(1, 20));
  add('q2q.outcome.scored', t, {
    scoreId: `q-${rnd.uuid()}`,
    userId,
    dimension: 'language_comfort',
    score: rnd.int(0, 10) / 10,
    scoredAt: t,
  });
  return out;
}

/** One event that sets `language_support_needed` for a participant never seen before. */
export function flagRaisingEvent(rnd: Random, userId: string, now: number): Produced {
  const t = iso(now);
  return {
    type: 'q2q.outcome.scored',
    key: userId,
    envelope: {
      id: rnd.uuid(),
      type: 'q2q.outcome.scored',
      version: 'v1',
      timestamp: t,
      data: { scoreId: `q-${rnd.uuid()}`, userId, dimension: 'language_comfort', score: 0.2, scoredAt: t },
    },
  };
}
