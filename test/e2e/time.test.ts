/**
 * Time end to end, on the service's injectable clock with the real scheduler running by itself:
 * flags that turn on, expire and age out with no event and no call, explanations and dry runs.
 * The test moves the clock to each instant and waits for the scheduler's next look; the change is
 * then recorded at exactly that instant, so nothing here depends on how late the real clock runs
 * (that lateness is measured by `npm run bench`, part scheduler).
 */
import { randomUUID } from 'node:crypto';
import { Clock } from '../../src/common/clock.js';
import { backend, startApp, type TestApp } from '../support/app.js';
import { daysAgo, envelope, ev } from '../support/events.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Program time at the start: the clock the service reads, moved by the tests. */
const T0 = Date.parse('2026-03-02T09:00:00Z');

interface HistoryEntry {
  flag: string;
  value: boolean;
  previousValue: boolean | null;
  setByRule: string;
  reason: string;
  causedBy: string | null;
  explanation: Record<string, unknown>;
  changedAt: string;
}

let t: TestApp;
let clock: Clock;
const ingest = (events: unknown) =>
  t
    .as('service')
    .post('/journey/events')
    .send(events as object)
    .expect(200);
const flagsOf = async (u: string) =>
  Object.fromEntries(
    ((await t.as('reader').get(`/journey/flags/${u}`).expect(200)).body as { flags: { flag: string; value: boolean }[] }).flags.map((f) => [
      f.flag,
      f.value,
    ]),
  );
const historyOf = async (u: string) =>
  ((await t.as('reader').get(`/journey/flags/${u}/history`).expect(200)).body as { history: HistoryEntry[] }).history;
const flagEvents = (u: string) =>
  t.db.query<{ envelope: { data: Record<string, unknown> } }[]>(
    `SELECT envelope FROM journey_outbox WHERE user_id = $1 AND type = 'orchestration.flag.updated' ORDER BY id`,
    [u],
  );

