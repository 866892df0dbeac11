/**
 * POST /journey/simulate: the journey some events would produce, played in memory, against the same
 * events replayed through the real ingest (POST /journey/events) and the real scheduler on a clock
 * moved through program time: the same flag changes, at the same instants. Also: drafts, nothing
 * written, bad input (400 with path and reason) and the size bounds.
 */
import { randomUUID } from 'node:crypto';
import { Clock } from '../../src/common/clock.js';
import type { EventEnvelope } from '../../src/contracts/events.js';
import { SchedulerService } from '../../src/scheduler/scheduler.service.js';
import { backend, startApp, type TestApp } from '../support/app.js';
import { envelope, ev } from '../support/events.js';

const DAY = 86_400_000;
const T0 = Date.parse('2024-03-01T09:00:00Z');
const at = (days: number, hours = 0) => new Date(T0 + days * DAY + hours * 3_600_000);

interface Step {
  kind: string;
  at: string;
  userId: string | null;
  flag?: string;
  value?: boolean;
  causedBy?: { trigger: string };
  pending?: boolean;
  id?: string;
}

let t: TestApp;
let now = T0;

beforeAll(async () => {
  // The scheduler's loop and the backfills are off: the test runs the scheduler itself, at the instants it chooses.
  t = await startApp({ JOURNEY_SCHEDULER_INTERVAL_MS: '0', JOURNEY_RECONCILE_INTERVAL_MS: '0', JOURNEY_BACKFILL_BATCH_SIZE: '0' });
  t.app.get(Clock).now = () => now;
}, 60_000);
afterAll(() => t?.close());

const simulate = (body: unknown, expect = 200) =>
  t
    .as('admin')
    .post('/journey/simulate')
    .send(body as object)
    .expect(expect);
const count = async (table: string) => Number((await t.db.query<{ n: string }[]>(`SELECT count(*) AS n FROM ${table}`))[0].n);

/** The earliest instant anyone is due, or null. */
async function earliestDue(): Promise<number | null> {
  const [r] = await t.db.query<{ d: Date | null }[]>(`SELECT min(next_due_at) AS d FROM participants`);
  return r.d ? new Date(r.d).getTime() : null;
}

/** Runs the scheduler at every due instant up to `to`, each at its instant. */
async function runDueUntil(to: number): Promise<void> {
  for (;;) {
    const due = await earliestDue();
    if (due === null || due > to) return;
    now = Math.max(now, due);
    await t.app.get(SchedulerService).runDue();
  }
}

/** Ana: enrolled, a check-in before her match is known (pending), the match, three good language sessions, then silence. */
function anasEvents(user: string): EventEnvelope[] {
  const match = `m-${randomUUID()}`;
  return [
    ev.enrollment(user, 'active', at(0), `enr-${user}`),
    ev.attended(user, at(2)),
    envelope(
      'buddy.checkin.completed',
      { checkinId: randomUUID(), matchId: match, checkinDate: at(30).toISOString(), mood: 'good' },
      at(30),
    ),
    ev.match(user, match, at(31)),
    ev.session(user, `s1-${user}`, 5, at(40)),
    ev.session(user, `s2-${user}`, 4, at(41)),
    ev.session(user, `s3-${user}`, 5, at(42)),
  ];
}

const flagChanges = (steps: Step[], user: string) =>
  steps.filter((s) => s.kind === 'flag' && s.userId === user).map((s) => ({ flag: s.flag, value: s.value, at: s.at }));

