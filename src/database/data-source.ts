/**
 * The one data-source definition, shared by the app, the migration runner and the tests.
 */
import { DataSource, type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';

export interface DatabaseOptions {
  url: string;
  /** PGlite serves one session: its pool must hold a single connection. */
  embedded: boolean;
  /** Every table's entity (src/entities.ts). */
  entities: DataSourceOptions['entities'];
  /** Every migration (the default); a test of one migration stops at it. */
  migrations?: DataSourceOptions['migrations'];
}

export function createDataSource({ url, embedded, entities, migrations = MIGRATIONS }: DatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    uuidExtension: 'pgcrypto',
    synchronize: false,
    migrationsRun: false,
    migrations,
    migrationsTransactionMode: 'each',
    entities,
    logging: false,
    extra: { max: embedded ? 1 : 10, idleTimeoutMillis: 30_000 },
  });
}
