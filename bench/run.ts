/**
 * The benchmark suite (issue E). Not a test: it prints figures, each beside its baseline from the
 * same run, and writes them to bench/results/latest.json (--quick: bench/results/quick.json).
 *
 *   npm run bench               every part at full size (about 14 minutes on 2 cores)
 *   npm run bench -- --quick    tiny sizes, under 2 minutes: what CI runs so the suite never rots
 *   npm run bench -- --only engine,kafka,latency,scheduler,backfill,timeline,stats,http,startup,console
 *
 * A part whose prerequisite is missing (its code, PostgreSQL, the broker) is reported as not
 * available rather than failing the run; a part that runs and breaks fails it.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { runEngine } from './engine/part.js';
import { build, kafkaUp, postgresAvailable, ROOT } from './service/harness.js';
import { backfillPart, kafkaPart, latencyPart, schedulerPart, type KafkaResult, type LatencyResult } from './service/parts.js';
import { httpPart } from './service/http.js';
import { startupPart } from './service/startup.js';
import { chromiumMissing, consolePart } from './service/console.js';
import { statsPart } from './service/stats.js';
import { timelinePart } from './service/timeline.js';
import { fmt, fmtSpread } from './stats.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only'));
const only = onlyArg ? (onlyArg.includes('=') ? onlyArg.split('=')[1] : args[args.indexOf(onlyArg) + 1]).split(',') : null;
const wanted = (part: string) => !only || only.includes(part);

const SIZES = quick
  ? {
      participants: 500,
      runs: 2,
      kafkaParticipants: 100,
      rate: 100,
      latencyS: 5,
      due: 300,
      windowS: 5,
      leadS: 8,
      backfill: 500,
      bigger: 0,
      timeline: 1000,
      timelineOthers: 5,
      statsParticipants: 2000,
      httpSeconds: 1,
      httpWarmupS: 0.5,
      httpPacedS: 1,
      consoleParticipants: 2000,
      consoleRules: 20,
      consoleLoads: 2,
    }
  : {
      participants: 10_000,
      runs: 3,
      kafkaParticipants: 20_000,
      rate: 1000,
      latencyS: 60,
      due: 10_000,
      windowS: 60,
      leadS: 20,
      backfill: 100_000,
      bigger: 1_000_000,
      timeline: 10_000,
      timelineOthers: 50,
      statsParticipants: 100_000,
      httpSeconds: 15,
      httpWarmupS: 3,
      httpPacedS: 20,
      consoleParticipants: 100_000,
      consoleRules: 200,
      consoleLoads: 5,
    };

const started = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

type Status = { available: true } | { available: false; reason: string } | { available: true; error: string };
const status: Record<string, Status> = {};
let failed = false;

async function part<T>(name: string, missing: string | null, run: () => Promise<T>): Promise<T | null> {
  if (!wanted(name)) {
    status[name] = { available: false, reason: 'not selected (--only)' };
    return null;
  }
  if (missing) {
    status[name] = { available: false, reason: missing };
    log(`${name}: not available: ${missing}`);
    return null;
  }
  try {
    const r = await run();
    status[name] = { available: true };
    return r;
  } catch (e) {
    failed = true;
    status[name] = { available: true, error: (e as Error).message };
    log(`${name}: FAILED: ${(e as Error).stack ?? String(e)}`);
    return null;
  }
}

const has = (...paths: string[]) => {
  const gone = paths.filter((p) => !existsSync(resolve(ROOT, p)));
  return gone.length ? `not in the tree yet (${gone.join(', ')})` : null;
};

/* ------------------------------------------------------------------ run */

log(`${quick ? 'quick' : 'full'} run: ${JSON.stringify(SIZES)}`);

const engine = await part('engine', null, () =>
  runEngine({ participants: SIZES.participants, runs: SIZES.runs, ruleCounts: [10, 50, 200], log }),
);
if (engine?.some((s) => s.agree !== s.participants)) {
  failed = true;
  log('engine: FAILED the fairness check: the two engines disagree on which rules match');
}

