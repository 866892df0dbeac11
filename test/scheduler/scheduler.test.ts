/**
 * The due-instant scheduler on the real database, driven by a controlled clock: thousands of
 * participants fall due at scattered instants and each is flipped exactly once, at the first look
 * after its instant and never before. On PostgreSQL two application instances (two schedulers) share
 * the database; PGlite has a single connection, so there it is one instance.
 */
import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createApp } from '../../src/app.js';
import { Clock } from '../../src/common/clock.js';
import { ReconcilerService } from '../../src/scheduler/reconciler.service.js';
import { SchedulerService } from '../../src/scheduler/scheduler.service.js';
import { backend, startApp, TEST_PG_URL, type TestApp } from '../support/app.js';
import { ev } from '../support/events.js';

const DAY = 86_400_000;
const FOURTEEN_DAYS = 14 * DAY;
const N = 2000;
/** How far the test moves the clock at a time; a flip is due at the first look after its instant. */
const STEP = 1000;

let t: TestApp;
let second: INestApplication | undefined;
let instances: INestApplication[];
/** The time every scheduler instance sees. */
let now = Date.now();

beforeAll(async () => {
  // Backfills (rule changes) off: what happens to due participants here is the scheduler's doing alone.
  t = await startApp({ JOURNEY_SCHEDULER_INTERVAL_MS: '10', JOURNEY_RECONCILE_INTERVAL_MS: '0', JOURNEY_BACKFILL_BATCH_SIZE: '0' });
  if (TEST_PG_URL) {
    second = await createApp(t.config);
    await second.init();
  } else {
    console.info('PGlite has a single connection: one scheduler instance here; set TEST_PG_URL to run two on PostgreSQL');
  }
  instances = [t.app, ...(second ? [second] : [])];
  now = Date.now();
  for (const app of instances) app.get(Clock).now = () => now;
}, 60_000);

afterAll(async () => {
  await second?.close();
  await t?.close();
});

const rows = <T>(sql: string, params: unknown[] = []) => t.db.query<T[]>(sql, params);
const count = async (sql: string, params: unknown[] = []) => Number((await rows<{ n: string }>(sql, params))[0].n);

const stats = () => instances.map((app) => ({ ...app.get(SchedulerService).stats }));

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(v)})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every scheduler has looked at least twice since now. */
async function looked(): Promise<void> {
  const before = stats();
  await until(
    async () => stats(),
    (s) => s.every((x, i) => x.runs >= before[i].runs + 2),
    'the schedulers to look',
  );
}

const dueCount = (at: number) => count(`SELECT count(*) AS n FROM participants WHERE next_due_at <= $1`, [new Date(at).toISOString()]);

/** Moves the clock to `to` in steps, letting the schedulers drain what is due at each. */
async function advanceTo(to: number): Promise<void> {
  while (now < to) {
    now = Math.min(now + STEP, to);
    await until(
      () => dueCount(now),
      (n) => n === 0,
      `participants due at ${new Date(now).toISOString()} to be evaluated`,
    );
  }
}

async function ingestAll(events: unknown[]): Promise<void> {
  for (let i = 0; i < events.length; i += 1000) {
    const res = await t
      .as('service')
      .post('/journey/events')
      .send(events.slice(i, i + 1000))
      .expect(200);
    expect(res.body).toMatchObject({ duplicates: 0, pending: 0 });
  }
}

/** Participants enrolled 14 days before their due instant and silent since: followup_needed_001 sets its flag then. */
async function enrolDue(dues: number[]): Promise<string[]> {
  const users = dues.map(() => randomUUID());
  await ingestAll(users.map((u, i) => ev.enrollment(u, 'active', new Date(dues[i] - FOURTEEN_DAYS))));
  return users;
}

