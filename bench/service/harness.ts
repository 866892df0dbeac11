/**
 * What the service parts need: a fresh database on the local PostgreSQL, the broker, the built
 * service as a child process, an HTTP client with an admin key, and the service's memory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { freshDatabase } from '../../test/support/database.js';
import { ROOT, ServiceProcess } from '../../test/support/service.js';

export { ROOT };
export { GiveUp, until } from '../../test/support/until.js';

export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const KAFKA_BROKERS = process.env.BENCH_KAFKA_BROKERS ?? '127.0.0.1:9092';
export const ADMIN_KEY = 'bench-admin-key-0001';

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

/** The service process (test/support/service.ts) with an admin key; `base` is its URL, log() its last lines. */
export class Service extends ServiceProcess {
  get base(): string {
    return this.url;
  }

  /** The last lines the service printed. */
  log(): string {
    return this.tail(20);
  }
}

export async function startService(env: Record<string, string>): Promise<Service> {
  const service = new Service({
    main: resolve(ROOT, 'dist/src/main.js'),
    // BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the service itself.
    nodeArgs: process.env.BENCH_SERVICE_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      JOURNEY_API_KEYS: `admin:${ADMIN_KEY}`,
      JOURNEY_SEED_DIR: resolve(ROOT, 'seeds'),
      ...env,
    },
    apiKey: ADMIN_KEY,
  });
  await service.start();
  return service;
}