// startup: only in the full run (two starts of the service, about 10 s).
const serviceParts = [
  'kafka',
  'latency',
  'scheduler',
  'backfill',
  'memory',
  'timeline',
  'stats',
  'http',
  'console',
  ...(quick ? [] : ['startup']),
].filter(wanted);
let serviceMissing: string | null = null;
if (serviceParts.length) {
  serviceMissing = await postgresAvailable();
  if (!serviceMissing) {
    log('building the service (npm run build)');
    serviceMissing = build();
  }
}

let latency: LatencyResult | null = null;
const kafkaMissing = serviceMissing ?? has('src/kafka/consumer.server.ts', 'src/kafka/outbox-relay.ts');
const brokerMissing = !kafkaMissing && (wanted('kafka') || wanted('latency')) ? await kafkaUp() : null;
const kafka: KafkaResult | null = await part('kafka', kafkaMissing ?? brokerMissing, () =>
  kafkaPart({ participants: SIZES.kafkaParticipants, log }, async (service, db, prefix) => {
    latency = await part('latency', null, () => latencyPart(service, db, prefix, { rate: SIZES.rate, seconds: SIZES.latencyS, log }));
  }),
);
if (!kafka && !status.latency) status.latency = { available: false, reason: 'runs on the service of the Kafka part, which did not run' };

const scheduler = await part(
  'scheduler',
  serviceMissing ?? has('src/scheduler/scheduler.service.ts', 'src/backfill/backfill.controller.ts'),
  () => schedulerPart({ participants: SIZES.due, windowS: SIZES.windowS, leadS: SIZES.leadS, log }),
);

const backfill = await part('backfill', serviceMissing ?? has('src/backfill/backfill.controller.ts'), () =>
  backfillPart({ participants: SIZES.backfill, bigger: SIZES.bigger, log }),
);

const timeline = await part('timeline', serviceMissing ?? has('src/timeline/timeline.controller.ts'), () =>
  timelinePart({ entries: SIZES.timeline, others: SIZES.timelineOthers, log }),
);

const stats = await part('stats', serviceMissing ?? has('src/stats/stats.controller.ts'), () =>
  statsPart({ participants: SIZES.statsParticipants, log }),
);

const HTTP_CLIENTS = 32;
const HTTP_RATE = 500;
const http = await part('http', serviceMissing ?? has('src/events/group-commit.service.ts'), () =>
  httpPart({
    clients: HTTP_CLIENTS,
    seconds: SIZES.httpSeconds,
    warmupS: SIZES.httpWarmupS,
    rate: HTTP_RATE,
    pacedS: SIZES.httpPacedS,
    baseline: !quick,
    log,
  }),
);

const startup =
  quick && wanted('startup')
    ? ((status.startup = { available: false, reason: 'full run only' }), null)
    : await part('startup', serviceMissing ?? has('scripts/measure-startup.mjs'), () => startupPart(log));

const consolePages = await part('console', serviceMissing ?? has('console/index.html') ?? chromiumMissing(), () =>
  consolePart({ participants: SIZES.consoleParticipants, rules: SIZES.consoleRules, loads: SIZES.consoleLoads, log }),
);

/* ------------------------------------------------------------------ report */

