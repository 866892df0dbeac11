/**
 * The event log and program time (issue G.1), over HTTP on the real app and database: every accepted
 * event is kept with its participant, source and data in the ingest's transaction; flag history and
 * milestones carry the program time of their cause; retention trims what only grows.
 */
import { randomUUID } from 'node:crypto';
import { RetentionService } from '../../src/retention/retention.service.js';
import { Clock } from '../../src/common/clock.js';
import { SchedulerService } from '../../src/scheduler/scheduler.service.js';
import { BACKGROUND_OFF, backend, startApp, type TestApp } from '../support/app.js';
import { daysAgo, ev } from '../support/events.js';

const DAY = 86_400_000;

let t: TestApp;
beforeAll(async () => {
  // Nothing in the background: each test drives the scheduler and the retention job itself.
  t = await startApp(BACKGROUND_OFF);
}, 60_000);
afterAll(() => t.close());

const ingest = (events: unknown) => t.ingest(events);

interface LogRow {
  event_id: string;
  user_id: string | null;
  type: string;
  occurred_at: Date;
  received_at: Date;
  source: string;
  kafka_topic: string | null;
  data: Record<string, unknown>;
}
const logOf = (eventIds: string[]) =>
  t.db.query<LogRow[]>(`SELECT * FROM journey_event_log WHERE event_id = ANY($1::uuid[]) ORDER BY id`, [eventIds]);

describe(`event log (${backend})`, () => {
  it('keeps every accepted event with its participant, program time, receipt time, source and data; a duplicate once', async () => {
    const u = randomUUID();
    const before = Date.now();
    const e1 = ev.session(u, `s1-${u}`, 5, daysAgo(3));
    const e2 = ev.enrollment(u, 'active', daysAgo(2));
    await ingest([e1, e2]);
    await ingest(e1);
    const rows = await logOf([e1.id, e2.id]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ event_id: e1.id, user_id: u, type: e1.type, source: 'http', kafka_topic: null, data: e1.data });
    expect(rows[0].occurred_at.toISOString()).toBe(e1.timestamp);
    expect(rows[0].received_at.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(rows[1]).toMatchObject({ event_id: e2.id, user_id: u, type: 'program.enrollment.created' });
  });

  it('a pending event is logged at once and joins its participant when the match arrives', async () => {
    const u = randomUUID();
    const m = `m-${u}`;
    const early = ev.logged(m, daysAgo(5));
    await ingest(early);
    expect((await logOf([early.id]))[0]).toMatchObject({ user_id: null, type: 'buddy.event.logged' });
    await ingest(ev.match(u, m, daysAgo(6)));
    expect((await logOf([early.id]))[0]).toMatchObject({ user_id: u });
  });
});

