/**
 * Benchmark part `timeline` (issue G.2): one participant with 10,000 timeline entries (events, flag
 * changes, milestones, outputs) among other participants with as many entries each, on PostgreSQL; every
 * page of 50 walked through HTTP, newest to oldest. Baseline in the same run: GET /health, the
 * cheapest authenticated-free round trip to the same service.
 */
import { summarize, type Summary } from '../stats.js';
import { createDatabase, startService, type Service } from './harness.js';

type Log = (line: string) => void;

export interface TimelineResult {
  entries: number;
  others: number;
  pages: number;
  page_ms: Summary;
  health_ms: Summary;
}

const USER = '00000000-0000-4000-8000-00000000e1e1';

/** Rows of every kind for `users` participants, `per` entries each, spread over the last year. */
async function fill(
  db: { pool: { query: (sql: string, params?: unknown[]) => Promise<unknown> } },
  users: string,
  per: number,
): Promise<void> {
  const q = (sql: string) => db.pool.query(sql, [per]);
  const at = `now() - (random() * interval '365 days')`;
  // 40 % events, 30 % flag changes, 10 % milestones, 20 % outputs.
  await q(`INSERT INTO journey_event_log (event_id, user_id, type, occurred_at, source, kafka_topic, kafka_partition, kafka_offset, data)
    SELECT gen_random_uuid(), u, 'kintell.session.completed', date_trunc('milliseconds', ${at}), 'kafka', 'kintell.session.completed', 0, i,
      jsonb_build_object('sessionId', 's-' || i, 'sessionType', 'language', 'rating', 5)
    FROM ${users} AS p(u), generate_series(1, ($1::int * 4) / 10) AS i`);
  await q(`INSERT INTO journey_flag_history (user_id, flag, value, previous_value, rule_id, rule_version, reason, caused_by, explanation,
      changed_at, occurred_at, trigger, caused_by_events)
    SELECT u, 'flag_' || (i % 20), i % 2 = 0, i % 2 = 1, 'rule_' || (i % 20), 1, 'bench', NULL, '{"matched":true}', now(),
      date_trunc('milliseconds', ${at}), 'events', ARRAY[gen_random_uuid()]
    FROM ${users} AS p(u), generate_series(1, ($1::int * 3) / 10) AS i`);
  await q(`INSERT INTO journey_milestones (user_id, milestone, reached_at, triggered_by_rule, metadata, occurred_at)
    SELECT u, 'milestone_' || i, now(), 'rule_1', '{}', date_trunc('milliseconds', ${at})
    FROM ${users} AS p(u), generate_series(1, $1::int / 10) AS i`);
  await q(`INSERT INTO journey_outbox (event_id, type, user_id, envelope, occurred_at)
    SELECT gen_random_uuid(), 'orchestration.flag.updated', u, '{}', date_trunc('milliseconds', ${at})
    FROM ${users} AS p(u), generate_series(1, ($1::int * 2) / 10) AS i`);
  await db.pool.query(`DELETE FROM journey_outbox_pending`); // published
}

export async function timelinePart(opts: { entries: number; others: number; log: Log }): Promise<TimelineResult> {
  const { log } = opts;
  const db = await createDatabase();
  let service: Service | undefined;
  try {
    service = await startService({ DATABASE_URL: db.url }); // runs the migrations
    const t0 = Date.now();
    await fill(db, `(VALUES ('${USER}'::uuid))`, opts.entries);
    await fill(db, `(SELECT gen_random_uuid() FROM generate_series(1, ${opts.others}))`, opts.entries);
    await db.pool.query('ANALYZE');
    log(
      `timeline: wrote ${opts.entries} entries for one participant and as many for each of ${opts.others} others in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );

    const health: number[] = [];
    for (let i = 0; i < 200; i++) {
      const s = performance.now();
      await fetch(`${service.base}/health/live`);
      health.push(performance.now() - s);
    }
    const page: number[] = [];
    let before: string | null = null;
    let seen = 0;
    for (let round = 0; round < 2; round++) {
      // Round 0 warms up (JIT, caches); round 1 is measured.
      before = null;
      seen = 0;
      if (round === 1) page.length = 0;
      do {
        const s = performance.now();
        const res: { status: number; body: { entries: unknown[]; next: string | null } } = await service.request(
          'GET',
          `/journey/participants/${USER}/timeline?limit=50${before ? `&before=${before}` : ''}`,
        );
        page.push(performance.now() - s);
        if (res.status !== 200) throw new Error(`timeline answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
        seen += res.body.entries.length;
        before = res.body.next;
      } while (before);
    }
    if (seen !== opts.entries) throw new Error(`the walk saw ${seen} entries, not ${opts.entries}`);
    const result = {
      entries: opts.entries,
      others: opts.others,
      pages: page.length,
      page_ms: summarize(page),
      health_ms: summarize(health),
    };
    log(
      `timeline: ${result.pages} pages of 50, p50 ${result.page_ms.p50.toFixed(2)} ms, p99 ${result.page_ms.p99.toFixed(2)} ms (GET /health/live p50 ${result.health_ms.p50.toFixed(2)} ms)`,
    );
    return result;
  } finally {
    await service?.stop();
    await db.drop();
  }
}