const e200 = engine?.find((s) => s.rules === 200);
const results = {
  meta: {
    mode: quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    sizes: SIZES,
    seconds: Math.round((Date.now() - started) / 1000),
    parts: status,
  },
  engine: {
    rules200_p50_us: e200?.ours.p50.median ?? null,
    rules200_p99_us: e200?.ours.p99.median ?? null,
    ratio_vs_json_rules_engine: e200 ? e200.theirs.p50.median / e200.ours.p50.median : null,
    sets: engine,
  },
  kafka: {
    events_per_sec: kafka?.events_per_sec ?? null,
    baseline_events_per_sec: kafka?.baseline_events_per_sec ?? null,
    ratio_vs_baseline: kafka?.ratio_vs_baseline ?? null,
    detail: kafka,
  },
  latency: {
    p50_ms: (latency as LatencyResult | null)?.visible.p50 ?? null,
    p99_ms: (latency as LatencyResult | null)?.visible.p99 ?? null,
    detail: latency,
  },
  scheduler: {
    p99_late_ms: scheduler?.late.p99 ?? null,
    missed: scheduler?.missed ?? null,
    detail: scheduler,
  },
  backfill: {
    seconds_100k: backfill && backfill.backfill.participants === 100_000 ? backfill.backfill.seconds : null,
    detail: backfill?.backfill ?? null,
  },
  timeline: {
    page_p50_ms: timeline?.page_ms.p50 ?? null,
    page_p99_ms: timeline?.page_ms.p99 ?? null,
    detail: timeline,
  },
  stats: {
    // The slowest of the two flag queries (a year by day, a month by hour), p50, over the history rows written.
    flags_ms_1m:
      stats && stats.history_rows >= 1_000_000 ? Math.max(stats.flags_year_by_day_ms.p50, stats.flags_month_by_hour_ms.p50) : null,
    rules_ms_1m: stats && stats.history_rows >= 1_000_000 ? stats.rules_year_by_day_ms.p50 : null,
    detail: stats,
  },
  http: {
    single_events_per_sec_pg: http?.pg.group_commit.requests_per_sec ?? null,
    single_events_per_sec_embedded: http?.embedded.group_commit.requests_per_sec ?? null,
    // At 500 requests/s, the slower of the two backends.
    p99_ms:
      http?.pg.group_commit.paced_ms && http.embedded.group_commit.paced_ms
        ? Math.max(http.pg.group_commit.paced_ms.p99, http.embedded.group_commit.paced_ms.p99)
        : null,
    detail: http,
  },
  startup: {
    restart_s: startup?.restart_s ?? null,
    detail: startup,
  },
  console: {
    // The slowest page's p50, a full load until shown, with 100,000 participants and 200 rules.
    slowest_page_p50_ms_100k:
      consolePages && consolePages.participants >= 100_000 ? Math.max(...Object.values(consolePages.pages).map((p) => p.p50)) : null,
    detail: consolePages,
  },
  memory: {
    rss_mb: kafka?.rss_mb_after ?? null,
    detail: backfill?.memory ?? null,
  },
};

const rows: [string, string, string][] = [];
const add = (what: string, value: string, note = '') => rows.push([what, value, note]);
const na = (name: string) => {
  const s = status[name];
  return s && 'reason' in s ? `not available: ${s.reason}` : s && 'error' in s ? `FAILED: ${s.error.split('\n')[0]}` : '';
};

