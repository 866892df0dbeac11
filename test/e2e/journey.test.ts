/**
 * The seed's scenarios end to end, over real HTTP against the real app and database.
 */
import { randomUUID } from 'node:crypto';
import { backend, startApp, type TestApp } from '../support/app.js';
import { daysAgo, ev } from '../support/events.js';

let t: TestApp;
beforeAll(async () => {
  // Backfills off: these tests assert what each evaluation itself changes, without a background pass racing it.
  t = await startApp({ JOURNEY_BACKFILL_BATCH_SIZE: '0' });
});
afterAll(() => t.close());

const ingest = (events: unknown) =>
  t
    .as('service')
    .post('/journey/events')
    .send(events as object);
const flagsOf = async (userId: string) =>
  Object.fromEntries(
    ((await t.as('reader').get(`/journey/flags/${userId}`)).body.flags as { flag: string; value: boolean }[]).map((f) => [f.flag, f.value]),
  );
const outboxOf = async (userId: string) =>
  t.db.query<{ type: string; envelope: Record<string, any> }[]>(
    `SELECT type, envelope FROM journey_outbox WHERE user_id = $1 ORDER BY id`,
    [userId],
  );

describe(`journey scenarios (${backend})`, () => {
  it('three language sessions rated ≥ 4 → mentor_ready set, milestone recorded, history row, outbox rows — once', async () => {
    const u = randomUUID();
    const sessions = [ev.session(u, `s1-${u}`, 5, daysAgo(3)), ev.session(u, `s2-${u}`, 4, daysAgo(2))];
    expect((await ingest(sessions)).body).toEqual({ accepted: 2, duplicates: 0, pending: 0 });
    expect(await flagsOf(u)).toEqual({});

    const third = ev.session(u, `s3-${u}`, 4, daysAgo(1));
    third.correlationId = randomUUID();
    expect((await ingest(third)).body).toEqual({ accepted: 1, duplicates: 0, pending: 0 });

    const flags = await t.as('reader').get(`/journey/flags/${u}`).expect(200);
    expect(flags.body).toMatchObject({
      userId: u,
      count: 1,
      flags: [{ flag: 'mentor_ready', value: true, setByRule: 'mentor_ready_001', expiresAt: null }],
    });

    const milestones = await t.as('reader').get(`/journey/milestones/${u}`).expect(200);
    expect(milestones.body).toMatchObject({
      count: 1,
      milestones: [
        {
          milestone: 'mentor_ready',
          triggeredByRule: 'mentor_ready_001',
          metadata: { reason: expect.stringContaining('3+ language sessions') },
        },
      ],
    });

    const history = await t.as('reader').get(`/journey/flags/${u}/history`).expect(200);
    expect(history.body.count).toBe(1);
    expect(history.body.history[0]).toMatchObject({
      flag: 'mentor_ready',
      value: true,
      previousValue: null,
      setByRule: 'mentor_ready_001',
      causedBy: third.id,
    });

    const out = await outboxOf(u);
    expect(out.map((o) => o.type).sort()).toEqual(['orchestration.flag.updated', 'orchestration.milestone.reached']);
    for (const o of out) {
      expect(o.envelope).toMatchObject({
        version: 'v1',
        causationId: third.id,
        correlationId: third.correlationId,
        data: { userId: u, ruleId: 'mentor_ready_001' },
      });
    }
    expect(out.find((o) => o.type === 'orchestration.flag.updated')!.envelope.data).toMatchObject({
      flag: 'mentor_ready',
      value: true,
      previousValue: null,
    });

    // Evaluating the same inputs again changes nothing and emits nothing.
    const again = await t.as('service').post(`/journey/flags/${u}/evaluate`).expect(200);
    expect(again.body).toMatchObject({ userId: u, triggeredRules: ['mentor_ready_001'], changes: [] });
    expect(again.body.evaluatedRules).toEqual(['followup_needed_001', 'language_support_needed_001', 'mentor_ready_001']);
    await ingest(ev.session(u, `s4-${u}`, 5, daysAgo(0)));
    expect(await outboxOf(u)).toHaveLength(2);
    expect((await t.as('reader').get(`/journey/flags/${u}/history`)).body.count).toBe(1);
  });

  it('a low average rating or too few sessions does not make a mentor', async () => {
    const u = randomUUID();
    await ingest([ev.session(u, `a-${u}`, 4, daysAgo(3)), ev.session(u, `b-${u}`, 4, daysAgo(2)), ev.session(u, `c-${u}`, 3, daysAgo(1))]);
    expect(await flagsOf(u)).toEqual({});
    // mentorship sessions do not count as language sessions
    const v = randomUUID();
    await ingest([ev.session(v, `a-${v}`, 5), ev.session(v, `b-${v}`, 5), ev.session(v, `c-${v}`, 5, new Date(), 'mentorship')]);
    expect(await flagsOf(v)).toEqual({});
  });

  it('a later rating for an unrated session counts (kintell.rating.created)', async () => {
    const u = randomUUID();
    await ingest([
      ev.session(u, `a-${u}`, 5, daysAgo(3)),
      ev.session(u, `b-${u}`, 2, daysAgo(2)),
      ev.session(u, `c-${u}`, undefined, daysAgo(1)),
    ]);
    expect(await flagsOf(u)).toEqual({}); // avg_rating is over rated sessions only: 3.5
    await ingest(ev.rating(`c-${u}`, 5));
    expect(await flagsOf(u)).toEqual({ mentor_ready: true });
  });

  it('inactivity with an active enrollment → followup_needed; activity resuming clears it', async () => {
    const u = randomUUID();
    const m = `m-${u}`;
    await ingest([ev.enrollment(u, 'active', daysAgo(30)), ev.match(u, m, daysAgo(30)), ev.logged(m, daysAgo(20))]);
    expect(await flagsOf(u)).toEqual({ followup_needed: true });

    // Activity resumes: the flag clears, with a history row saying why.
    await ingest(ev.logged(m, new Date()));
    expect(await flagsOf(u)).toEqual({ followup_needed: false });
    const history = (await t.as('reader').get(`/journey/flags/${u}/history`)).body.history;
    expect(history.map((h: any) => [h.value, h.reason])).toEqual([
      [true, 'conditions hold'],
      [false, 'conditions no longer hold'],
    ]);
    const updates = (await outboxOf(u)).filter((o) => o.type === 'orchestration.flag.updated').map((o) => o.envelope.data.value);
    expect(updates).toEqual([true, false]);
  });

  it('someone who enrolled yesterday and did nothing yet is not overdue', async () => {
    const u = randomUUID();
    await ingest(ev.enrollment(u, 'active', daysAgo(1)));
    expect(await flagsOf(u)).toEqual({});
  });

  it('low language comfort → language_support_needed; a good score later clears it', async () => {
    const u = randomUUID();
    await ingest(ev.score(u, 0.3, daysAgo(2)));
    expect(await flagsOf(u)).toEqual({ language_support_needed: true });
    // Another dimension does not matter
    await ingest(ev.score(u, 0.9, daysAgo(1), 'confidence'));
    expect(await flagsOf(u)).toEqual({ language_support_needed: true });
    await ingest(ev.score(u, 0.7, daysAgo(0)));
    expect(await flagsOf(u)).toEqual({ language_support_needed: false });
  });

  it('an event reached through a match waits for the match, then applies and evaluates', async () => {
    const u = randomUUID();
    const m = `late-${u}`;
    const early = [ev.logged(m, daysAgo(20)), ev.logged(m, daysAgo(19))];
    expect((await ingest(early)).body).toEqual({ accepted: 2, duplicates: 0, pending: 2 });
    expect((await t.as('reader').get(`/journey/context/${u}`)).body.known).toBe(false);

    await ingest([ev.enrollment(u, 'active', daysAgo(30)), ev.match(u, m, daysAgo(30))]);
    const ctx = (await t.as('reader').get(`/journey/context/${u}`)).body;
    expect(ctx.entities.buddy_events.derived.count).toBe(2);
    expect(ctx.entities.buddy_events.derived.last_activity).toBe(
      daysAgo(19, Date.parse(early[1].timestamp) + 19 * 86_400_000).toISOString(),
    );
    expect(await flagsOf(u)).toEqual({ followup_needed: true });
    expect(Number((await t.db.query(`SELECT count(*) AS n FROM pending_events`))[0].n)).toBe(0);
  });

  it('a re-sent event id changes nothing', async () => {
    const u = randomUUID();
    const e = ev.score(u, 0.2);
    expect((await ingest(e)).body).toEqual({ accepted: 1, duplicates: 0, pending: 0 });
    expect((await ingest([e, e])).body).toEqual({ accepted: 0, duplicates: 2, pending: 0 });
    expect((await t.as('reader').get(`/journey/flags/${u}/history`)).body.count).toBe(1);
    expect(await outboxOf(u)).toHaveLength(1);
  });

  it('the context shows records and derived fields as rules see them', async () => {
    const u = randomUUID();
    await ingest([ev.session(u, `x-${u}`, 5, daysAgo(2)), ev.session(u, `y-${u}`, 3, daysAgo(1))]);
    const body = (await t.as('reader').get(`/journey/context/${u}`).expect(200)).body;
    expect(body.known).toBe(true);
    expect(body.entities.kintell_sessions.derived).toMatchObject({ count: 2, avg_rating: 4, min_rating: 3, max_rating: 5, sum_rating: 8 });
    expect(body.entities.kintell_sessions.records[0]).toMatchObject({ key: `y-${u}`, session_type: 'language', rating: 3 });
    expect(body.entities.kintell_sessions.records[0]._rating_from).toBeUndefined();
    expect(body.entities.outcome_scores.derived.count).toBe(0);
  });

  it('a manual milestone is recorded once, as manual, and announced once', async () => {
    const u = randomUUID();
    const first = await t
      .as('admin')
      .post(`/journey/milestones/${u}/mentor_ready`)
      .send({ metadata: { reason: 'Manual override', triggeredBy: 'admin@example.com' } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      success: true,
      milestone: { milestone: 'mentor_ready', triggeredByRule: 'manual', metadata: { reason: 'Manual override' } },
    });
    const repeat = await t
      .as('admin')
      .post(`/journey/milestones/${u}/mentor_ready`)
      .send({ metadata: { reason: 'again' } });
    expect(repeat.status).toBe(200);
    expect(repeat.body.milestone).toEqual(first.body.milestone);
    const out = await outboxOf(u);
    expect(out).toHaveLength(1);
    expect(out[0].envelope).toMatchObject({
      type: 'orchestration.milestone.reached',
      data: { userId: u, milestone: 'mentor_ready', ruleId: 'manual' },
    });
    expect(out[0].envelope.causationId).toBeUndefined();
    // A rule reaching the same milestone later does not announce it again.
    await ingest([ev.session(u, `a-${u}`, 5), ev.session(u, `b-${u}`, 5), ev.session(u, `c-${u}`, 5)]);
    expect((await outboxOf(u)).filter((o) => o.type === 'orchestration.milestone.reached')).toHaveLength(1);
  });
});

