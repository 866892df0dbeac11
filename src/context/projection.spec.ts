import type { EventEnvelope, EventType } from '../contracts/events.js';
import { merge, project, visibleFields, type Owner, type RecordPatch, type StoredRecord } from './projection.js';

const USER = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const AT = '2025-01-15T10:30:00Z';
const t = (iso: string) => Date.parse(iso);
const ev = (type: EventType, data: Record<string, unknown>, timestamp = AT): EventEnvelope => ({
  id: '5b1d3c1e-8a55-4d0e-9d7f-2f7f3f0a9c11',
  type,
  timestamp,
  data,
});

describe('project: each event type → its owner, entity, key and fields', () => {
  it.each<[EventType, Record<string, unknown>, Owner, Omit<RecordPatch, 'fields'>, Record<string, unknown>]>([
    [
      'buddy.match.created',
      { matchId: 'm1', participantId: USER, buddyId: 'b1', matchedAt: AT },
      { userId: USER },
      { entity: 'buddy_matches', key: 'm1' },
      { buddy_id: 'b1', status: 'active', matched_at: AT },
    ],
    [
      'buddy.match.ended',
      { matchId: 'm1', participantId: USER, buddyId: 'b1', endedAt: AT, reason: 'moved' },
      { userId: USER },
      { entity: 'buddy_matches', key: 'm1' },
      { buddy_id: 'b1', status: 'ended', ended_at: AT, end_reason: 'moved' },
    ],
    [
      'buddy.event.logged',
      { eventId: 'e1', matchId: 'm1', eventType: 'coffee', eventDate: AT },
      { via: 'buddy_matches', key: 'm1' },
      { entity: 'buddy_events', key: 'e1' },
      { event_type: 'coffee', source: 'logged' },
    ],
    [
      'buddy.event.attended',
      { eventId: 'e2', userId: USER, eventType: 'workshop', attendedAt: AT },
      { userId: USER },
      { entity: 'buddy_events', key: 'e2' },
      { event_type: 'workshop', source: 'attended' },
    ],
    [
      'buddy.checkin.completed',
      { checkinId: 'c1', matchId: 'm1', checkinDate: AT, mood: 'good' },
      { via: 'buddy_matches', key: 'm1' },
      { entity: 'buddy_checkins', key: 'c1' },
      { mood: 'good' },
    ],
    [
      'buddy.feedback.submitted',
      { feedbackId: 'f1', matchId: 'm1', fromRole: 'buddy', rating: 0.75, submittedAt: AT },
      { via: 'buddy_matches', key: 'm1' },
      { entity: 'buddy_feedback', key: 'f1' },
      { from_role: 'buddy', rating: 0.75 },
    ],
    [
      'kintell.session.completed',
      {
        sessionId: 's1',
        sessionType: 'language',
        participantId: USER,
        volunteerId: 'v1',
        completedAt: AT,
        durationMinutes: 45,
        languageLevel: 'B1',
        rating: 5,
      },
      { userId: USER },
      { entity: 'kintell_sessions', key: 's1' },
      { session_type: 'language', duration_minutes: 45, language_level: 'B1', rating: 5 },
    ],
    [
      'kintell.rating.created',
      { ratingId: 'r1', sessionId: 's1', fromRole: 'participant', rating: 4, createdAt: AT },
      { via: 'kintell_sessions', key: 's1' },
      { entity: 'kintell_sessions', key: 's1' },
      { rating: 4 },
    ],
    [
      'upskilling.course.completed',
      { progressId: 'p1', userId: USER, courseId: 'c1', courseName: 'Intro', completedAt: AT, finalScore: 88 },
      { userId: USER },
      { entity: 'learning_progress', key: 'p1' },
      { course_id: 'c1', course_name: 'Intro', status: 'completed', progress_percent: 100, final_score: 88 },
    ],
    [
      'upskilling.progress.updated',
      { progressId: 'p1', userId: USER, courseId: 'c1', courseName: 'Intro', progressPercent: 40, status: 'in_progress', updatedAt: AT },
      { userId: USER },
      { entity: 'learning_progress', key: 'p1' },
      { course_id: 'c1', course_name: 'Intro', status: 'in_progress', progress_percent: 40 },
    ],
    [
      'upskilling.credential.issued',
      { credentialId: 'cr1', userId: USER, courseId: 'c1', credentialType: 'certificate', issuedAt: AT },
      { userId: USER },
      { entity: 'credentials', key: 'cr1' },
      { course_id: 'c1', credential_type: 'certificate' },
    ],
    [
      'program.enrollment.created',
      { enrollmentId: 'en1', userId: USER, programType: 'buddy', status: 'active', enrolledAt: AT },
      { userId: USER },
      { entity: 'program_enrollments', key: 'en1' },
      { program_type: 'buddy', status: 'active' },
    ],
    [
      'program.enrollment.updated',
      { enrollmentId: 'en1', userId: USER, programType: 'buddy', status: 'dropped', updatedAt: AT },
      { userId: USER },
      { entity: 'program_enrollments', key: 'en1' },
      { program_type: 'buddy', status: 'dropped' },
    ],
    [
      'q2q.outcome.scored',
      { scoreId: 'q1', userId: USER, dimension: 'language_comfort', score: 0.4, scoredAt: AT },
      { userId: USER },
      { entity: 'outcome_scores', key: 'q1' },
      { dimension: 'language_comfort', score: 0.4 },
    ],
  ])('%s', (type, data, owner, target, fields) => {
    const { owner: o, patch } = project(ev(type, data));
    expect(o).toEqual(owner);
    expect(patch).toMatchObject(target);
    // what rules see once merged into an empty record
    expect(visibleFields(merge(undefined, patch, t(AT)).fields)).toEqual(fields);
  });

  it('a kintell.rating.created carries its rating as a late rating', () => {
    const { patch } = project(
      ev('kintell.rating.created', { ratingId: 'r1', sessionId: 's1', fromRole: 'participant', rating: 4, createdAt: AT }),
    );
    expect(patch.lateRating).toBe(4);
  });

  it('keys are strings even when a producer sends numbers', () => {
    const { patch } = project(ev('q2q.outcome.scored', { scoreId: 17, userId: USER, dimension: 'belonging', score: 1, scoredAt: AT }));
    expect(patch.key).toBe('17');
  });

  it('optional fields left out are not set', () => {
    const { patch } = project(
      ev('kintell.session.completed', {
        sessionId: 's1',
        sessionType: 'mentorship',
        participantId: USER,
        volunteerId: 'v1',
        completedAt: AT,
        durationMinutes: 30,
      }),
    );
    expect(merge(undefined, patch, t(AT)).fields).toEqual({ session_type: 'mentorship', duration_minutes: 30 });
  });
});

