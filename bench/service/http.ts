/**
 * Benchmark part `http` (issue 15 item 1): single-event POST /journey/events requests, each raising a
 * flag for a new participant, on PostgreSQL and on the embedded PGlite. Two figures per backend, with
 * group commit on (the default) and off (JOURNEY_INGEST_GROUP_COMMIT=false, a transaction per
 * request: the baseline) in the same run:
 *
 * - throughput: 32 clients, each posting its next request as soon as the last is answered;
 * - latency: requests sent on a fixed schedule (500/s, open loop: a slow answer does not delay the
 *   next request), each timed from its send to its answer.
 *
 * The baseline's paced run is left out when its throughput is below the rate: an open loop above
 * capacity only builds a backlog, and its p99 grows with the run's length (reported as null).
 * --quick measures group commit only, a second each.
 *
 * Every answer must be a 200 counting the event accepted, and every event's flag must be there at the end.
 */
import { Agent, request } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Random } from '../random.js';
import { summarize, type Summary } from '../stats.js';
import { ADMIN_KEY, createDatabase, startService, type Service } from './harness.js';
import { flagRaisingEvent } from './workload.js';

type Log = (line: string) => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface HttpOpts {
  /** Concurrent clients of the throughput run. */
  clients: number;
  /** Seconds of the throughput run (after `warmupS`). */
  seconds: number;
  warmupS: number;
  /** Requests per second of the paced run, and its seconds. */
  rate: number;
  pacedS: number;
  /** Measure the baseline too (the full run); --quick only keeps the part from rotting. */
  baseline: boolean;
  log: Log;
}

export interface HttpMode {
  requests_per_sec: number;
  /** CPU time of the service per request answered at saturation: what bounds it on a machine of its own. */
  service_cpu_ms_per_request: number;
  /** The same for PostgreSQL's processes (null embedded) and for this bench's client: the machine's whole bill. */
  postgres_cpu_ms_per_request: number | null;
  client_cpu_ms_per_request: number;
  /** Answer times at saturation (the throughput run). */
  saturated_ms: Summary;
  /** Answer times of the paced run; null when the throughput is below the rate (see above). */
  paced_ms: Summary | null;
  paced_rate: number;
  paced_seconds: number;
}

export interface HttpBackend {
  group_commit: HttpMode;
  baseline: HttpMode | null;
  ratio_vs_baseline: number | null;
}

export interface HttpResult {
  clients: number;
  pg: HttpBackend;
  embedded: HttpBackend;
}

/** One service's single-event client: keep-alive connections, one event per request. */
function client(service: Service, rnd: Random) {
  const url = new URL(service.base);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const users: string[] = [];
  let failure: string | undefined;
  /** Sends `body`; resolves with the ms from `started` to the answer (a failure is recorded, never thrown). */
  const send = (user: string, body: string, started: number, retried = false): Promise<number> =>
    new Promise<number>((resolve) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: '/journey/events',
          method: 'POST',
          agent,
          headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('error', (e) => {
            failure ??= `a broken answer (${e.message})`;
            resolve(performance.now() - started);
          });
          res.on('end', () => {
            if (res.statusCode !== 200 || !text.includes('"accepted":1')) failure ??= `${res.statusCode} ${text.slice(0, 200)}`;
            else users.push(user);
            resolve(performance.now() - started);
          });
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => {
        // A keep-alive connection the server closed as idle just as it was reused: what any HTTP client
        // does, send again on a fresh one (Node's documented `reusedSocket` pattern).
        if (req.reusedSocket && e.code === 'ECONNRESET' && !retried) resolve(send(user, body, started, true));
        else {
          failure ??= `no answer (${e.message})`;
          resolve(performance.now() - started);
        }
      });
      req.end(body);
    });
  const post = () => {
    const user = rnd.uuid();
    return send(user, JSON.stringify(flagRaisingEvent(rnd, user, Date.now()).envelope), performance.now());
  };
  return {
    post,
    users,
    check() {
      if (failure) throw new Error(`POST /journey/events answered ${failure}`);
    },
    close: () => agent.destroy(),
  };
}

/** `clients` closed loops for `warmupS` + `seconds`; requests answered within the measured seconds. */
/** CPU time (ms) used so far by the service, by PostgreSQL's processes (every backend of the local server) and by this process. */
function cpuNow(service: Service, postgres: boolean): Cpu {
  const used = process.cpuUsage();
  return { service: service.cpuMs(), postgres: postgres ? postgresCpuMs() : 0, client: (used.user + used.system) / 1000 };
}
type Cpu = { service: number; postgres: number; client: number };

/** User + system ms of every process named postgres (/proc/<pid>/stat, clock ticks of 10 ms); one that ended meanwhile is not counted. */
function postgresCpuMs(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks * 10;
}

async function saturate(c: ReturnType<typeof client>, clients: number, warmupS: number, seconds: number, cpuNow: () => Cpu) {
  const start = performance.now() + warmupS * 1000;
  const end = start + seconds * 1000;
  const times: number[] = [];
  let answered = 0;
  const cpu: { start?: Cpu; end?: Cpu } = {};
  const timers = [
    setTimeout(() => (cpu.start = cpuNow()), warmupS * 1000),
    setTimeout(() => (cpu.end = cpuNow()), (warmupS + seconds) * 1000),
  ];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const ms = await c.post();
        const at = performance.now();
        if (at >= start && at < end) {
          answered++;
          times.push(ms);
        }
      }
    }),
  );
  timers.forEach(clearTimeout);
  const per = (k: keyof Cpu) => (cpu.end![k] - cpu.start![k]) / answered;
  return {
    perSec: answered / seconds,
    ms: summarize(times),
    cpuMsPerRequest: { service: per('service'), postgres: per('postgres'), client: per('client') },
  };
}

