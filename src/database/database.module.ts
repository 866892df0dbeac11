import { type DynamicModule, Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { createDataSource } from './data-source.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.js';

const EMBEDDED = Symbol('EMBEDDED_POSTGRES');

/**
 * PostgreSQL at DATABASE_URL, or the embedded PGlite when none is given.
 * Migrations run before anything else touches the database.
 */
@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  /** `entities`: every table's entity (src/entities.ts), given by the app: this layer does not import the modules. */
  static forRoot(entities: DataSourceOptions['entities']): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: EMBEDDED,
          inject: [APP_CONFIG],
          useFactory: async (config: AppConfig): Promise<EmbeddedPostgres | null> =>
            config.databaseUrl ? null : startEmbeddedPostgres(config.dataDir),
        },
        {
          provide: DataSource,
          inject: [APP_CONFIG, EMBEDDED],
          useFactory: async (config: AppConfig, embedded: EmbeddedPostgres | null) => {
            const ds = createDataSource({ url: config.databaseUrl ?? embedded!.url, embedded: !!embedded, entities });
            await ds.initialize();
            const applied = await ds.runMigrations({ transaction: 'each' });
            if (applied.length) new Logger('Database').log(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
            return ds;
          },
        },
      ],
      exports: [DataSource],
    };
  }

  constructor(
    private readonly dataSource: DataSource,
    @Inject(EMBEDDED) private readonly embedded: EmbeddedPostgres | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.embedded?.stop();
  }
}
