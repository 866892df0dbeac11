/**
 * Trends (issue G.4) over HTTP on the real app and database: holders at the end of each bucket,
 * sets and clears within it, and how often each rule rose, read from the hourly rollups that each
 * decision writes in its own transaction. The service's clock is driven to spread decisions over hours.
 */
import { randomUUID } from 'node:crypto';
import { Clock } from '../../src/common/clock.js';
import { backend, startApp, type TestApp } from '../support/app.js';
import { ev } from '../support/events.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (t: number) => new Date(t).toISOString();
// Half past an hour, two days ago: decisions land in known hours.
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 2 * DAY + HOUR / 2;
const H0 = T0 - HOUR / 2;

let t: TestApp;
let clock: Clock;
const a = randomUUID();
const b = randomUUID();

beforeAll(async () => {
  t = await startApp({ JOURNEY_BACKFILL_BATCH_SIZE: '0', JOURNEY_SCHEDULER_INTERVAL_MS: '0', JOURNEY_RETENTION_INTERVAL_MS: '0' });
  clock = t.app.get(Clock);
  // Hour H0: a and b become mentor_ready (three good sessions each), one rise each of the rule.
  clock.now = () => T0;
  for (const u of [a, b]) {
    const sessions = [3, 2, 1].map((d) => ev.session(u, `s${d}-${u}`, 5, new Date(T0 - d * DAY)));
    await t.as('service').post('/journey/events').send(sessions).expect(200);
  }
  // Hour H0 + 2: a's flag is cleared by hand.
  clock.now = () => T0 + 2 * HOUR;
  await t.as('admin').put(`/journey/flags/${a}/mentor_ready`).send({ value: false, reason: 'on leave' }).expect(200);
}, 120_000);
afterAll(() => t.close());

type Point = { at: string; holders: number; set: number; cleared: number };
const flagStats = async (query: string) => {
  const res = await t.as('reader').get(`/journey/stats/flags?${query}`).expect(200);
  return res.body as { bucket: string; from: string; to: string; flags: { flag: string; holders: number; series: Point[] }[] };
};
const mentorReady = async (query: string) => (await flagStats(query)).flags.find((f) => f.flag === 'mentor_ready')!;

describe(`trends (${backend})`, () => {
  it('hourly: holders at the end of each bucket, sets and clears within it', async () => {
    const body = await flagStats(`from=${iso(H0 - HOUR)}&to=${iso(H0 + 3 * HOUR)}&bucket=hour`);
    expect(body).toMatchObject({ bucket: 'hour', from: iso(H0 - HOUR), to: iso(H0 + 3 * HOUR) });
    const f = body.flags.find((x) => x.flag === 'mentor_ready')!;
    expect(f.series).toEqual([
      { at: iso(H0 - HOUR), holders: 0, set: 0, cleared: 0 },
      { at: iso(H0), holders: 2, set: 2, cleared: 0 },
      { at: iso(H0 + HOUR), holders: 2, set: 0, cleared: 0 },
      { at: iso(H0 + 2 * HOUR), holders: 1, set: 0, cleared: 1 },
    ]);
    expect(f.holders).toBe(1);
  });

  it('holders at `to` equal the count of GET /journey/flags; a `to` in the past leaves later changes out', async () => {
    clock.now = () => Date.now();
    const count = (await t.as('reader').get('/journey/flags?flag=mentor_ready&value=true').expect(200)).body.count as number;
    expect((await mentorReady(`from=${iso(H0 - DAY)}&to=${iso(Date.now())}&bucket=day`)).holders).toBe(count);
    expect(count).toBe(1);
    // Up to the end of H0 + 1: both still held it.
    expect((await mentorReady(`from=${iso(H0)}&to=${iso(H0 + 2 * HOUR)}&bucket=hour`)).holders).toBe(2);
  });

  it('daily and weekly buckets sum the hours (UTC; weeks from Monday)', async () => {
    const day = await flagStats(`from=${iso(T0)}&to=${iso(T0)}&bucket=day`);
    const dayStart = Math.floor(T0 / DAY) * DAY;
    expect(day).toMatchObject({ from: iso(dayStart), to: iso(dayStart + DAY) });
    const f = day.flags.find((x) => x.flag === 'mentor_ready')!;
    expect(f.series).toHaveLength(1);
    expect(f.series[0]).toMatchObject({ at: iso(dayStart), set: 2 });
    const week = await flagStats(`from=${iso(T0)}&to=${iso(T0)}&bucket=week`);
    expect(new Date(week.from).getUTCDay()).toBe(1);
    expect(week.flags.find((x) => x.flag === 'mentor_ready')!.series[0]).toMatchObject({ set: 2 });
  });

  it('rules: rises per rule and version, with the last one', async () => {
    const res = await t
      .as('reader')
      .get(`/journey/stats/rules?from=${iso(H0 - HOUR)}&to=${iso(H0 + 2 * HOUR)}&bucket=hour`)
      .expect(200);
    const rules = res.body.rules as { ruleId: string; version: number; fired: number; lastFiredAt: string; series: unknown[] }[];
    const mentor = rules.find((r) => r.ruleId === 'mentor_ready_001')!;
    expect(mentor).toEqual({
      ruleId: 'mentor_ready_001',
      version: expect.any(Number),
      fired: 2,
      lastFiredAt: iso(T0),
      series: [
        { at: iso(H0 - HOUR), fired: 0 },
        { at: iso(H0), fired: 2 },
        { at: iso(H0 + HOUR), fired: 0 },
      ],
    });
    // A participant whose rule already holds does not rise again.
    clock.now = () => T0 + 3 * HOUR;
    await t
      .as('service')
      .post('/journey/events')
      .send([ev.session(b, `s4-${b}`, 5, new Date(T0))])
      .expect(200);
    const again = await t
      .as('reader')
      .get(`/journey/stats/rules?from=${iso(H0)}&to=${iso(H0 + 4 * HOUR)}&bucket=day`)
      .expect(200);
    expect((again.body.rules as { ruleId: string; fired: number }[]).find((r) => r.ruleId === 'mentor_ready_001')!.fired).toBe(2);
    clock.now = () => Date.now();
  });

  it.each([
    ['from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z', 'from'],
    ['bucket=minute', 'bucket'],
    ['from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&bucket=hour', 'bucket'],
    ['from=yesterday', 'from'],
    ['to=2026-13-45T00:00:00Z', 'to'],
    ['since=2026-05-01T00:00:00Z', 'since'],
  ])('bad input %s → 400 naming %s', async (query, path) => {
    for (const route of ['flags', 'rules']) {
      const res = await t.as('reader').get(`/journey/stats/${route}?${query}`).expect(400);
      expect(res.body.problems).toEqual(expect.arrayContaining([expect.objectContaining({ path, reason: expect.any(String) })]));
    }
  });

  it('says how many participants are known, what holders are out of', async () => {
    const res = await t.as('reader').get('/journey/stats/flags').expect(200);
    expect(res.body.participants).toBe(2);
  });

  it('needs a reader key', async () => {
    await t.http.get('/journey/stats/flags').expect(401);
    await t.http.get('/journey/stats/rules').expect(401);
  });
});
