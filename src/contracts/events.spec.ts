import { EVENT_TYPES, type EventType } from './events.js';
import { validateEvent } from './validation.js';

const USER = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const AT = '2025-01-15T10:30:00Z';

/** One valid `data` per input type of EVENTS.md, with every optional field left out. */
const EXAMPLES: Record<EventType, Record<string, unknown>> = {
  'buddy.match.created': { matchId: 'm1', participantId: USER, buddyId: 'b1', matchedAt: AT },
  'buddy.match.ended': { matchId: 'm1', participantId: USER, buddyId: 'b1', endedAt: AT },
  'buddy.event.logged': { eventId: 'e1', matchId: 'm1', eventType: 'coffee', eventDate: AT },
  'buddy.event.attended': { eventId: 'e1', userId: USER, eventType: 'workshop', attendedAt: AT },
  'buddy.checkin.completed': { checkinId: 'c1', matchId: 'm1', checkinDate: AT },
  'buddy.feedback.submitted': { feedbackId: 'f1', matchId: 'm1', fromRole: 'participant', rating: 0.8, submittedAt: AT },
  'kintell.session.completed': {
    sessionId: 's1',
    sessionType: 'language',
    participantId: USER,
    volunteerId: 'v1',
    completedAt: AT,
    durationMinutes: 45,
  },
  'kintell.rating.created': { ratingId: 'r1', sessionId: 's1', fromRole: 'volunteer', rating: 4, createdAt: AT },
  'upskilling.course.completed': { progressId: 'p1', userId: USER, courseId: 'c1', courseName: 'Intro', completedAt: AT },
  'upskilling.progress.updated': {
    progressId: 'p1',
    userId: USER,
    courseId: 'c1',
    courseName: 'Intro',
    progressPercent: 40,
    status: 'in_progress',
    updatedAt: AT,
  },
  'upskilling.credential.issued': { credentialId: 'cr1', userId: USER, courseId: 'c1', credentialType: 'certificate', issuedAt: AT },
  'program.enrollment.created': { enrollmentId: 'en1', userId: USER, programType: 'buddy', status: 'active', enrolledAt: AT },
  'program.enrollment.updated': { enrollmentId: 'en1', userId: USER, programType: 'mentorship', status: 'dropped', updatedAt: AT },
  'q2q.outcome.scored': { scoreId: 'q1', userId: USER, dimension: 'language_comfort', score: 0.4, scoredAt: AT },
};

/** The optional fields EVENTS.md lists, with a valid value. */
const OPTIONALS: Partial<Record<EventType, Record<string, unknown>>> = {
  'buddy.match.ended': { reason: 'moved away' },
  'buddy.checkin.completed': { mood: 'good' },
  'kintell.session.completed': { languageLevel: 'B1', rating: 5 },
  'upskilling.course.completed': { finalScore: 88 },
};

/** A way to break each type's data, and the problem it must produce. */
const BROKEN: [EventType, Record<string, unknown>, string, string][] = [
  ['buddy.match.created', { participantId: 'not-a-uuid' }, 'data.participantId', 'must be a valid uuid'],
  ['buddy.match.ended', { endedAt: 'last tuesday' }, 'data.endedAt', 'must be a valid date-time'],
  ['buddy.event.logged', { matchId: undefined }, 'data.matchId', 'is required'],
  ['buddy.event.attended', { eventType: 42 }, 'data.eventType', 'must be string'],
  ['buddy.checkin.completed', { checkinId: '' }, 'data.checkinId', 'must NOT have fewer than 1 characters'],
  ['buddy.feedback.submitted', { rating: 4 }, 'data.rating', 'must be <= 1'],
  ['kintell.session.completed', { sessionType: 'cooking' }, 'data.sessionType', 'must be one of: language, mentorship'],
  ['kintell.rating.created', { rating: 0 }, 'data.rating', 'must be >= 1'],
  ['upskilling.course.completed', { finalScore: 101 }, 'data.finalScore', 'must be <= 100'],
  ['upskilling.progress.updated', { status: 'paused' }, 'data.status', 'must be one of: enrolled, in_progress, completed, dropped'],
  ['upskilling.credential.issued', { userId: undefined }, 'data.userId', 'is required'],
  ['program.enrollment.created', { programType: 'chess' }, 'data.programType', 'must be one of: buddy, language, mentorship, upskilling'],
  ['program.enrollment.updated', { status: 'paused' }, 'data.status', 'must be one of: active, completed, dropped'],
  [
    'q2q.outcome.scored',
    { dimension: 'happiness' },
    'data.dimension',
    'must be one of: confidence, belonging, language_comfort, job_readiness, well_being',
  ],
];