describe('merge', () => {
  const patch = (fields: Record<string, unknown>): RecordPatch => ({ entity: 'learning_progress', key: 'p1', fields });
  const base: StoredRecord = {
    occurredAt: t('2025-01-15T10:00:00Z'),
    fields: { status: 'in_progress', progress_percent: 40, course_name: 'Intro' },
  };

  it.each<[string, string, Record<string, unknown>, Record<string, unknown>, number]>([
    [
      'a later event overwrites',
      '2025-01-15T11:00:00Z',
      { status: 'completed', progress_percent: 100, final_score: 90 },
      { status: 'completed', progress_percent: 100, course_name: 'Intro', final_score: 90 },
      t('2025-01-15T11:00:00Z'),
    ],
    [
      'an event at the same instant overwrites',
      '2025-01-15T10:00:00Z',
      { status: 'dropped' },
      { status: 'dropped', progress_percent: 40, course_name: 'Intro' },
      t('2025-01-15T10:00:00Z'),
    ],
    [
      'an older late-arriving event only fills missing fields',
      '2025-01-15T09:00:00Z',
      { status: 'enrolled', progress_percent: 0, course_id: 'c1' },
      { status: 'in_progress', progress_percent: 40, course_name: 'Intro', course_id: 'c1' },
      t('2025-01-15T10:00:00Z'),
    ],
    [
      'undefined values never erase',
      '2025-01-15T11:00:00Z',
      { status: undefined, final_score: undefined },
      { status: 'in_progress', progress_percent: 40, course_name: 'Intro' },
      t('2025-01-15T11:00:00Z'),
    ],
  ])('%s', (_, at, fields, expected, occurredAt) => {
    const merged = merge(base, patch(fields), t(at));
    expect(merged).toEqual({ occurredAt, fields: expected });
  });

  it('does not mutate the existing record', () => {
    const before = structuredClone(base);
    merge(base, patch({ status: 'completed' }), t('2025-01-15T12:00:00Z'));
    expect(base).toEqual(before);
  });

  it('a late buddy.match.created does not reopen an ended match', () => {
    const ended = project(
      ev(
        'buddy.match.ended',
        { matchId: 'm1', participantId: USER, buddyId: 'b1', endedAt: '2025-02-01T00:00:00Z' },
        '2025-02-01T00:00:00Z',
      ),
    );
    const created = project(
      ev(
        'buddy.match.created',
        { matchId: 'm1', participantId: USER, buddyId: 'b1', matchedAt: '2025-01-01T00:00:00Z' },
        '2025-01-01T00:00:00Z',
      ),
    );
    let r = merge(undefined, ended.patch, t('2025-02-01T00:00:00Z'));
    r = merge(r, created.patch, t('2025-01-01T00:00:00Z'));
    expect(r).toEqual({
      occurredAt: t('2025-02-01T00:00:00Z'),
      fields: { buddy_id: 'b1', status: 'ended', ended_at: '2025-02-01T00:00:00Z', matched_at: '2025-01-01T00:00:00Z' },
    });
  });
});

