/**
 * Who holds a flag (issue G.3), over HTTP on the real app and database: an exact count, pages in
 * participant order, and every holder as CSV.
 */
import { randomUUID } from 'node:crypto';
import { backend, startApp, type TestApp } from '../support/app.js';
import { daysAgo, ev } from '../support/events.js';

let t: TestApp;
const holders: string[] = [];

beforeAll(async () => {
  t = await startApp({ JOURNEY_BACKFILL_BATCH_SIZE: '0', JOURNEY_SCHEDULER_INTERVAL_MS: '0', JOURNEY_RETENTION_INTERVAL_MS: '0' });
  for (let i = 0; i < 5; i++) holders.push(randomUUID());
  const events = holders.flatMap((u) => [1, 2, 3].map((n) => ev.session(u, `s${n}-${u}`, 5, daysAgo(n))));
  // One more participant with two sessions only: not a holder.
  const other = randomUUID();
  events.push(ev.session(other, `s1-${other}`, 5), ev.session(other, `s2-${other}`, 5));
  await t.as('service').post('/journey/events').send(events).expect(200);
  holders.sort();
}, 90_000);
afterAll(() => t.close());

interface Page {
  flag: string;
  value: boolean;
  count: number;
  participants: { userId: string; setAt: string; setByRule: string; expiresAt: string | null }[];
  next: string | null;
}
const get = async (query: string) => (await t.as('reader').get(`/journey/flags${query}`).expect(200)).body as Page;

describe(`who holds a flag (${backend})`, () => {
  it('lists the holders with the exact count, in participant order, page after page', async () => {
    const first = await get('?flag=mentor_ready&value=true&limit=2');
    expect(first).toMatchObject({ flag: 'mentor_ready', value: true, count: 5 });
    expect(first.participants[0]).toEqual({
      userId: holders[0],
      setAt: expect.any(String),
      setByRule: 'mentor_ready_001',
      expiresAt: null,
    });
    const seen = [...first.participants.map((p) => p.userId)];
    let next = first.next;
    let pages = 1;
    while (next) {
      const page = await get(`?flag=mentor_ready&limit=2&cursor=${next}`);
      expect(page.count).toBe(5);
      seen.push(...page.participants.map((p) => p.userId));
      next = page.next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(holders);
  });

  it('an expired flag counts as false', async () => {
    await t.db.query(`UPDATE journey_flags SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND flag = 'mentor_ready'`, [
      holders[4],
    ]);
    try {
      expect((await get('?flag=mentor_ready')).count).toBe(4);
      const cleared = await get('?flag=mentor_ready&value=false');
      expect(cleared).toMatchObject({ count: 1, participants: [{ userId: holders[4] }], next: null });
    } finally {
      await t.db.query(`UPDATE journey_flags SET expires_at = NULL WHERE user_id = $1 AND flag = 'mentor_ready'`, [holders[4]]);
    }
  });

  it('a flag that no participant holds but a rule manages is an empty list', async () => {
    expect(await get('?flag=followup_needed')).toMatchObject({ count: 0, participants: [], next: null });
  });

  it('Accept: text/csv streams every holder with a header row, no page limit', async () => {
    const res = await t.as('reader').get('/journey/flags?flag=mentor_ready&limit=1').set('Accept', 'text/csv').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.text.trim().split('\n');
    expect(lines[0]).toBe('userId,setAt,setByRule,expiresAt');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(holders);
    expect(lines[1].split(',')[2]).toBe('mentor_ready_001');
  });

  it('exports 100,000 holders as CSV', async () => {
    await t.db.query(
      `INSERT INTO journey_flags (user_id, flag, value, set_by_rule, set_at)
       SELECT gen_random_uuid(), 'bulk_export', true, 'bulk_rule', now() FROM generate_series(1, 100000)`,
    );
    const res = await t.as('reader').get('/journey/flags?flag=bulk_export').set('Accept', 'text/csv').expect(200);
    const lines = res.text.trim().split('\n');
    expect(lines).toHaveLength(100_001);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0])).size).toBe(100_000);
    expect((await get('?flag=bulk_export&limit=1')).count).toBe(100_000);
  }, 120_000);

  it.each([
    ['?flag=no_such_flag', 'flag'],
    ['', 'flag'],
    ['?flag=bad%20name', 'flag'],
    ['?flag=mentor_ready&value=yes', 'value'],
    ['?flag=mentor_ready&limit=0', 'limit'],
    ['?flag=mentor_ready&limit=1001', 'limit'],
    ['?flag=mentor_ready&cursor=nope', 'cursor'],
    ['?flag=mentor_ready&sort=desc', 'sort'],
  ])('bad input %s → 400 naming %s', async (query, path) => {
    const res = await t.as('reader').get(`/journey/flags${query}`).expect(400);
    expect(res.body.problems).toEqual(expect.arrayContaining([expect.objectContaining({ path, reason: expect.any(String) })]));
  });

  it('needs a key; one participant’s flags are still at /journey/flags/:userId', async () => {
    await t.http.get('/journey/flags?flag=mentor_ready').expect(401);
    const one = await t.as('reader').get(`/journey/flags/${holders[0]}`).expect(200);
    expect(one.body).toMatchObject({ userId: holders[0], flags: [{ flag: 'mentor_ready', value: true }] });
  });
});