describe(`rules: priority, custom rules and truth maintenance (${backend})`, () => {
  const rule = (over: Record<string, unknown>) => ({
    name: 'test rule',
    priority: 10,
    conditions: [{ type: 'exists', entity: 'credentials' }],
    actions: [{ type: 'set_flag', flag: over.flag, value: true }],
    ...over,
  });

  it('the highest-priority matching rule decides a flag; lower ones are skipped', async () => {
    const tag = randomUUID().slice(0, 8);
    const flag = `prio_${tag}`;
    await t
      .as('admin')
      .post('/journey/rules')
      .send(rule({ id: `low_${tag}`, flag, priority: 5 }))
      .expect(201);
    await t
      .as('admin')
      .post('/journey/rules')
      .send(rule({ id: `high_${tag}`, flag, priority: 50, actions: [{ type: 'clear_flag', flag }] }))
      .expect(201);
    const u = randomUUID();
    await ingest(ev.session(u, `s-${u}`, 3)); // make the participant known
    await ingest({
      id: randomUUID(),
      type: 'upskilling.credential.issued',
      timestamp: new Date().toISOString(),
      data: { credentialId: `c-${u}`, userId: u, courseId: 'c1', credentialType: 'certificate', issuedAt: new Date().toISOString() },
    });
    expect((await flagsOf(u))[flag]).toBeUndefined(); // high-priority clear wins: never set
    await t.as('admin').delete(`/journey/rules/high_${tag}`).expect(204);
    await t.as('admin').delete(`/journey/rules/low_${tag}`).expect(204);
  });

  it('a custom emit_event is published with the payload, the user and the rule; sticky flags stay', async () => {
    const tag = randomUUID().slice(0, 8);
    const flag = `sticky_${tag}`;
    await t
      .as('admin')
      .post('/journey/rules')
      .send(
        rule({
          id: `custom_${tag}`,
          flag,
          sticky: true,
          conditions: [
            {
              type: 'value',
              entity: 'outcome_scores',
              field: 'score',
              where: [{ field: 'dimension', value: 'belonging' }],
              operator: '>=',
              value: 0.8,
            },
          ],
          actions: [
            { type: 'set_flag', flag },
            { type: 'emit_event', event: 'orchestration.custom.event', payload: { message: 'Custom event triggered' } },
          ],
        }),
      )
      .expect(201);
    const u = randomUUID();
    await ingest(ev.score(u, 0.9, daysAgo(1), 'belonging'));
    await ingest(ev.score(u, 0.1, daysAgo(0), 'belonging'));
    expect((await flagsOf(u))[flag]).toBe(true);
    const custom = (await outboxOf(u)).filter((o) => o.type === 'orchestration.custom.event');
    expect(custom).toHaveLength(1);
    expect(custom[0].envelope.data).toEqual({ userId: u, ruleId: `custom_${tag}`, message: 'Custom event triggered' });
    await t.as('admin').delete(`/journey/rules/custom_${tag}`).expect(204);
  });

  it('a rule change is used by the very next evaluation (no stale cache)', async () => {
    const tag = randomUUID().slice(0, 8);
    const flag = `fresh_${tag}`;
    const u = randomUUID();
    await ingest(ev.score(u, 0.55));
    await t
      .as('admin')
      .post('/journey/rules')
      .send(
        rule({
          id: `fresh_${tag}`,
          flag,
          conditions: [{ type: 'value', entity: 'outcome_scores', field: 'score', operator: '>', value: 0.9 }],
        }),
      )
      .expect(201);
    expect((await t.as('service').post(`/journey/flags/${u}/evaluate`)).body.changes).toEqual([]);
    await t
      .as('admin')
      .put(`/journey/rules/fresh_${tag}`)
      .send({ conditions: [{ type: 'value', entity: 'outcome_scores', field: 'score', operator: '>', value: 0.5 }] })
      .expect(200);
    const r = await t.as('service').post(`/journey/flags/${u}/evaluate`).expect(200);
    expect(r.body.triggeredRules).toContain(`fresh_${tag}`);
    expect(r.body.changes).toEqual([
      { type: 'flag_set', flag, value: true, previousValue: null, ruleId: `fresh_${tag}`, reason: 'conditions hold' },
    ]);
    await t.as('admin').post(`/journey/rules/fresh_${tag}/deactivate`).expect(200);
    expect((await t.as('service').post(`/journey/flags/${u}/evaluate`)).body.evaluatedRules).not.toContain(`fresh_${tag}`);
    await t.as('admin').delete(`/journey/rules/fresh_${tag}`).expect(204);
  });
});