describe('kintell session rating', () => {
  const completed = (at: string, rating?: number) =>
    project(
      ev(
        'kintell.session.completed',
        {
          sessionId: 's1',
          sessionType: 'language',
          participantId: USER,
          volunteerId: 'v1',
          completedAt: at,
          durationMinutes: 45,
          ...(rating === undefined ? {} : { rating }),
        },
        at,
      ),
    ).patch;
  const rated = (at: string, rating: number) =>
    project(ev('kintell.rating.created', { ratingId: `r-${at}`, sessionId: 's1', fromRole: 'participant', rating, createdAt: at }, at))
      .patch;

  /** Apply [patch, at] in arrival order; return the rating the rules see. */
  const apply = (...steps: [RecordPatch, string][]) => {
    let r: StoredRecord | undefined;
    for (const [p, at] of steps) r = merge(r, p, t(at));
    return { rating: visibleFields(r!.fields).rating, occurredAt: r!.occurredAt };
  };

  it.each<[string, [RecordPatch, string][], number | undefined]>([
    ['completion rating alone', [[completed('2025-01-15T10:00:00Z', 5), '2025-01-15T10:00:00Z']], 5],
    ['no rating at all', [[completed('2025-01-15T10:00:00Z'), '2025-01-15T10:00:00Z']], undefined],
    [
      'completion rating wins over a later rating.created',
      [
        [completed('2025-01-15T10:00:00Z', 5), '2025-01-15T10:00:00Z'],
        [rated('2025-01-15T11:00:00Z', 2), '2025-01-15T11:00:00Z'],
      ],
      5,
    ],
    [
      'completion rating wins over a rating.created that happened earlier',
      [
        [completed('2025-01-15T10:00:00Z', 5), '2025-01-15T10:00:00Z'],
        [rated('2025-01-15T09:00:00Z', 2), '2025-01-15T09:00:00Z'],
      ],
      5,
    ],
    [
      'an unrated completion takes the rating.created',
      [
        [completed('2025-01-15T10:00:00Z'), '2025-01-15T10:00:00Z'],
        [rated('2025-01-15T11:00:00Z', 3), '2025-01-15T11:00:00Z'],
      ],
      3,
    ],
    [
      'the latest rating.created by timestamp wins, in arrival order',
      [
        [completed('2025-01-15T10:00:00Z'), '2025-01-15T10:00:00Z'],
        [rated('2025-01-15T11:00:00Z', 3), '2025-01-15T11:00:00Z'],
        [rated('2025-01-15T12:00:00Z', 4), '2025-01-15T12:00:00Z'],
      ],
      4,
    ],
    [
      'the latest rating.created by timestamp wins, against arrival order',
      [
        [completed('2025-01-15T10:00:00Z'), '2025-01-15T10:00:00Z'],
        [rated('2025-01-15T12:00:00Z', 4), '2025-01-15T12:00:00Z'],
        [rated('2025-01-15T11:00:00Z', 3), '2025-01-15T11:00:00Z'],
      ],
      4,
    ],
    [
      'a later unrated completion keeps the rating.created',
      [
        [completed('2025-01-15T10:00:00Z'), '2025-01-15T10:00:00Z'],
        [rated('2025-01-15T11:00:00Z', 3), '2025-01-15T11:00:00Z'],
        [completed('2025-01-15T12:00:00Z'), '2025-01-15T12:00:00Z'],
      ],
      3,
    ],
    [
      'a rated completion arriving after a rating.created wins, even if it happened earlier',
      [
        [completed('2025-01-15T10:00:00Z'), '2025-01-15T10:00:00Z'],
        [rated('2025-01-15T11:00:00Z', 2), '2025-01-15T11:00:00Z'],
        [completed('2025-01-15T09:00:00Z', 5), '2025-01-15T09:00:00Z'],
      ],
      5,
    ],
    [
      'of two rated completions, the later one wins',
      [
        [completed('2025-01-15T12:00:00Z', 4), '2025-01-15T12:00:00Z'],
        [completed('2025-01-15T10:00:00Z', 1), '2025-01-15T10:00:00Z'],
      ],
      4,
    ],
  ])('%s', (_, steps, expected) => {
    expect(apply(...steps).rating).toBe(expected);
  });

  it('a rating.created touches the record: occurredAt is the latest event time', () => {
    const r = apply(
      [completed('2025-01-15T10:00:00Z'), '2025-01-15T10:00:00Z'],
      [rated('2025-01-15T11:00:00Z', 3), '2025-01-15T11:00:00Z'],
    );
    expect(r.occurredAt).toBe(t('2025-01-15T11:00:00Z'));
  });
});

describe('visibleFields', () => {
  it('hides bookkeeping fields (leading underscore) and keeps the rest', () => {
    expect(visibleFields({ rating: 4, _rating_from: 'completion', session_type: 'language', _x: 1 })).toEqual({
      rating: 4,
      session_type: 'language',
    });
  });
});
