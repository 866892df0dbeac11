import type { EventEnvelope, EventType } from '../contracts/events.js';
import { RuleSet } from '../engine/evaluate.js';
import { DAY, rule, T0, USER_ID } from '../engine/testing.js';
import { simulate } from './journey.js';

let n = 0;
const event = (type: EventType, data: Record<string, unknown>, at: number): EventEnvelope => ({
  id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  type,
  version: 'v1',
  timestamp: new Date(at).toISOString(),
  data,
});
const attended = (at: number) => event('buddy.event.attended', { eventId: `e${n}`, userId: USER_ID, eventType: 'coffee' }, at);
const quiet = RuleSet.of([rule('quiet', [{ type: 'time_since', entity: 'buddy_events', field: 'last_activity', duration: '3 days' }])]);
const flags = (steps: ReturnType<typeof simulate>['steps']) => steps.filter((s) => s.kind === 'flag').map((s) => [s.at, s.value]);
const iso = (t: number) => new Date(t).toISOString();

describe('simulate', () => {
  it('flips by time between events and after them, up to until, and events take the flag back', () => {
    const { steps } = simulate([attended(T0), attended(T0 + 5 * DAY)], quiet, T0 + 20 * DAY);
    expect(flags(steps)).toEqual([
      [iso(T0 + 3 * DAY), true],
      [iso(T0 + 5 * DAY), false],
      [iso(T0 + 8 * DAY), true],
    ]);
  });

  it('plays events in timestamp order whatever order they are given in, and ignores a repeated id', () => {
    const a = attended(T0 + 5 * DAY);
    const b = attended(T0);
    const { steps } = simulate([a, b, a], quiet, T0 + 20 * DAY);
    expect(steps.filter((s) => s.kind === 'event').map((s) => s.at)).toEqual([iso(T0), iso(T0 + 5 * DAY)]);
    expect(flags(steps)).toHaveLength(3);
  });

  it('keeps an event waiting for its match, then gives it to the match’s participant', () => {
    const checkin = event('buddy.checkin.completed', { checkinId: 'c1', matchId: 'm1' }, T0);
    const orphan = event('buddy.checkin.completed', { checkinId: 'c2', matchId: 'never' }, T0);
    const match = event('buddy.match.created', { matchId: 'm1', participantId: USER_ID, buddyId: 'b' }, T0 + DAY);
    const { steps } = simulate([checkin, orphan, match], RuleSet.of([]), T0 + DAY);
    expect(steps.find((s) => s.kind === 'event' && s.id === checkin.id)).toMatchObject({ userId: USER_ID, at: iso(T0) });
    expect(steps.find((s) => s.kind === 'event' && s.id === orphan.id)).toMatchObject({ userId: null, pending: true });
  });

  it('stops where the journey grows too long, and says so', () => {
    const events = Array.from({ length: 10 }, (_, i) => attended(T0 + i * 5 * DAY));
    expect(simulate(events, quiet, T0 + 60 * DAY).truncated).toBe(false);
    const cut = simulate(events, quiet, T0 + 60 * DAY, { maxSteps: 4 });
    expect(cut.truncated).toBe(true);
    expect(flags(cut.steps).length).toBeLessThan(flags(simulate(events, quiet, T0 + 60 * DAY).steps).length);
  });
});