/** `rate` requests/s for `seconds`, on a fixed schedule. */
async function paced(c: ReturnType<typeof client>, rate: number, seconds: number): Promise<Summary> {
  const tickMs = 10;
  const perTick = (rate * tickMs) / 1000;
  const start = performance.now();
  const inflight: Promise<number>[] = [];
  let sent = 0;
  for (let tick = 0; tick * tickMs < seconds * 1000; tick++) {
    const wait = start + tick * tickMs - performance.now();
    if (wait > 0) await sleep(wait);
    const want = Math.round((tick + 1) * perTick) - sent;
    for (let i = 0; i < want; i++) inflight.push(c.post());
    sent += want;
  }
  return summarize(await Promise.all(inflight));
}

async function measure(
  service: Service,
  opts: HttpOpts,
  onPostgres: boolean,
  pacedAlways: boolean,
  check: (users: string[]) => Promise<void>,
) {
  const rate = opts.rate;
  const c = client(service, new Random(15));
  try {
    const s = await saturate(c, opts.clients, opts.warmupS, opts.seconds, () => cpuNow(service, onPostgres));
    await sleep(200);
    const p = pacedAlways || s.perSec >= rate ? await paced(c, rate, opts.pacedS) : null;
    c.check();
    await check(c.users);
    return {
      requests_per_sec: s.perSec,
      service_cpu_ms_per_request: s.cpuMsPerRequest.service,
      postgres_cpu_ms_per_request: onPostgres ? s.cpuMsPerRequest.postgres : null,
      client_cpu_ms_per_request: s.cpuMsPerRequest.client,
      saturated_ms: s.ms,
      paced_ms: p,
      paced_rate: rate,
      paced_seconds: p ? opts.pacedS : 0,
    };
  } finally {
    c.close();
  }
}

/** Every answered event's participant holds the flag (a sample of 200, read over HTTP). */
async function flagsHeld(service: Service, users: string[]): Promise<void> {
  const step = Math.max(1, Math.floor(users.length / 200));
  for (let i = 0; i < users.length; i += step) {
    const r = await service.request('GET', `/journey/flags/${users[i]}`);
    const flags = (r.body?.flags ?? []) as { flag: string; value: boolean }[];
    if (!flags.some((f) => f.flag === 'language_support_needed' && f.value))
      throw new Error(`no flag for ${users[i]}: ${JSON.stringify(r.body)}`);
  }
}

async function backend(name: 'pg' | 'embedded', opts: HttpOpts): Promise<HttpBackend> {
  const modes: Partial<Record<'group_commit' | 'baseline', HttpMode>> = {};
  for (const mode of opts.baseline ? (['group_commit', 'baseline'] as const) : (['group_commit'] as const)) {
    const db = name === 'pg' ? await createDatabase() : undefined;
    const dataDir = name === 'embedded' ? mkdtempSync(join(tmpdir(), 'journey-bench-http-')) : undefined;
    let service: Service | undefined;
    try {
      service = await startService({
        ...(db ? { DATABASE_URL: db.url } : { JOURNEY_DATA_DIR: dataDir! }),
        JOURNEY_INGEST_GROUP_COMMIT: mode === 'group_commit' ? 'true' : 'false',
      });
      // Group commit always (the key), the baseline only within its throughput (see above).
      const m = await measure(service, opts, name === 'pg', mode === 'group_commit', (users) => flagsHeld(service!, users));
      modes[mode] = m;
      opts.log(
        `http ${name}, group commit ${mode === 'group_commit' ? 'on' : 'off'}: ${Math.round(m.requests_per_sec)} requests/s with ${opts.clients} clients, ` +
          `CPU per request: service ${m.service_cpu_ms_per_request.toFixed(2)} ms` +
          (m.postgres_cpu_ms_per_request === null ? '' : `, PostgreSQL ${m.postgres_cpu_ms_per_request.toFixed(2)} ms`) +
          `, bench client ${m.client_cpu_ms_per_request.toFixed(2)} ms ` +
          `(p50 ${m.saturated_ms.p50.toFixed(1)} ms, p99 ${m.saturated_ms.p99.toFixed(1)} ms); ` +
          (m.paced_ms
            ? `at ${opts.rate}/s for ${opts.pacedS} s: p50 ${m.paced_ms.p50.toFixed(1)} ms, p99 ${m.paced_ms.p99.toFixed(1)} ms`
            : `${opts.rate}/s is beyond it: no paced run`),
      );
    } finally {
      await service?.stop();
      await db?.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return {
    group_commit: modes.group_commit!,
    baseline: modes.baseline ?? null,
    ratio_vs_baseline: modes.baseline ? modes.group_commit!.requests_per_sec / modes.baseline.requests_per_sec : null,
  };
}

export async function httpPart(opts: HttpOpts): Promise<HttpResult> {
  const pg = await backend('pg', opts);
  const embedded = await backend('embedded', opts);
  return { clients: opts.clients, pg, embedded };
}
