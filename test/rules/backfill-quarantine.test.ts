/**
 * A backfill that cannot finish does not take the service down or loop: it ends `failed` with the
 * reason after a bounded number of attempts, and a restart leaves it failed.
 */
import { jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecisionWriter } from '../../src/evaluation/decision.writer.js';
import { backend, freshDatabase, startApp, TEST_PG_URL } from '../support/app.js';
import { backfillFinished, ingestPopulation, poll, type BackfillBody } from './helpers.js';

const rule = (id: string) => ({
  id,
  name: 'Has two sessions',
  flag: `${id}_flag`,
  priority: 1,
  conditions: [{ type: 'count', entity: 'kintell_sessions', count: '>=', count_value: 2 }],
  actions: [{ type: 'set_flag', flag: `${id}_flag` }],
});

describe(`backfill quarantine (${backend})`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'journey-quarantine-'));
  let database: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = TEST_PG_URL ? await freshDatabase() : undefined;
    env = { JOURNEY_BACKFILL_BATCH_SIZE: '5', ...(database ? { DATABASE_URL: database.url } : { JOURNEY_DATA_DIR: dataDir }) };
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a backfill whose evaluation throws every time ends failed with the reason, and a restart does not resume it', async () => {
    const first = await startApp(env);
    let calls = 0;
    try {
      await ingestPopulation(first, 10, 10, 2);
      jest.spyOn(first.app.get(DecisionWriter), 'evaluateUsers').mockImplementation(() => {
        calls++;
        return Promise.reject(new Error('participant poisoned'));
      });
      await first.as('admin').post('/journey/rules').send(rule('bf_poison')).expect(201);
      const failed = await backfillFinished(first, 'bf_poison');
      expect(failed).toMatchObject({ status: 'failed', processed: 0, total: 20 });
      expect(failed.error).toMatch(/after 3 attempts/);
      expect(failed.error).toMatch(/participant poisoned/);
      expect(calls).toBeGreaterThanOrEqual(3); // the scheduler evaluates through it too
      // The service stays up.
      await first.http.get('/health/live').expect(200);
    } finally {
      await first.close();
    }

    const second = await startApp(env);
    try {
      const after = (await second.as('reader').get('/journey/rules/bf_poison/backfill').expect(200)).body as BackfillBody;
      expect(after).toMatchObject({ status: 'failed', processed: 0 });
      expect(after.error).toMatch(/participant poisoned/);
    } finally {
      await second.close();
    }
  }, 120_000);

  it('a backfill the process died in, again and again at one place, is quarantined at the next start', async () => {
    const first = await startApp(env);
    let seen: BackfillBody;
    try {
      // Slowed so the service can be stopped while it runs.
      const evaluation = first.app.get(DecisionWriter);
      const real = evaluation.evaluateUsers.bind(evaluation);
      jest.spyOn(evaluation, 'evaluateUsers').mockImplementation(async (...args) => {
        await new Promise((r) => setTimeout(r, 200));
        return real(...args);
      });
      await first.as('admin').post('/journey/rules').send(rule('bf_crash')).expect(201);
      seen = await poll(
        async () => (await first.as('reader').get('/journey/rules/bf_crash/backfill')).body as BackfillBody,
        (b) => b?.status === 'running',
      );
    } finally {
      await first.close(); // pauses it at a batch boundary: it resumes at the next start
    }

    // Each kill -9 during a batch (the heap exhausted by it, say) leaves the row running with one
    // more attempt at its cursor, as the start that claimed it recorded; written here directly,
    // by instances with backfills off.
    let processed = -1;
    for (let crash = 0; crash < 3; crash++) {
      const app = await startApp({ ...env, JOURNEY_BACKFILL_BATCH_SIZE: '0' });
      try {
        const rows: { processed: number }[] = await app.db.query(
          `WITH u AS (UPDATE rule_backfills SET attempts = attempts + 1 WHERE rule_id = 'bf_crash' AND status = 'running' RETURNING processed)
           SELECT processed FROM u`,
        );
        expect(rows).toHaveLength(1);
        processed = rows[0].processed;
      } finally {
        await app.close();
      }
    }

    const next = await startApp(env);
    try {
      const quarantined = (await next.as('reader').get('/journey/rules/bf_crash/backfill').expect(200)).body as BackfillBody;
      expect(quarantined).toMatchObject({ status: 'failed', processed, startedAt: seen.startedAt });
      expect(quarantined.error).toMatch(/quarantined/);
      await next.http.get('/health/live').expect(200);
    } finally {
      await next.close();
    }
    // …and stays so.
    const last = await startApp(env);
    try {
      const still = (await last.as('reader').get('/journey/rules/bf_crash/backfill').expect(200)).body as BackfillBody;
      expect(still).toMatchObject({ status: 'failed', processed });
    } finally {
      await last.close();
    }
  }, 180_000);
});