const envelope = (type: string, data: unknown, more: Record<string, unknown> = {}) => ({
  id: '5b1d3c1e-8a55-4d0e-9d7f-2f7f3f0a9c11',
  type,
  version: 'v1',
  timestamp: AT,
  data,
  ...more,
});
const problems = (input: unknown) => {
  const v = validateEvent(input);
  return v.ok ? [] : v.problems.map((p) => `${p.path}: ${p.reason}`);
};

it('knows exactly the 14 input types of EVENTS.md', () => {
  expect([...EVENT_TYPES].sort()).toEqual(Object.keys(EXAMPLES).sort());
  expect(EVENT_TYPES).toHaveLength(14);
});

describe.each(EVENT_TYPES.map((t) => [t]))('%s', (type) => {
  it('accepts a valid example', () => {
    const v = validateEvent(envelope(type, EXAMPLES[type]));
    expect(v).toEqual({ ok: true, event: envelope(type, EXAMPLES[type]) });
  });

  it('accepts the optional fields, and extra fields (kept)', () => {
    const data = { ...EXAMPLES[type], ...OPTIONALS[type], somethingNew: { nested: true } };
    const v = validateEvent(envelope(type, data));
    expect(v.ok).toBe(true);
    if (v.ok) expect(v.event.data.somethingNew).toEqual({ nested: true });
  });

  it.each(Object.keys(EXAMPLES[type]).map((field) => [field]))('refuses it without %s', (field) => {
    const data = { ...EXAMPLES[type] };
    delete data[field];
    expect(problems(envelope(type, data))).toEqual([`data.${field}: is required`]);
  });
});

describe('broken data names the field', () => {
  it('breaks every type', () => expect(new Set(BROKEN.map(([t]) => t)).size).toBe(EVENT_TYPES.length));
  it.each(BROKEN)('%s with %j', (type, patch, path, reason) => {
    expect(problems(envelope(type, { ...EXAMPLES[type], ...patch }))).toEqual([`${path}: ${reason}`]);
  });
});

describe('the envelope', () => {
  const data = EXAMPLES['q2q.outcome.scored'];
  it.each<[string, unknown, string[]]>([
    ['a bad uuid id', envelope('q2q.outcome.scored', data, { id: 'evt-1' }), ['id: must be a valid uuid']],
    ['an unknown type', envelope('q2q.outcome.rescored', data), ['type: must be one of: ' + EVENT_TYPES.join(', ')]],
    ['a missing timestamp', envelope('q2q.outcome.scored', data, { timestamp: undefined }), ['timestamp: is required']],
    [
      'a timestamp that is not a time',
      envelope('q2q.outcome.scored', data, { timestamp: '15/01/2025' }),
      ['timestamp: must be a valid date-time'],
    ],
    ['a missing data', envelope('q2q.outcome.scored', undefined), ['data: is required']],
    ['data that is not an object', envelope('q2q.outcome.scored', [data]), ['data: must be object']],
    ['another version', envelope('q2q.outcome.scored', data, { version: 'v2' }), ['version: must be "v1"']],
    ['a bad correlationId', envelope('q2q.outcome.scored', data, { correlationId: 'abc' }), ['correlationId: must be a valid uuid']],
    ['not an object', 'hello', [': must be object']],
  ])('refuses %s', (_, input, expected) => expect(problems(input)).toEqual(expected));

  it('accepts optional correlation and causation ids, no version, and extra envelope fields', () => {
    const v = validateEvent(
      envelope('q2q.outcome.scored', data, {
        version: undefined,
        correlationId: '0f8fad5b-d9cb-469f-a165-70867728950e',
        causationId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
        source: 'q2q',
      }),
    );
    expect(v.ok).toBe(true);
  });

  it('accepts a timestamp with an offset and fractional seconds', () => {
    expect(validateEvent(envelope('q2q.outcome.scored', data, { timestamp: '2025-01-15T11:30:00.123+01:00' })).ok).toBe(true);
  });
});