describe(`POST /journey/simulate (${backend})`, () => {
  it('gives the flag changes that the real ingest and scheduler make for the same events, and writes nothing', async () => {
    const user = randomUUID();
    // Ben, beside her: enrolled on day 3 and never heard of again.
    const ben = randomUUID();
    const events = [...anasEvents(user), ev.enrollment(ben, 'active', at(3), `enr-${ben}`)];
    const until = at(120).toISOString();
    const written = [await count('journey_event_log'), await count('journey_outbox')];
    const participants = await count('participants');

    const { body } = await simulate({ events, until });
    const steps = body.steps as Step[];
    expect(body.truncated).toBe(false);
    // Nothing was written.
    expect(await count('participants')).toBe(participants);
    expect([await count('journey_event_log'), await count('journey_outbox')]).toEqual(written);
    // Time alone: followup_needed 14 days after the last activity, between the events and after them.
    const simulated = flagChanges(steps, user);
    expect(simulated).toEqual(
      expect.arrayContaining([
        { flag: 'followup_needed', value: true, at: at(16).toISOString() },
        { flag: 'mentor_ready', value: true, at: at(42).toISOString() },
        { flag: 'followup_needed', value: true, at: at(56).toISOString() },
      ]),
    );
    expect(steps.find((s) => s.flag === 'followup_needed' && s.at === at(16).toISOString())!.causedBy).toEqual({
      trigger: 'time',
      dueAt: at(16).toISOString(),
    });
    // The check-in waited for its match and joined Ana's journey; steps are in program time.
    expect(steps.find((s) => s.id === events[2].id)).toMatchObject({ userId: user, at: at(30).toISOString() });
    expect(steps.map((s) => Date.parse(s.at))).toEqual(steps.map((s) => Date.parse(s.at)).sort((a, b) => a - b));
    expect(steps.some((s) => s.kind === 'milestone')).toBe(true);

    // The same events through the real ingest, each when it happened, the scheduler at every due instant.
    for (const e of [...events].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp))) {
      await runDueUntil(Date.parse(e.timestamp));
      now = Date.parse(e.timestamp);
      // The count is bounded before anything is validated (the body itself by JOURNEY_BODY_LIMIT: 413).
      await t.as('service').post('/journey/events').send(e).expect(200);
    }
    await runDueUntil(Date.parse(until));
    const { body: timeline } = await t.as('reader').get(`/journey/participants/${user}/timeline?kinds=flag&limit=200`).expect(200);
    const real = (timeline.entries as Step[]).map((s) => ({ flag: s.flag, value: s.value, at: s.at })).reverse();
    expect(simulated).toEqual(real);
    const { body: bens } = await t.as('reader').get(`/journey/participants/${ben}/timeline?kinds=flag&limit=200`).expect(200);
    expect(flagChanges(steps, ben)).toEqual((bens.entries as Step[]).map((s) => ({ flag: s.flag, value: s.value, at: s.at })).reverse());
    expect(flagChanges(steps, ben)).toContainEqual({ flag: 'followup_needed', value: true, at: at(17).toISOString() });
  });

  it('plays draft rules instead of the active ones', async () => {
    const user = randomUUID();
    const draft = {
      id: `draft_${randomUUID().slice(0, 8)}`,
      name: 'Attended twice',
      flag: 'regular',
      priority: 5,
      active: false,
      conditions: [{ type: 'count', entity: 'buddy_events', count: '>=', count_value: 2 }],
      actions: [{ type: 'set_flag', flag: 'regular', expires_in: '7 days' }],
    };
    const { body } = await simulate({ events: [ev.attended(user, at(0)), ev.attended(user, at(1))], rules: [draft] });
    expect(body.until).toBe(at(91).toISOString());
    expect(flagChanges(body.steps as Step[], user)).toEqual([
      { flag: 'regular', value: true, at: at(1).toISOString() },
      { flag: 'regular', value: false, at: at(8).toISOString() },
    ]);
    expect((body.steps as Step[]).find((s) => s.kind === 'flag')).toMatchObject({ ruleId: draft.id, ruleVersion: null });
  });

  it('stops the default horizon at the last instant the contracts hold', async () => {
    const user = randomUUID();
    const last = '9999-12-31T23:59:59.999Z';
    const { body } = await simulate({ events: [ev.attended(user, new Date('9999-12-01T00:00:00Z'))] });
    expect(body.until).toBe(last);
  });

  it('refuses bad input with a path and a reason, and is admin only', async () => {
    const user = randomUUID();
    const good = ev.attended(user, at(0));
    const problems = async (body: unknown) =>
      ((await simulate(body, 400)).body as { problems: { path: string; reason: string }[] }).problems;
    expect(await problems({ events: [] })).toEqual([expect.objectContaining({ path: 'events' })]);
    expect(await problems({ events: [good, { ...good, data: { ...good.data, userId: 'nope' } }] })).toEqual([
      expect.objectContaining({ path: 'events[1].data.userId' }),
    ]);
    expect(await problems({ events: [good], rules: [{ id: 'x' }] })).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: expect.stringMatching(/^rules\[0\]/) as unknown })]),
    );
    expect(await problems({ events: [good], until: at(-1).toISOString() })).toEqual([expect.objectContaining({ path: 'until' })]);
    expect(await problems({ events: [good], until: 'tomorrow' })).toEqual([expect.objectContaining({ path: 'until' })]);
    expect(await problems({ events: [good], extra: 1 })).toEqual([expect.objectContaining({ path: 'extra' })]);
    expect(await problems({ events: Array.from({ length: 5001 }, () => ({})) })).toEqual([
      expect.objectContaining({ path: 'events', reason: expect.stringContaining('at most 5000') as unknown }),
    ]);
    expect(await problems({ events: [good], rules: Array.from({ length: 201 }, () => ({})) })).toEqual([
      expect.objectContaining({ path: 'rules', reason: expect.stringContaining('at most 200') as unknown }),
    ]);
    await t
      .as('service')
      .post('/journey/simulate')
      .send({ events: [good] })
      .expect(403);
    await t
      .as('reader')
      .post('/journey/simulate')
      .send({ events: [good] })
      .expect(403);
  });
});
