/**
 * GET /metrics: what an operator's dashboard reads after real traffic.
 */
import { randomUUID } from 'node:crypto';
import { backend, KEYS, startApp, type TestApp } from '../support/app.js';
import { daysAgo, ev } from '../support/events.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value of the one sample with this name whose labels include `labels`; 0 when there is none. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value ?? 0;
}

describe(`GET /metrics (${backend})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  }, 90_000);
  afterAll(() => t.close());

  const scrape = async () => {
    const res = await t.http.get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    return parse(res.text);
  };

  it('counts ingested events by type and outcome, rules fired, flag changes, evaluations, the outbox backlog and HTTP durations', async () => {
    const u = randomUUID();
    const sessions = [
      ev.session(u, `s1-${u}`, 5, daysAgo(3)),
      ev.session(u, `s2-${u}`, 4, daysAgo(2)),
      ev.session(u, `s3-${u}`, 5, daysAgo(1)),
    ];
    await t.as('service').post('/journey/events').send(sessions).expect(200);
    // The same event again, and an event waiting for a match that never arrived.
    await t
      .as('service')
      .post('/journey/events')
      .send([sessions[0], ev.logged(`m-${u}`, daysAgo(1))])
      .expect(200);
    // One invalid event refuses the batch: both are rejected.
    await t
      .as('service')
      .post('/journey/events')
      .send([ev.attended(u), { ...ev.attended(u), type: 'no.such.type' }])
      .expect(400);

    const m = await scrape();
    const ingested = (type: string, outcome: string) => value(m, 'journey_events_ingested_total', { type, outcome });
    expect(ingested('kintell.session.completed', 'applied')).toBe(3);
    expect(ingested('kintell.session.completed', 'duplicate')).toBe(1);
    expect(ingested('buddy.event.logged', 'pending')).toBe(1);
    expect(ingested('buddy.event.attended', 'rejected')).toBe(1);
    // A type outside the contract is one label value, not a new series per input.
    expect(ingested('unknown', 'rejected')).toBe(1);
    expect(m.some((s) => s.labels.type === 'no.such.type')).toBe(false);

    expect(value(m, 'journey_rules_fired_total', { rule: 'mentor_ready_001' })).toBe(1);
    expect(value(m, 'journey_flag_changes_total', { flag: 'mentor_ready', direction: 'set' })).toBe(1);
    // Only the first batch applied anything (the second was a duplicate and a pending event); background
    // work (backfills, the scheduler) may add evaluations of its own.
    expect(value(m, 'journey_evaluation_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value(m, 'journey_participants_evaluated_total')).toBeGreaterThanOrEqual(1);
    // No Kafka relay in this test: the flag update and the milestone wait in the outbox.
    expect(value(m, 'journey_outbox_backlog')).toBeGreaterThanOrEqual(2);
    expect(value(m, 'journey_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
    // Route templates, not URLs, and guard refusals are timed too.
    expect(value(m, 'journey_http_request_duration_seconds_count', { method: 'POST', route: '/journey/events', status: '200' })).toBe(2);
    expect(value(m, 'journey_http_request_duration_seconds_count', { method: 'POST', route: '/journey/events', status: '400' })).toBe(1);
    expect(m.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
  });

  it('labels every request by its route template, whatever the ids in its URL', async () => {
    for (let i = 0; i < 3; i++) await t.as('reader').get(`/journey/flags/${randomUUID()}`).expect(200);
    await t.http.get(`/journey/flags/${randomUUID()}`).expect(401);
    await t.http.get('/no/such/route').expect(404);
    const m = await scrape();
    expect(value(m, 'journey_http_request_duration_seconds_count', { method: 'GET', route: '/journey/flags/:userId', status: '200' })).toBe(
      3,
    );
    expect(value(m, 'journey_http_request_duration_seconds_count', { method: 'GET', route: '/journey/flags/:userId', status: '401' })).toBe(
      1,
    );
    expect(value(m, 'journey_http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(m.filter((s) => s.name === 'journey_http_request_duration_seconds_count' && s.labels.route?.includes('-'))).toEqual([]);
  });
});

describe(`GET /metrics with JOURNEY_METRICS_PUBLIC=false (${backend})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ JOURNEY_METRICS_PUBLIC: 'false' });
  }, 90_000);
  afterAll(() => t.close());

  it('needs a reader key', async () => {
    await t.http.get('/metrics').expect(401);
    await t.http.get('/metrics').set('X-API-Key', KEYS.reader).expect(200);
  });
});
