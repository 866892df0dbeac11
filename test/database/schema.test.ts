/**
 * The entities and the migrations describe the same schema: on a database built by the migrations
 * alone, the migration TypeORM would generate from the entities is empty (`npm run db:check`).
 */
import { jest } from '@jest/globals';
import { createDataSource } from '../../src/database/data-source.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/database/embedded.js';
import { ENTITIES } from '../../src/entities.js';
import { backend, freshDatabase, TEST_PG_URL } from '../support/app.js';

jest.setTimeout(120_000);

describe(`entities match the migrations (${backend})`, () => {
  let embedded: EmbeddedPostgres | undefined;
  let database: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  afterAll(async () => {
    await embedded?.stop();
    await database?.drop();
  });

  it('a migration generated from the entities would be empty', async () => {
    if (TEST_PG_URL) database = await freshDatabase();
    else embedded = await startEmbeddedPostgres(null);
    const ds = createDataSource({ url: database?.url ?? embedded!.url, embedded: !database, entities: ENTITIES });
    await ds.initialize();
    try {
      await ds.runMigrations({ transaction: 'each' });
      const { upQueries } = await ds.driver.createSchemaBuilder().log();
      expect(upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });
});
