/**
 * A milestone reached by hand and by a rule at the same moment: it is recorded once and
 * `milestone.reached` is published once, whichever wins.
 */
import { randomUUID } from 'node:crypto';
import { backend, startApp, type TestApp } from '../support/app.js';
import { daysAgo, ev } from '../support/events.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp({ JOURNEY_BACKFILL_BATCH_SIZE: '0' });
}, 90_000);
afterAll(() => t.close());

describe(`milestones (${backend})`, () => {
  it('a manual milestone racing a rule that reaches the same one: one milestone, one milestone.reached', async () => {
    const users = Array.from({ length: 30 }, () => randomUUID());
    // Two sessions each: the third (below) makes mentor_ready_001 reach the milestone `mentor_ready`.
    await t
      .as('service')
      .post('/journey/events')
      .send(users.flatMap((u) => [ev.session(u, `s1-${u}`, 5, daysAgo(3)), ev.session(u, `s2-${u}`, 5, daysAgo(2))]))
      .expect(200);

    const answers = await Promise.all(
      users.flatMap((u) => [
        t
          .as('service')
          .post('/journey/events')
          .send([ev.session(u, `s3-${u}`, 5, daysAgo(1))]),
        t
          .as('admin')
          .post(`/journey/milestones/${u}/mentor_ready`)
          .send({ metadata: { by: 'coach' } }),
      ]),
    );
    for (const a of answers) expect([200, 201]).toContain(a.status);

    const rows: { user_id: string; n: string }[] = await t.db.query(
      `SELECT user_id, count(*) AS n FROM journey_outbox WHERE type = 'orchestration.milestone.reached' AND user_id = ANY($1::uuid[]) GROUP BY user_id`,
      [users],
    );
    expect(rows.filter((r) => r.n !== '1')).toEqual([]);
    expect(rows).toHaveLength(users.length);
    const milestones: { n: string }[] = await t.db.query(
      `SELECT count(*) AS n FROM journey_milestones WHERE milestone = 'mentor_ready' AND user_id = ANY($1::uuid[])`,
      [users],
    );
    expect(Number(milestones[0].n)).toBe(users.length);
    // The published milestone says who recorded it, as the stored one does.
    const published: { user_id: string; rule: string }[] = await t.db.query(
      `SELECT user_id, envelope->'data'->>'ruleId' AS rule FROM journey_outbox WHERE type = 'orchestration.milestone.reached' AND user_id = ANY($1::uuid[])`,
      [users],
    );
    const stored: { user_id: string; rule: string }[] = await t.db.query(
      `SELECT user_id, triggered_by_rule AS rule FROM journey_milestones WHERE user_id = ANY($1::uuid[])`,
      [users],
    );
    const byUser = (rs: { user_id: string; rule: string }[]) => Object.fromEntries(rs.map((r) => [r.user_id, r.rule]));
    expect(byUser(published)).toEqual(byUser(stored));
  }, 120_000);
});
