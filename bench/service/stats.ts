/**
 * Benchmark part `stats` (issue G.4): GET /journey/stats/flags and /journey/stats/rules over
 * `rows` flag-history rows (default 1,000,000: 100,000 participants × 10 changes of 20 flags over the
 * last year) on PostgreSQL. The rollups are filled from the history by the same SQL the migration uses
 * (what the decisions write one at a time); journey_flags holds each participant's flags.
 * Baseline in the same run: GET /health/live.
 */
import { summarize, type Summary } from '../stats.js';
import { createDatabase, startService, type BenchDatabase, type Service } from './harness.js';

type Log = (line: string) => void;

export interface StatsResult {
  history_rows: number;
  flag_rows: number;
  /** A year by day (365 points per flag, 20 flags). */
  flags_year_by_day_ms: Summary;
  /** The last 30 days by hour (720 points per flag). */
  flags_month_by_hour_ms: Summary;
  rules_year_by_day_ms: Summary;
  health_ms: Summary;
}

async function time(service: Service, path: string, n: number): Promise<Summary> {
  const out: number[] = [];
  for (let i = 0; i < n + 3; i++) {
    const s = performance.now();
    const res = await service.request('GET', path);
    const ms = performance.now() - s;
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
    if (i >= 3) out.push(ms); // the first three warm up
  }
  return summarize(out);
}

/**
 * `participants` known participants, each with 10 flag changes of 20 flags over the last year (their
 * history, current flags and the rollups the decisions would have written); returns one participant's id.
 */
export async function seedFlagPopulation(db: BenchDatabase, participants: number): Promise<string | undefined> {
  const q = (sql: string) => db.pool.query(sql, [participants]);
  await q(`CREATE TABLE bench_users AS SELECT gen_random_uuid() AS u, n FROM generate_series(1, $1::int) AS n`);
  await q(`INSERT INTO participants (user_id, first_seen_at, last_event_at)
    SELECT u, now() - interval '365 days', now() - (n % 90) * interval '1 day' FROM bench_users WHERE $1::int > 0`);
  await q(`INSERT INTO journey_flag_history (user_id, flag, value, previous_value, rule_id, rule_version, reason, explanation,
      changed_at, occurred_at, trigger)
    SELECT u, 'flag_' || ((n + i) % 20), i % 2 = 1, CASE WHEN i % 2 = 1 THEN NULL ELSE true END, 'rule_' || ((n + i) % 20), 1,
      'bench', '{}', t, t, 'events'
    FROM bench_users, generate_series(1, 10) AS i, LATERAL (SELECT now() - random() * interval '365 days' AS t) AS x
    WHERE $1::int > 0`);
  await q(`INSERT INTO journey_flags (user_id, flag, value, set_by_rule, set_at, expires_at)
    SELECT u, 'flag_' || ((n + i) % 20), i % 3 <> 0, 'rule_' || ((n + i) % 20), now(), NULL
    FROM bench_users, generate_series(1, 10) AS i WHERE $1::int > 0`);
  await q(`INSERT INTO journey_stats_flag_hourly (flag, hour, sets, clears)
    SELECT flag, date_trunc('hour', changed_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
      count(*) FILTER (WHERE value AND previous_value IS NOT TRUE), count(*) FILTER (WHERE NOT value AND previous_value IS TRUE)
    FROM journey_flag_history WHERE $1::int > 0 GROUP BY 1, 2`);
  await q(`INSERT INTO journey_stats_rule_hourly (rule_id, version, hour, fired, last_fired_at)
    SELECT rule_id, 1, date_trunc('hour', changed_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', count(*) FILTER (WHERE value), max(changed_at)
    FROM journey_flag_history WHERE $1::int > 0 GROUP BY 1, 3`);
  const one = await db.pool.query<{ u: string }>('SELECT u::text FROM bench_users ORDER BY n LIMIT 1');
  await db.pool.query('DROP TABLE bench_users');
  await db.pool.query('ANALYZE');
  return one.rows[0]?.u;
}

export async function statsPart(opts: { participants: number; log: Log }): Promise<StatsResult> {
  const { log } = opts;
  const db = await createDatabase();
  let service: Service | undefined;
  try {
    service = await startService({ DATABASE_URL: db.url }); // runs the migrations
    const t0 = Date.now();
    await seedFlagPopulation(db, opts.participants);
    const count = async (table: string) => (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
    const historyRows = await count('journey_flag_history');
    const flagRows = await count('journey_flags');
    log(`stats: wrote ${historyRows} history rows, ${flagRows} flag rows and their rollups in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

    const now = Date.now();
    const iso = (t: number) => new Date(t).toISOString();
    const year = `from=${iso(now - 365 * 86_400_000)}&to=${iso(now)}&bucket=day`;
    const month = `from=${iso(now - 30 * 86_400_000)}&to=${iso(now)}&bucket=hour`;
    const health: number[] = [];
    for (let i = 0; i < 100; i++) {
      const s = performance.now();
      await fetch(`${service.base}/health/live`);
      health.push(performance.now() - s);
    }
    const result: StatsResult = {
      history_rows: historyRows,
      flag_rows: flagRows,
      flags_year_by_day_ms: await time(service, `/journey/stats/flags?${year}`, 20),
      flags_month_by_hour_ms: await time(service, `/journey/stats/flags?${month}`, 20),
      rules_year_by_day_ms: await time(service, `/journey/stats/rules?${year}`, 20),
      health_ms: summarize(health),
    };
    log(
      `stats: flags a year by day p50 ${result.flags_year_by_day_ms.p50.toFixed(1)} ms, a month by hour p50 ${result.flags_month_by_hour_ms.p50.toFixed(1)} ms; rules a year by day p50 ${result.rules_year_by_day_ms.p50.toFixed(1)} ms (GET /health/live p50 ${result.health_ms.p50.toFixed(2)} ms)`,
    );
    return result;
  } finally {
    await service?.stop();
    await db.drop();
  }
}
