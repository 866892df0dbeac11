/**
 * A participant's timeline (issue G.2) over HTTP on the real app and database: events, flag changes
 * with what caused them, milestones and outputs, in program time, newest first, page after page.
 */
import { randomUUID } from 'node:crypto';
import { Clock } from '../../src/common/clock.js';
import { SchedulerService } from '../../src/scheduler/scheduler.service.js';
import { BACKGROUND_OFF, backend, startApp, type TestApp } from '../support/app.js';
import { daysAgo, ev } from '../support/events.js';

const DAY = 86_400_000;

let t: TestApp;
beforeAll(async () => {
  t = await startApp(BACKGROUND_OFF);
}, 90_000);
afterAll(() => t.close());

const ingest = (events: unknown) => t.ingest(events);

interface Entry {
  kind: string;
  at: string;
  [k: string]: unknown;
}
interface Page {
  userId: string;
  entries: Entry[];
  next: string | null;
}
const timeline = async (userId: string, query = '') =>
  (await t.as('reader').get(`/journey/participants/${userId}/timeline${query}`).expect(200)).body as Page;

/** Every page, following `next`. */
async function walk(userId: string, query: string): Promise<{ entries: Entry[]; pages: number }> {
  const entries: Entry[] = [];
  let pages = 0;
  let before: string | null = null;
  do {
    const page: Page = await timeline(userId, `${query}${before ? `&before=${encodeURIComponent(before)}` : ''}`);
    entries.push(...page.entries);
    pages++;
    before = page.next;
  } while (before);
  return { entries, pages };
}

