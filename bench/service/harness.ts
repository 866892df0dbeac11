/**
 * What the service parts need: a fresh database on the local PostgreSQL, the broker, the built
 * service as a child process, an HTTP client with an admin key, and the service's memory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { freePort, freshDatabase } from '../../test/support/database.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const KAFKA_BROKERS = process.env.BENCH_KAFKA_BROKERS ?? '127.0.0.1:9092';
export const ADMIN_KEY = 'bench-admin-key-0001';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/* ------------------------------------------------------------------ database */

export interface BenchDatabase {
  name: string;
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

/** Whether the local PostgreSQL answers. */
export async function postgresAvailable(): Promise<string | null> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return null;
  } catch (e) {
    return `PostgreSQL at ${PG_ADMIN_URL} does not answer (${(e as Error).message})`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** A fresh `journey_bench_<random>` database (the tests' helper) with a pool; `drop()` removes it. */
export async function createDatabase(): Promise<BenchDatabase> {
  const db = await freshDatabase(PG_ADMIN_URL, 'journey_bench');
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  return {
    ...db,
    pool,
    async drop() {
      await pool.end().catch(() => undefined);
      await db.drop();
    },
  };
}

/* ------------------------------------------------------------------ broker */

async function brokerAnswers(): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'journey-bench-probe',
    brokers: KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** A broker at KAFKA_BROKERS: one already answering, or ours started with `npm run kafka:up`; null when ready, else why not. */
export async function kafkaUp(): Promise<string | null> {
  if (await brokerAnswers()) return null;
  const r = spawnSync('npm', ['run', '--silent', 'kafka:up'], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  if (r.status === 0) return null;
  return `npm run kafka:up failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ')}`;
}

/* ------------------------------------------------------------------ service */

/** Builds dist/ (`npm run build`); null when built, else why not. */
export function build(): string | null {
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status === 0 && existsSync(resolve(ROOT, 'dist/src/main.js'))) return null;
  return `npm run build failed: ${(r.stdout + r.stderr).trim().split('\n').slice(0, 3).join(' | ')}`;
}

export interface Service {
  pid: number;
  base: string;
  /** Resident memory of the service process, MB. */
  rssMb(): number;
  /** CPU time the service process has used (user + system), ms. */
  cpuMs(): number;
  /** An admin request; the parsed JSON body. */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
  /** The last lines the service printed. */
  log(): string;
}

export async function startService(env: Record<string, string>): Promise<Service> {
  const port = await freePort();
  const lines: string[] = [];
  // BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the service itself.
  const nodeArgs = process.env.BENCH_SERVICE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, 'dist/src/main.js'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      JOURNEY_API_KEYS: `admin:${ADMIN_KEY}`,
      JOURNEY_SEED_DIR: resolve(ROOT, 'seeds'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (b: Buffer) => {
    lines.push(...b.toString().split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));
  const base = `http://127.0.0.1:${port}`;

  const service: Service = {
    pid: child.pid!,
    base,
    cpuMs() {
      // /proc/<pid>/stat: utime and stime are the 14th and 15th fields, in clock ticks (100 a second);
      // the command name (2nd) is in parentheses and may hold spaces.
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    rssMb() {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : NaN;
    },
    async request(method, path, body) {
      const res = await fetch(base + path, {
        method,
        headers: { Authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed };
    },
    async stop() {
      if (exited !== null) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await done;
      clearTimeout(t);
    },
    log: () => lines.slice(-20).join('\n'),
  };
  try {
    await until('the service to answer /health', 90_000, async () => {
      if (exited !== null) throw new Error(`the service exited (${exited}):\n${service.log()}`);
      try {
        const r = await fetch(`${base}/health`);
        return r.ok ? true : undefined;
      } catch {
        return undefined;
      }
    });
  } catch (e) {
    await service.stop();
    throw e;
  }
  return service;
}
