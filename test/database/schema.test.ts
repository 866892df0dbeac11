/**
 * The entities and the migrations describe the same schema: on a database built by the migrations
 * alone, the migration TypeORM would generate from the entities is empty (`npm run db:check`).
 */
import { jest } from '@jest/globals';
import { createDataSource } from '../../src/database/data-source.js';
import { ENTITIES } from '../../src/entities.js';
import { backend, emptyDatabase } from '../support/app.js';

jest.setTimeout(120_000);

describe(`entities match the migrations (${backend})`, () => {
  let database: Awaited<ReturnType<typeof emptyDatabase>> | undefined;
  afterAll(() => database?.drop());

  it('a migration generated from the entities would be empty', async () => {
    database = await emptyDatabase();
    const ds = createDataSource({ url: database.url, embedded: database.embedded, entities: ENTITIES });
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
