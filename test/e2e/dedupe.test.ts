/**
 * The event log is the dedupe (issue 15): an event id is applied once, even when two transactions
 * take it at the same time (two instances, an HTTP retry racing the first try, Kafka and HTTP). The
 * second finds it new, then loses on the log's unique index, retries and counts it a duplicate.
 * On PostgreSQL the race really happens (the second waits on the first's row); PGlite runs one
 * transaction at a time, so there the second simply comes after the first.
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { isTransient } from '../../src/database/retry.js';
import { IngestService } from '../../src/events/ingest.service.js';
import { RulesService } from '../../src/rules/rules.service.js';
import { BACKGROUND_OFF, backend, startApp, TEST_PG_URL, type TestApp } from '../support/app.js';
import { ev } from '../support/events.js';
import { until } from '../support/until.js';

describe(`the event log as the dedupe (${backend})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp(BACKGROUND_OFF);
  });
  afterAll(() => t.close());

  const logged = async (id: string) =>
    Number((await t.db.query(`SELECT count(*) AS n FROM journey_event_log WHERE event_id = $1`, [id]))[0].n);

  it('counts an event sent again after its commit a duplicate, and logs it once', async () => {
    const e = ev.score(randomUUID(), 0.2);
    expect((await t.ingest(e)).body).toEqual({ accepted: 1, duplicates: 0, pending: 0 });
    expect((await t.ingest([e, e])).body).toEqual({ accepted: 0, duplicates: 2, pending: 0 });
    expect(await logged(e.id)).toBe(1);
  });

  it('applies an event taken by two transactions at once only once: the second retries and counts it a duplicate', async () => {
    const ingest = t.app.get(IngestService);
    const ruleSet = await t.app.get(RulesService).activeRuleSet();
    const u = randomUUID();
    const e = ev.score(u, 0.2);
    let second: ReturnType<IngestService['ingest']> | undefined;
    const first = await t.app.get(DataSource).transaction(async (tx) => {
      const result = await ingest.ingestIn(tx, [e], Date.now(), ruleSet);
      // The second starts while the first holds its uncommitted log row.
      second = ingest.ingest([e]);
      if (TEST_PG_URL) {
        // It has read the log (nothing committed there yet) and now waits on the first's rows.
        await until('the second transaction to wait on the first', async () => {
          const rows: unknown[] = await t.db.query(
            `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          return rows.length > 0;
        });
      }
      return result;
    });
    expect(first).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await second).toMatchObject({ accepted: 0, duplicates: 1, decisions: [] });
    expect(await logged(e.id)).toBe(1);
    const history = (await t.as('reader').get(`/journey/flags/${u}/history`).expect(200)).body;
    expect(history.count).toBe(1);
  });

  it('treats losing that race as transient, and no other unique violation', () => {
    const violation = (constraint: string) => ({ driverError: { code: '23505', constraint } });
    expect(isTransient(violation('journey_event_log_event_id_key'))).toBe(true);
    expect(isTransient(violation('journey_rules_pkey'))).toBe(false);
  });
});