describe(`participant timeline (${backend})`, () => {
  const u = randomUUID();
  const year = Date.now() - 365 * DAY;
  const sessions = [1, 2, 3].map((i) => ev.session(u, `s${i}-${u}`, 5, new Date(year + i * DAY)));

  beforeAll(async () => {
    await ingest(sessions.slice(0, 2));
    await ingest(sessions[2]);
  });

  it('tells what happened, newest first, in program time: the events, the flag change they caused, the milestone, the outputs', async () => {
    const page = await timeline(u);
    expect(page.userId).toBe(u);
    expect(page.next).toBeNull();
    const at3 = sessions[2].timestamp;
    expect(page.entries.map((e) => [e.kind, e.at])).toEqual([
      ['output', at3],
      ['output', at3],
      ['milestone', at3],
      ['flag', at3],
      ['event', at3],
      ['event', sessions[1].timestamp],
      ['event', sessions[0].timestamp],
    ]);
    const [out1, out2, milestone, flag, event] = page.entries;
    expect([out1.type, out2.type].sort()).toEqual(['orchestration.flag.updated', 'orchestration.milestone.reached']);
    expect(out1).toMatchObject({ id: expect.any(String), status: 'pending' });
    expect(milestone).toMatchObject({ milestone: 'mentor_ready', ruleId: 'mentor_ready_001', metadata: expect.any(Object) });
    expect(flag).toMatchObject({
      flag: 'mentor_ready',
      value: true,
      previousValue: null,
      ruleId: 'mentor_ready_001',
      ruleVersion: 1,
      reason: expect.any(String),
      explanation: expect.any(Object),
      causedBy: { trigger: 'events', eventIds: [sessions[2].id] },
    });
    expect(event).toEqual({
      kind: 'event',
      at: at3,
      id: sessions[2].id,
      type: 'kintell.session.completed',
      occurredAt: at3,
      receivedAt: expect.any(String),
      source: { kind: 'http' },
      data: sessions[2].data,
    });
  });

  it('filters by kinds and by from/to', async () => {
    expect((await timeline(u, '?kinds=event')).entries.map((e) => e.id)).toEqual([...sessions].reverse().map((s) => s.id));
    expect((await timeline(u, '?kinds=flag,milestone')).entries.map((e) => e.kind)).toEqual(['milestone', 'flag']);
    const from = new Date(year + 1.5 * DAY).toISOString();
    const to = new Date(year + 2.5 * DAY).toISOString();
    expect((await timeline(u, `?from=${from}&to=${to}`)).entries.map((e) => e.id)).toEqual([sessions[1].id]);
  });

  it('pages with `next` until null, every entry once, in the same order as one page', async () => {
    const whole = (await timeline(u, '?limit=500')).entries;
    const { entries, pages } = await walk(u, '?limit=2');
    expect(pages).toBe(4);
    expect(entries).toEqual(whole);
  });

  it('a pending event joins the timeline when its match arrives', async () => {
    const v = randomUUID();
    const m = `m-${v}`;
    const enrolled = daysAgo(20);
    const early = ev.logged(m, daysAgo(19));
    await ingest(early);
    expect((await timeline(v)).entries).toEqual([]);
    await ingest([ev.enrollment(v, 'active', enrolled), ev.match(v, m, daysAgo(19.5))]);
    const entries = (await timeline(v, '?kinds=event')).entries;
    expect(entries.map((e) => e.id)).toContain(early.id);
    // Twenty days quiet: followup_needed at once, caused by the events of this batch.
    const flag = (await timeline(v, '?kinds=flag')).entries.find((e) => e.flag === 'followup_needed');
    expect(flag).toMatchObject({ value: true, causedBy: { trigger: 'events' } });
  });

  it('a time flip is placed at its due instant and names it', async () => {
    const v = randomUUID();
    const enrolled = Date.now() - 13 * DAY;
    const enrollment = ev.enrollment(v, 'active', new Date(enrolled));
    await ingest(enrollment);
    const clock = t.app.get(Clock);
    const real = clock.now.bind(clock);
    clock.now = () => enrolled + 15 * DAY; // the scheduler comes a day late
    try {
      await t.app.get(SchedulerService).runDue();
    } finally {
      clock.now = real;
    }
    const due = new Date(enrolled + 14 * DAY).toISOString();
    const entries = (await timeline(v)).entries;
    expect(entries.map((e) => [e.kind, e.at])).toEqual([
      ['output', due],
      ['flag', due],
      ['event', enrollment.timestamp],
    ]);
    expect(entries[1]).toMatchObject({ flag: 'followup_needed', value: true, causedBy: { trigger: 'time', dueAt: due } });
  });

  it('a manual evaluation is named as such', async () => {
    const w = randomUUID();
    await ingest(ev.enrollment(w, 'active', daysAgo(1)));
    // A rule that a manual evaluation (not the event) sets: created after the event, no backfill.
    await t
      .as('admin')
      .post('/journey/rules')
      .send({
        id: `enrolled_${w.slice(0, 8)}`,
        name: 'Enrolled',
        flag: `enrolled_${w.slice(0, 8)}`,
        priority: 1,
        conditions: [{ type: 'exists', entity: 'program_enrollments', field: 'status', operator: '=', value: 'active' }],
        actions: [{ type: 'set_flag', flag: `enrolled_${w.slice(0, 8)}` }],
      })
      .expect(201);
    const before = Date.now();
    await t.as('service').post(`/journey/flags/${w}/evaluate`).expect(200);
    const flag = (await timeline(w, '?kinds=flag')).entries.find((e) => e.flag === `enrolled_${w.slice(0, 8)}`)!;
    expect(flag.causedBy).toEqual({ trigger: 'manual' });
    expect(Date.parse(flag.at)).toBeGreaterThanOrEqual(before - 1000);
    await t
      .as('admin')
      .post(`/journey/rules/enrolled_${w.slice(0, 8)}/deactivate`)
      .expect(200);
  });

  it('an unknown participant has an empty timeline', async () => {
    expect(await timeline(randomUUID())).toMatchObject({ entries: [], next: null });
  });

  it.each([
    ['?before=not-a-cursor', 'before'],
    [`?before=${Buffer.from('[1,"flag","x"]').toString('base64url')}`, 'before'],
    ['?kinds=event,mood', 'kinds'],
    ['?kinds=', 'kinds'],
    ['?limit=0', 'limit'],
    ['?limit=501', 'limit'],
    ['?limit=ten', 'limit'],
    ['?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z', 'from'],
    ['?from=yesterday', 'from'],
    ['?after=x', 'after'],
    ['?limit=1&limit=2', 'limit'],
  ])('bad input %s → 400 naming %s', async (query, path) => {
    const res = await t.as('reader').get(`/journey/participants/${u}/timeline${query}`).expect(400);
    expect(res.body.problems).toEqual(expect.arrayContaining([expect.objectContaining({ path, reason: expect.any(String) })]));
  });

  it('a bad participant id → 400; no key → 401', async () => {
    await t.as('reader').get('/journey/participants/nope/timeline').expect(400);
    await t.http.get(`/journey/participants/${u}/timeline`).expect(401);
  });

  it('is documented in the OpenAPI document with an example', async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body as {
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
    };
    const op = doc.paths['/journey/participants/{userId}/timeline']?.get;
    expect(op).toBeDefined();
    expect(JSON.stringify(op!.responses['200'])).toContain('"example"');
  });
});