describe(`scheduler (${backend}, ${TEST_PG_URL ? 'two instances' : 'one instance'})`, () => {
  it(`flips ${N} participants due at scattered instants each exactly once, at the first look after the instant`, async () => {
    // Half fall due together (a burst larger than a batch, which the instances share), half scattered over two minutes.
    const start = now + 60_000;
    const burst = start + 30_000;
    const dues = Array.from({ length: N }, (_, i) => (i % 2 === 0 ? burst : start + Math.floor(Math.random() * 120_000)));
    const users = await enrolDue(dues);
    const dueOf = new Map(users.map((u, i) => [u, dues[i]]));

    const stored: { user_id: string; next_due_at: Date }[] = await t.db.query(
      `SELECT user_id, next_due_at FROM participants WHERE user_id = ANY($1::uuid[])`,
      [users],
    );
    expect(stored).toHaveLength(N);
    for (const r of stored) expect(r.next_due_at.getTime()).toBe(dueOf.get(r.user_id));

    // A millisecond before the first instant, the schedulers look and find nothing.
    const before = stats();
    now = Math.min(...dues) - 1;
    await looked();
    expect(await count(`SELECT count(*) AS n FROM journey_flag_history WHERE user_id = ANY($1::uuid[])`, [users])).toBe(0);

    const started = performance.now();
    await advanceTo(Math.max(...dues) + STEP);
    const drainMs = performance.now() - started;

    const history: { user_id: string; n: string; changed_at: Date; value: boolean; reason: string; caused_by: string | null }[] =
      await t.db.query(
        `SELECT user_id, count(*) OVER (PARTITION BY user_id) AS n, changed_at, value, reason, caused_by
         FROM journey_flag_history WHERE user_id = ANY($1::uuid[])`,
        [users],
      );
    expect(history).toHaveLength(N);
    const lateness: number[] = [];
    for (const h of history) {
      expect([h.n, h.value, h.reason, h.caused_by]).toEqual(['1', true, 'conditions hold', null]);
      const late = h.changed_at.getTime() - dueOf.get(h.user_id)!;
      lateness.push(late);
    }
    lateness.sort((a, b) => a - b);
    // Never early; at the latest one step of the clock late (the look that first saw the instant).
    expect(lateness[0]).toBeGreaterThanOrEqual(0);
    expect(lateness[N - 1]).toBeLessThan(STEP);

    const outbox: { user_id: string; n: string }[] = await t.db.query(
      `SELECT user_id, count(*) AS n FROM journey_outbox
       WHERE user_id = ANY($1::uuid[]) AND type = 'orchestration.flag.updated' AND envelope->'data'->>'flag' = 'followup_needed'
       GROUP BY user_id`,
      [users],
    );
    expect(outbox).toHaveLength(N);
    expect(outbox.every((o) => o.n === '1')).toBe(true);

    // Nothing more is due for them, and each was evaluated by a scheduler exactly once.
    const left: { n: string }[] = await t.db.query(
      `SELECT count(*) AS n FROM participants WHERE user_id = ANY($1::uuid[]) AND next_due_at IS NOT NULL`,
      [users],
    );
    expect(left[0].n).toBe('0');
    const after = stats();
    const evaluated = after.map((s, i) => s.evaluated - before[i].evaluated);
    expect(evaluated.reduce((a, b) => a + b, 0)).toBe(N);
    if (second) expect(evaluated.every((n) => n > 0)).toBe(true);

    console.info(
      `${N} flips on ${backend} with ${instances.length} instance(s): evaluated per instance ${evaluated.join(' + ')}; ` +
        `clock-time lateness p50 ${lateness[N >> 1]} ms, max ${lateness[N - 1]} ms (clock step ${STEP} ms); ` +
        `real time to drain ${Math.round(drainMs)} ms`,
    );
  }, 180_000);

  it('the reconciliation sweep walks everyone, changes nothing when nothing was missed, and reports and repairs a lost instant', async () => {
    const reconciler = t.app.get(ReconcilerService);
    const total = await count(`SELECT count(*) AS n FROM participants`);

    const clean = await reconciler.sweep();
    expect(clean).toEqual({ swept: total, missed: [] });

    // A participant whose due instant was lost (say, written by a faulty version): the scheduler never sees it.
    const due = now + 10_000;
    const [lost, kept] = await enrolDue([due, due]);
    await t.db.query(`UPDATE participants SET next_due_at = NULL WHERE user_id = $1`, [lost]);
    await advanceTo(due + 2 * 60_000);
    const flagOf = async (u: string) => {
      const { flags } = (await t.as('reader').get(`/journey/flags/${u}`).expect(200)).body as { flags: { flag: string; value: boolean }[] };
      return flags.find((f) => f.flag === 'followup_needed')?.value ?? false;
    };
    expect([await flagOf(lost), await flagOf(kept)]).toEqual([false, true]);

    const found = await reconciler.sweep();
    expect(found.swept).toBe(total + 2);
    expect(found.missed).toEqual([{ userId: lost, nextDueAt: null, changes: ['flag_set followup_needed'] }]);
    expect(await flagOf(lost)).toBe(true);
    expect((await reconciler.sweep()).missed).toEqual([]);
  }, 60_000);

  it('rules deactivated or deleted before their participants fall due: re-evaluated, nothing flips, the next instant recomputed', async () => {
    const quiet = (id: string) => ({
      id: `${id}_${randomUUID().slice(0, 8)}`,
      name: 'Quiet for a day',
      flag: id,
      priority: 5,
      conditions: [{ type: 'time_since', entity: 'buddy_events', duration: '1 day' }],
      actions: [{ type: 'set_flag', flag: id }],
    });
    const [deactivated, deleted] = [quiet('quiet_a'), quiet('quiet_b')];
    for (const r of [deactivated, deleted]) await t.as('admin').post('/journey/rules').send(r).expect(201);

    // Each one's buddy event was a day before its instant: both rules would set their flag then.
    const base = now + 60_000;
    const users = Array.from({ length: 20 }, () => randomUUID());
    const attendedAt = users.map((_, i) => base + i * 100 - DAY);
    await ingestAll(users.map((u, i) => ev.attended(u, new Date(attendedAt[i]))));
    const dueOf = async () => {
      const found = await rows<{ user_id: string; next_due_at: Date | null }>(
        `SELECT user_id, next_due_at FROM participants WHERE user_id = ANY($1::uuid[])`,
        [users],
      );
      return new Map(found.map((r) => [r.user_id, r.next_due_at?.getTime() ?? null]));
    };
    const before = await dueOf();
    expect(users.map((u) => before.get(u))).toEqual(attendedAt.map((a) => a + DAY));

    await t.as('admin').post(`/journey/rules/${deactivated.id}/deactivate`).expect(200);
    await t.as('admin').delete(`/journey/rules/${deleted.id}`).expect(204);
    const evaluatedBefore = stats().reduce((a, s) => a + s.evaluated, 0);
    await advanceTo(base + 20 * 100 + STEP);

    expect(await count(`SELECT count(*) AS n FROM journey_flag_history WHERE user_id = ANY($1::uuid[])`, [users])).toBe(0);
    expect(stats().reduce((a, s) => a + s.evaluated, 0) - evaluatedBefore).toBe(20);
    // What is left (followup_needed_001) also needs an active enrollment, which these participants
    // lack: time alone can change nothing for them any more, so nothing is due.
    const after = await dueOf();
    expect(users.map((u) => after.get(u))).toEqual(users.map(() => null));
  }, 60_000);
});
