/**
 * The one data-source definition, shared by the app, the migration runner and the tests.
 */
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { EventLogEntry } from '../eventlog/event-log.entity.js';

export interface DatabaseOptions {
  url: string;
  /** PGlite serves one session: its pool must hold a single connection. */
  embedded: boolean;
}

export function createDataSource({ url, embedded }: DatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    uuidExtension: 'pgcrypto',
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    entities: [EventLogEntry],
    logging: false,
    extra: { max: embedded ? 1 : 10, idleTimeoutMillis: 30_000 },
  });
}