describe(`program time of flag changes and milestones (${backend})`, () => {
  it("a stream replayed from last year shows last year's dates in GET history and GET milestones", async () => {
    const u = randomUUID();
    const year = Date.now() - 365 * DAY;
    const sessions = [1, 2, 3].map((i) => ev.session(u, `s${i}-${u}`, 5, new Date(year + i * DAY)));
    await ingest(sessions);
    const history = (await t.as('reader').get(`/journey/flags/${u}/history`).expect(200)).body.history as Record<string, string>[];
    const ready = history.find((h) => h.flag === 'mentor_ready')!;
    expect(ready.occurredAt).toBe(sessions[2].timestamp);
    expect(Date.parse(ready.changedAt)).toBeGreaterThan(Date.now() - 60_000);
    const milestones = (await t.as('reader').get(`/journey/milestones/${u}`).expect(200)).body.milestones as Record<string, string>[];
    expect(milestones).toEqual([expect.objectContaining({ milestone: 'mentor_ready', occurredAt: sessions[2].timestamp })]);
  });

  it("a time flip carries its due instant, not the scheduler's clock", async () => {
    const u = randomUUID();
    const enrolled = Date.now() - 13 * DAY;
    await ingest(ev.enrollment(u, 'active', new Date(enrolled)));
    const clock = t.app.get(Clock);
    const real = clock.now.bind(clock);
    clock.now = () => enrolled + 14 * DAY + 3_600_000; // the scheduler looks an hour late
    try {
      await t.app.get(SchedulerService).runDue();
    } finally {
      clock.now = real;
    }
    const history = (await t.as('reader').get(`/journey/flags/${u}/history`).expect(200)).body.history as Record<string, string>[];
    const followup = history.find((h) => h.flag === 'followup_needed')!;
    expect(followup).toMatchObject({ value: true, causedBy: null });
    expect(followup.occurredAt).toBe(new Date(enrolled + 14 * DAY).toISOString());
  });

  it('a manual milestone carries the moment of the action', async () => {
    const u = randomUUID();
    const before = Date.now();
    const res = await t.as('admin').post(`/journey/milestones/${u}/hand_made`).send({}).expect(201);
    expect(Date.parse(res.body.milestone.occurredAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(res.body.milestone.occurredAt).toBe(res.body.milestone.reachedAt);
  });
});

describe(`retention (${backend})`, () => {
  it('deletes log rows and dedupe ids past JOURNEY_EVENT_RETENTION_DAYS, published outbox rows written more than 7 days ago; keeps the audit trail', async () => {
    const u = randomUUID();
    const sessions = [1, 2, 3].map((i) => ev.session(u, `s${i}-${u}`, 5, daysAgo(4 - i)));
    await ingest(sessions);
    const ids = sessions.map((s) => s.id);
    const outbox = async () =>
      t.db.query<{ published: boolean }[]>(
        `SELECT NOT EXISTS (SELECT 1 FROM journey_outbox_pending p WHERE p.id = o.id) AS published FROM journey_outbox o WHERE user_id = $1`,
        [u],
      );
    expect((await outbox()).length).toBeGreaterThan(1);
    expect((await outbox()).every((r) => !r.published)).toBe(true);
    // Two outputs were written eight days ago: the first was published, the second still waits for the relay.
    const [first, second] = (
      await t.db.query<{ id: string }[]>(`SELECT id FROM journey_outbox WHERE user_id = $1 ORDER BY id LIMIT 2`, [u])
    ).map((r) => r.id);
    await t.db.query(`UPDATE journey_outbox SET created_at = now() - interval '8 days' WHERE id IN ($1, $2)`, [first, second]);
    await t.db.query(`DELETE FROM journey_outbox_pending WHERE id = $1`, [first]);
    const outputs = (await outbox()).length;

    const retention = t.app.get(RetentionService);
    await retention.run(Date.now() + 399 * DAY);
    expect(await logOf(ids)).toHaveLength(3);
    expect(await outbox()).toHaveLength(outputs - 1);

    const run = await retention.run(Date.now() + 401 * DAY);
    expect(run.events).toBeGreaterThanOrEqual(3);
    expect(await logOf(ids)).toHaveLength(0);
    expect(run).toMatchObject({ history: 0, milestones: 0 });
    expect((await t.as('reader').get(`/journey/flags/${u}/history`).expect(200)).body.count).toBeGreaterThan(0);
    expect((await t.as('reader').get(`/journey/milestones/${u}`).expect(200)).body.count).toBe(1);
    // Unpublished outputs are never trimmed.
    expect((await outbox()).every((r) => !r.published)).toBe(true);
  });

  it('with JOURNEY_HISTORY_RETENTION_DAYS set, flag history and milestones older than it go too', async () => {
    const u = randomUUID();
    await ingest([1, 2, 3].map((i) => ev.session(u, `s${i}-${u}`, 5, daysAgo(4 - i))));
    const retention = t.config.retention;
    retention.historyDays = 30;
    try {
      await t.app.get(RetentionService).run(Date.now() + 29 * DAY);
      expect((await t.as('reader').get(`/journey/milestones/${u}`).expect(200)).body.count).toBe(1);
      const run = await t.app.get(RetentionService).run(Date.now() + 31 * DAY);
      expect(run.history).toBeGreaterThan(0);
      expect(run.milestones).toBeGreaterThan(0);
      expect((await t.as('reader').get(`/journey/flags/${u}/history`).expect(200)).body.count).toBe(0);
      expect((await t.as('reader').get(`/journey/milestones/${u}`).expect(200)).body.count).toBe(0);
    } finally {
      retention.historyDays = null;
    }
  });
});