/** Moves the service's clock to `instant`, then waits (real time) until the scheduler has done what `ok` looks for. */
async function at<T>(instant: number, probe: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  clock.now = () => instant;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within 10 s of moving the clock (last: ${JSON.stringify(v)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const expiring = { user: randomUUID(), rule: `welcome_${randomUUID().slice(0, 8)}`, expiresAt: T0 + 2 * DAY };
const windowed = { user: randomUUID(), rule: `in_session_${randomUUID().slice(0, 8)}`, leavesAt: T0 - HOUR + 3 * DAY };
const followup = { user: randomUUID(), due: T0 + 3 * DAY };

beforeAll(async () => {
  // The scheduler looks every 200 ms (and at the next known instant sooner), on the test's clock.
  t = await startApp({ JOURNEY_SCHEDULER_INTERVAL_MS: '200' });
  clock = t.app.get(Clock);
  clock.now = () => T0;
  // A rule whose flag lasts two days, and one that holds while a mentorship session is under three days old.
  await t
    .as('admin')
    .post('/journey/rules')
    .send({
      id: expiring.rule,
      name: 'Welcomed',
      flag: 'welcomed',
      priority: 5,
      conditions: [{ type: 'exists', entity: 'buddy_events', field: 'event_type', value: 'welcome_day' }],
      actions: [{ type: 'set_flag', flag: 'welcomed', expires_in: '2 days' }],
    })
    .expect(201);
  await t
    .as('admin')
    .post('/journey/rules')
    .send({
      id: windowed.rule,
      name: 'In a session',
      flag: 'in_session',
      priority: 5,
      conditions: [{ type: 'exists', entity: 'kintell_sessions', field: 'session_type', value: 'mentorship', within: '3 days' }],
      actions: [{ type: 'set_flag', flag: 'in_session' }],
    })
    .expect(201);

  await ingest(
    envelope(
      'buddy.event.attended',
      { eventId: randomUUID(), userId: expiring.user, eventType: 'welcome_day', attendedAt: new Date(T0).toISOString() },
      new Date(T0),
    ),
  );
  await ingest(ev.session(windowed.user, `s-${windowed.user}`, undefined, new Date(T0 - HOUR), 'mentorship'));
  // Enrolled 14 days before the due instant, and never heard of since.
  await ingest(ev.enrollment(followup.user, 'active', new Date(followup.due - 14 * DAY)));
}, 60_000);

afterAll(() => t?.close());

describe(`time, end to end on the service's clock (${backend})`, () => {
  // The real clock again for the next describe (the prototype's now).
  afterAll(() => Reflect.deleteProperty(clock, 'now'));

  it('before any instant, nothing flips by itself', async () => {
    clock.now = () => T0 + DAY;
    await new Promise((r) => setTimeout(r, 600)); // three scheduler looks
    expect(await flagsOf(expiring.user)).toEqual({ welcomed: true });
    expect(await flagsOf(windowed.user)).toEqual({ in_session: true });
    expect(await flagsOf(followup.user)).toEqual({});
  });

  it('a flag set with expires_in clears by itself when it expires: history row (expired) and flag.updated', async () => {
    const [set] = await historyOf(expiring.user);
    expect(set).toMatchObject({ flag: 'welcomed', value: true, setByRule: expiring.rule, changedAt: new Date(T0).toISOString() });

    const history = await at(
      expiring.expiresAt,
      () => historyOf(expiring.user),
      (h) => h.length === 2,
      'the expiry recorded',
    );
    expect(history[1]).toMatchObject({
      flag: 'welcomed',
      value: false,
      previousValue: true,
      setByRule: expiring.rule,
      reason: 'expired',
      causedBy: null,
      explanation: { reason: 'expired', expiresAt: new Date(expiring.expiresAt).toISOString() },
      changedAt: new Date(expiring.expiresAt).toISOString(),
    });
    expect(await flagsOf(expiring.user)).toEqual({ welcomed: false });
    expect((await flagEvents(expiring.user)).map((o) => o.envelope.data)).toEqual([
      expect.objectContaining({ flag: 'welcomed', value: true, previousValue: null }),
      expect.objectContaining({ flag: 'welcomed', value: false, previousValue: true, reason: 'expired' }),
    ]);
    // The rule still matches; it does not set the flag again.
    expect(await historyOf(expiring.user)).toHaveLength(2);
  });

  it('a windowed flag clears when its record ages out of the window', async () => {
    const history = await at(
      windowed.leavesAt,
      () => historyOf(windowed.user),
      (h) => h.length === 2,
      'in_session cleared',
    );
    expect(history.map((h) => [h.flag, h.value, h.reason, h.causedBy === null, h.changedAt])).toEqual([
      ['in_session', true, 'conditions hold', false, new Date(T0).toISOString()],
      ['in_session', false, 'conditions no longer hold', true, new Date(windowed.leavesAt).toISOString()],
    ]);
    expect((await flagsOf(windowed.user)).in_session).toBe(false);
  });

  it('a participant quiet for 14 days is flagged followup_needed at that instant, with no event and no call', async () => {
    await at(
      followup.due,
      () => flagsOf(followup.user),
      (f) => f.followup_needed === true,
      'followup_needed set',
    );
    const history = await historyOf(followup.user);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      flag: 'followup_needed',
      value: true,
      previousValue: null,
      setByRule: 'followup_needed_001',
      reason: 'conditions hold',
      causedBy: null,
      explanation: { ruleId: 'followup_needed_001', conditions: expect.arrayContaining([expect.objectContaining({ result: true })]) },
      changedAt: new Date(followup.due).toISOString(),
    });
    const out = await flagEvents(followup.user);
    expect(out.map((o) => o.envelope.data)).toEqual([
      expect.objectContaining({ userId: followup.user, flag: 'followup_needed', value: true, ruleId: 'followup_needed_001' }),
    ]);
  });
});

describe(`explain and dry run (${backend})`, () => {
  // Enrolled 20 days ago, a buddy event 10 days ago, a language session 5 days ago.
  const u = randomUUID();
  const now = Date.now();
  const buddyAt = daysAgo(10, now);
  const sessionAt = daysAgo(5, now);
  const iso = (t: number | Date) => new Date(t).toISOString();
  const explain = (ruleId: string, user: string, asOf?: number) =>
    t
      .as('reader')
      .get(`/journey/rules/${ruleId}/explain/${user}${asOf === undefined ? '' : `?asOf=${iso(asOf)}`}`)
      .expect(200);

  beforeAll(async () => {
    await ingest([
      ev.enrollment(u, 'active', daysAgo(20, now)),
      ev.attended(u, buddyAt),
      ev.session(u, `s-${u}`, 5, sessionAt, 'language'),
    ]);
  });

  it('explains followup_needed_001 condition by condition: what holds, when the silences end, when the rule flips', async () => {
    const res = await explain('followup_needed_001', u, now);
    expect(res.body).toEqual({
      ruleId: 'followup_needed_001',
      userId: u,
      asOf: iso(now),
      active: true,
      matched: false,
      conditions: [
        {
          path: 'conditions[0]',
          type: 'exists',
          entity: 'program_enrollments',
          field: 'count',
          actual: 1,
          expected: '>= 1',
          result: true,
        },
        {
          path: 'conditions[1]',
          type: 'time_since',
          entity: 'buddy_events',
          field: 'last_activity',
          actual: iso(buddyAt),
          expected: '>= 14 days ago',
          result: false,
          becomesTrueAt: iso(buddyAt.getTime() + 14 * DAY),
        },
        // no check-ins: the silence is measured from the first event, 20 days ago
        expect.objectContaining({ path: 'conditions[2]', entity: 'buddy_checkins', actual: iso(daysAgo(20, now)), result: true }),
        expect.objectContaining({
          path: 'conditions[3]',
          entity: 'kintell_sessions',
          result: false,
          becomesTrueAt: iso(sessionAt.getTime() + 14 * DAY),
        }),
        expect.objectContaining({ path: 'conditions[4]', entity: 'learning_progress', result: true }),
      ],
      // the later silence ends last: that is when the rule flips
      nextChangeAt: iso(sessionAt.getTime() + 14 * DAY),
    });

    const then = await explain('followup_needed_001', u, sessionAt.getTime() + 14 * DAY);
    expect(then.body).toMatchObject({ matched: true, nextChangeAt: null });
  });

  it('says what a participant without an enrollment needs, and that time alone will never set the flag', async () => {
    const stranger = randomUUID();
    await ingest(ev.attended(stranger, daysAgo(1)));
    const res = await explain('followup_needed_001', stranger);
    expect(res.body.conditions[0]).toMatchObject({
      result: false,
      actual: 0,
      needs: '1 more program_enrollments where status = "active"',
    });
    expect(res.body.conditions[1].becomesTrueAt).toBeDefined();
    expect(res.body.nextChangeAt).toBeNull();
  });

  it('explains nested conditions with their paths, needs and instants', async () => {
    const id = `nested_${randomUUID().slice(0, 8)}`;
    await t
      .as('admin')
      .post('/journey/rules')
      .send({
        id,
        name: 'Nested',
        flag: 'nested_test',
        priority: 1,
        active: false,
        conditions: [
          {
            type: 'any_of',
            conditions: [
              {
                type: 'all_of',
                conditions: [
                  { type: 'count', entity: 'kintell_sessions', field: 'session_type', value: 'language', count: '>=', count_value: 3 },
                  { type: 'value', entity: 'kintell_sessions', field: 'avg_rating', operator: '>=', value: 4 },
                ],
              },
              { type: 'not', condition: { type: 'exists', entity: 'kintell_sessions', within: '7 days' } },
            ],
          },
        ],
        actions: [{ type: 'set_flag', flag: 'nested_test' }],
      })
      .expect(201);
    const res = await explain(id, u, now);
    const quietFrom = iso(sessionAt.getTime() + 7 * DAY);
    expect(res.body).toMatchObject({
      active: false,
      matched: false,
      nextChangeAt: quietFrom,
      conditions: [
        {
          path: 'conditions[0]',
          type: 'any_of',
          actual: '0 of 2 hold',
          result: false,
          becomesTrueAt: quietFrom,
          conditions: [
            {
              path: 'conditions[0].conditions[0]',
              type: 'all_of',
              actual: '1 of 2 hold',
              result: false,
              conditions: [
                {
                  path: 'conditions[0].conditions[0].conditions[0]',
                  actual: 1,
                  expected: '>= 3',
                  result: false,
                  needs: '2 more kintell_sessions where session_type = "language"',
                },
                { path: 'conditions[0].conditions[0].conditions[1]', field: 'avg_rating', actual: 5, result: true },
              ],
            },
            {
              path: 'conditions[0].conditions[1]',
              type: 'not',
              result: false,
              becomesTrueAt: quietFrom,
              conditions: [{ path: 'conditions[0].conditions[1].condition', type: 'exists', actual: 1, result: true }],
            },
          ],
        },
      ],
    });
    expect(res.body.conditions[0].conditions[0].becomesTrueAt).toBeUndefined();
  });

  it('refuses a bad asOf and an unknown rule', async () => {
    await t.as('reader').get(`/journey/rules/followup_needed_001/explain/${u}?asOf=yesterday`).expect(400);
    await t.as('reader').get(`/journey/rules/no_such_rule/explain/${u}`).expect(404);
  });

  it('a dry run at a later instant says what would change there, and writes nothing at all', async () => {
    const rowsOf = async () => ({
      flags: await t.db.query<unknown[]>(`SELECT * FROM journey_flags WHERE user_id = $1 ORDER BY flag`, [u]),
      history: await t.db.query<unknown[]>(`SELECT * FROM journey_flag_history WHERE user_id = $1 ORDER BY id`, [u]),
      outbox: await t.db.query<unknown[]>(`SELECT * FROM journey_outbox WHERE user_id = $1 ORDER BY id`, [u]),
      milestones: await t.db.query<unknown[]>(`SELECT * FROM journey_milestones WHERE user_id = $1`, [u]),
      state: await t.db.query<{ matched_rules: string[]; next_due_at: Date | null; evaluated_at: Date }[]>(
        `SELECT matched_rules, next_due_at, evaluated_at FROM participants WHERE user_id = $1`,
        [u],
      ),
    });
    const before = await rowsOf();
    const asOf = sessionAt.getTime() + 14 * DAY;

    const res = await t
      .as('service')
      .post(`/journey/flags/${u}/evaluate?dryRun=true&asOf=${iso(asOf)}`)
      .expect(200);
    expect(res.body).toMatchObject({
      userId: u,
      dryRun: true,
      timestamp: iso(asOf),
      triggeredRules: expect.arrayContaining(['followup_needed_001']),
      changes: [
        {
          type: 'flag_set',
          flag: 'followup_needed',
          value: true,
          previousValue: null,
          ruleId: 'followup_needed_001',
          reason: 'conditions hold',
        },
      ],
    });
    expect(res.body.evaluatedRules).toEqual(expect.arrayContaining(['followup_needed_001', 'mentor_ready_001']));

    // Now, nothing would change.
    const today = await t.as('service').post(`/journey/flags/${u}/evaluate?dryRun=true`).expect(200);
    expect(today.body).toMatchObject({ dryRun: true, changes: [] });

    const after = await rowsOf();
    expect(after).toEqual(before);
    expect(before.state[0].evaluated_at.getTime()).toBeLessThan(asOf);
  });

  it('refuses asOf without dryRun=true', async () => {
    for (const q of [`asOf=${iso(now)}`, `dryRun=false&asOf=${iso(now)}`]) {
      const res = await t.as('service').post(`/journey/flags/${u}/evaluate?${q}`).expect(400);
      expect(JSON.stringify(res.body)).toContain('asOf');
    }
    expect(await historyOf(u)).toEqual([]);
  });
});
