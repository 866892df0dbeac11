import type { EventEnvelope, EventType } from '../contracts/events.js';
import { OwnerHints } from './owners.service.js';

const P1 = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const P2 = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const AT = '2025-01-15T10:30:00Z';
let n = 0;
const ev = (type: EventType, data: Record<string, unknown>): EventEnvelope => ({ id: `e-${n++}`, type, timestamp: AT, data });
const match = (matchId: string, participantId: string) =>
  ev('buddy.match.created', { matchId, participantId, buddyId: 'b1', matchedAt: AT });
const checkin = (matchId: string) => ev('buddy.checkin.completed', { checkinId: `c-${n}`, matchId, checkinDate: AT, mood: 'good' });
const session = (sessionId: string, participantId: string) =>
  ev('kintell.session.completed', {
    sessionId,
    sessionType: 'language',
    participantId,
    volunteerId: 'v',
    completedAt: AT,
    durationMinutes: 30,
  });
const rating = (sessionId: string) =>
  ev('kintell.rating.created', { ratingId: `r-${n}`, sessionId, fromRole: 'participant', rating: 0.5, createdAt: AT });
const score = (userId: string) =>
  ev('q2q.outcome.scored', { scoreId: `s-${n}`, userId, dimension: 'language_comfort', score: 0.2, scoredAt: AT });

describe('OwnerHints: whose an event is, without the database', () => {
  it('names the participant an event names', () => {
    expect(new OwnerHints().keysOf([score(P1), match('m1', P2)])).toEqual([P1, P2]);
  });

  it('reaches a match or session through the event that defined it, earlier in the same run or in an earlier one', () => {
    const hints = new OwnerHints();
    // the check-in comes before its match in the run: the match still counts
    expect(hints.keysOf([checkin('m1'), match('m1', P1), rating('s1')])).toEqual([P1, P1, expect.stringContaining('s1')]);
    expect(hints.keysOf([session('s1', P2)])).toEqual([P2]);
    expect(hints.keysOf([rating('s1'), checkin('m1')])).toEqual([P2, P1]);
  });

  it('keys an event of an unknown match or session by that match or session, so its events stay together', () => {
    const [a, b, c] = new OwnerHints().keysOf([checkin('m9'), checkin('m9'), rating('m9')]);
    expect(a).toBe(b);
    expect(c).not.toBe(a); // a session m9 is not the match m9
  });

  it('keeps the first owner of a match, as the read model does', () => {
    const hints = new OwnerHints();
    hints.keysOf([match('m1', P1)]);
    expect(hints.keysOf([match('m1', P2), checkin('m1')])).toEqual([P2, P1]);
  });

  it('forgets the oldest owners beyond its limit', () => {
    const hints = new OwnerHints(2);
    hints.keysOf([match('m1', P1), match('m2', P1), match('m3', P2)]);
    const [m1, m2, m3] = hints.keysOf([checkin('m1'), checkin('m2'), checkin('m3')]);
    expect(m1).not.toBe(P1);
    expect([m2, m3]).toEqual([P1, P2]);
  });
});
