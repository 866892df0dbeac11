/**
 * Starts the real application for a test: real HTTP, the real migrations, and either PGlite
 * (default) or a fresh database on the PostgreSQL at TEST_PG_URL.
 */
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource, type QueryRunner } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { createApp } from '../../src/app.js';
import { createDataSource } from '../../src/database/data-source.js';
import { ENTITIES } from '../../src/entities.js';
import { loadConfig, type AppConfig } from '../../src/config/config.js';
import { startEmbeddedPostgres } from '../../src/database/embedded.js';
import { freshDatabase as sharedFreshDatabase } from './database.js';

export const KEYS = { admin: 'admin-key-123456', service: 'service-key-123456', reader: 'reader-key-123456' };
export const TEST_PG_URL = process.env.TEST_PG_URL;
export const TEST_KAFKA_BROKERS = process.env.TEST_KAFKA_BROKERS;
export const backend = TEST_PG_URL ? 'PostgreSQL' : 'PGlite';
/**
 * The app's log level in tests: silent, so the test summary is not buried under request logs;
 * JOURNEY_TEST_LOGS=warn (or info, debug) shows them.
 */
export const TEST_LOG_LEVEL = process.env.JOURNEY_TEST_LOGS || 'silent';

/** A fresh, empty database on the test PostgreSQL server; dropped by the returned function. */
export const freshDatabase = () => sharedFreshDatabase(TEST_PG_URL!);

/** An empty database without the app, for a test that runs migrations itself: on TEST_PG_URL, or PGlite in memory. */
/** Each statement `db` sends while `work` runs, as TypeORM logs it: its text, parameters and query runner (its transaction). */
export async function statementsSent<R>(
  db: DataSource,
  work: () => Promise<R>,
): Promise<{ result: R; sent: { query: string; parameters: unknown[]; runner?: QueryRunner }[] }> {
  const sent: { query: string; parameters: unknown[]; runner?: QueryRunner }[] = [];
  const logger = db.logger;
  const logQuery = logger.logQuery.bind(logger);
  logger.logQuery = (query: string, parameters?: unknown[], runner?: QueryRunner) => {
    sent.push({ query, parameters: parameters ?? [], runner });
    logQuery(query, parameters, runner);
  };
  try {
    return { result: await work(), sent };
  } finally {
    logger.logQuery = logQuery;
  }
}

export async function emptyDatabase(): Promise<{ url: string; embedded: boolean; drop(): Promise<void> }> {
  if (TEST_PG_URL) {
    const database = await freshDatabase();
    return { url: database.url, embedded: false, drop: database.drop };
  }
  const embedded = await startEmbeddedPostgres(null);
  return { url: embedded.url, embedded: true, drop: () => embedded.stop() };
}

/**
 * The empty database migrated up to `migration`, and with it when `including`: for a test of that
 * migration's up and down (`undoLastMigration` then undoes it).
 */
export async function migratedTo(
  database: { url: string; embedded: boolean },
  migration: (typeof MIGRATIONS)[number],
  including: boolean,
): Promise<DataSource> {
  const migrations = MIGRATIONS.slice(0, MIGRATIONS.indexOf(migration) + (including ? 1 : 0));
  const db = createDataSource({ ...database, entities: ENTITIES, migrations });
  await db.initialize();
  await db.runMigrations();
  return db;
}

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  db: DataSource;
  http: ReturnType<typeof request>;
  /** supertest with a role's key */
  as(role: keyof typeof KEYS): {
    get: (url: string) => request.Test;
    post: (url: string) => request.Test;
    put: (url: string) => request.Test;
    delete: (url: string) => request.Test;
  };
  /** POST /journey/events with a service key, expecting 200. */
  ingest(events: unknown): request.Test;
  close(): Promise<void>;
}

/** The app on a fresh database (TEST_PG_URL) or PGlite; `env.DATABASE_URL` names a database of the test's own instead. */
/** Nothing in the background: a test that drives the scheduler, sweep, retention and backfills itself. */
export const BACKGROUND_OFF = {
  JOURNEY_BACKFILL_BATCH_SIZE: '0',
  JOURNEY_SCHEDULER_INTERVAL_MS: '0',
  JOURNEY_RECONCILE_INTERVAL_MS: '0',
  JOURNEY_RETENTION_INTERVAL_MS: '0',
};

export async function startApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = TEST_PG_URL && !env.DATABASE_URL ? await freshDatabase() : undefined;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: TEST_LOG_LEVEL,
    JOURNEY_DATA_DIR: ':memory:',
    JOURNEY_API_KEYS: `admin:${KEYS.admin},service:${KEYS.service},reader:${KEYS.reader}`,
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...env,
  });
  const app = await createApp(config);
  await app.init();
  const server = app.getHttpServer();
  const http = request(server);
  const auth = (role: keyof typeof KEYS) => (t: request.Test) => t.set('Authorization', `Bearer ${KEYS[role]}`);
  return {
    app,
    config,
    db: app.get(DataSource),
    http,
    as: (role) => ({
      get: (url) => auth(role)(http.get(url)),
      post: (url) => auth(role)(http.post(url)),
      put: (url) => auth(role)(http.put(url)),
      delete: (url) => auth(role)(http.delete(url)),
    }),
    ingest: (events) =>
      auth('service')(http.post('/journey/events'))
        .send(events as object)
        .expect(200),
    async close() {
      await app.close();
      await database?.drop();
    },
  };
}