if (engine) {
  for (const s of engine) {
    add(
      `engine ${s.name}: ours p50 / p99 µs`,
      `${fmtSpread(s.ours.p50)} / ${fmtSpread(s.ours.p99)}`,
      `first evaluation p50 ${fmt(s.oursFirst.p50.median)} µs`,
    );
    add(
      `engine ${s.name}: json-rules-engine p50 / p99 µs`,
      `${fmtSpread(s.theirs.p50)} / ${fmtSpread(s.theirs.p99)}`,
      `×${fmt(s.theirs.p50.median / s.ours.p50.median)} at p50; same matches ${s.agree}/${s.participants}`,
    );
  }
} else add('engine', na('engine'));
if (kafka) {
  add('kafka → committed flags, events/s', fmt(kafka.events_per_sec), `${kafka.events} events, ${kafka.participants} participants`);
  add(
    'bare consumer + batch insert, events/s',
    fmt(kafka.baseline_events_per_sec),
    `ours ÷ baseline ${fmt(kafka.ratio_vs_baseline * 100)}%`,
  );
  add('WAL per event, bytes: ours / bare consumer', `${fmt(kafka.wal_bytes_per_event)} / ${fmt(kafka.baseline_wal_bytes_per_event)}`);
} else add('kafka', na('kafka'));
if (latency) {
  const l = latency as LatencyResult;
  add(
    'latency produce → visible p50 / p99 ms',
    `${fmt(l.visible.p50)} / ${fmt(l.visible.p99)}`,
    `${l.rate} events/s for ${l.seconds} s; ${l.missing} not seen`,
  );
} else add('latency', na('latency'));
if (scheduler) {
  add(
    'time flips late p50 / p99 / max ms',
    `${fmt(scheduler.late.p50)} / ${fmt(scheduler.late.p99)} / ${fmt(scheduler.late.max)}`,
    `${scheduler.participants} due over ${scheduler.window_s} s; ${scheduler.missed} missed`,
  );
} else add('scheduler', na('scheduler'));
if (backfill) {
  add(
    `backfill of ${backfill.backfill.participants} participants, s`,
    fmt(backfill.backfill.seconds),
    `RSS peak ${fmt(backfill.backfill.rss_peak_mb)} MB`,
  );
  if (backfill.memory)
    add(
      `RSS after backfill, ${backfill.memory.participants} → ${backfill.memory.bigger_participants} participants, MB`,
      `${fmt(backfill.memory.rss_mb)} → ${fmt(backfill.memory.bigger_rss_mb)}`,
      `peaks ${fmt(backfill.memory.rss_peak_mb)} → ${fmt(backfill.memory.bigger_rss_peak_mb)}`,
    );
} else add('backfill', na('backfill'));
if (timeline) {
  add(
    `timeline page of 50 (HTTP), p50 / p99 ms`,
    `${fmt(timeline.page_ms.p50)} / ${fmt(timeline.page_ms.p99)}`,
    `${timeline.entries} entries, ${timeline.pages} pages walked; GET /health/live p50 ${fmt(timeline.health_ms.p50)} ms`,
  );
} else add('timeline', na('timeline'));
if (stats) {
  add(
    'stats over flag history (HTTP), p50 ms: flags year/day · flags month/hour · rules year/day',
    `${fmt(stats.flags_year_by_day_ms.p50)} · ${fmt(stats.flags_month_by_hour_ms.p50)} · ${fmt(stats.rules_year_by_day_ms.p50)}`,
    `${stats.history_rows} history rows, ${stats.flag_rows} flag rows; GET /health/live p50 ${fmt(stats.health_ms.p50)} ms`,
  );
} else add('stats', na('stats'));
if (http) {
  for (const name of ['pg', 'embedded'] as const) {
    const on = http[name].group_commit;
    const off = http[name].baseline;
    const paced = (m: { paced_ms: { p50: number; p99: number } | null }) =>
      m.paced_ms ? `${fmt(m.paced_ms.p50)} / ${fmt(m.paced_ms.p99)}` : 'beyond its throughput';
    add(
      `http ${name}: single-event requests/s, ${http.clients} clients (group commit / one transaction each)`,
      `${fmt(on.requests_per_sec)} / ${off ? fmt(off.requests_per_sec) : 'not measured (--quick)'}`,
      `${off ? `×${fmt(http[name].ratio_vs_baseline)}; ` : ''}p99 at saturation ${fmt(on.saturated_ms.p99)}${off ? ` / ${fmt(off.saturated_ms.p99)}` : ''} ms; ` +
        `service CPU per request ${fmt(on.service_cpu_ms_per_request)}${off ? ` / ${fmt(off.service_cpu_ms_per_request)}` : ''} ms` +
        (on.postgres_cpu_ms_per_request === null ? '' : `; PostgreSQL ${fmt(on.postgres_cpu_ms_per_request)} ms`) +
        `; bench client ${fmt(on.client_cpu_ms_per_request)} ms (group commit)`,
    );
    add(
      `http ${name}: at ${HTTP_RATE} requests/s for ${on.paced_seconds} s, p50 / p99 ms (group commit / one transaction each)`,
      `${paced(on)}${off ? ` · ${paced(off)}` : ''}`,
    );
  }
} else add('http', na('http'));
if (startup) add('restart (npm start → /health), s', fmt(startup.restart_s), `load average ${startup.load_average_1m}`);
else add('startup', na('startup'));
if (consolePages) {
  add(
    'console pages in Chromium (full load until shown), p50 ms',
    Object.entries(consolePages.pages)
      .map(([page, t]) => `${page} ${fmt(t.p50)}`)
      .join(' · '),
    `${consolePages.participants} participants, ${consolePages.rules} rules; GET /health/live in the browser p50 ${fmt(consolePages.health_ms.p50)} ms`,
  );
} else add('console', na('console'));
if (kafka) add('RSS after the Kafka part, MB', fmt(kafka.rss_mb_after));

const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
console.log();
for (const r of rows) console.log(`${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2]}`);
console.log();

mkdirSync(resolve(ROOT, 'bench/results'), { recursive: true });
const file = resolve(ROOT, `bench/results/${quick ? 'quick' : 'latest'}.json`);
writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
log(`wrote ${file}`);
process.exit(failed ? 1 : 0);
