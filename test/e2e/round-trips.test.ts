/**
 * Round trips are what a small ingest pays for (issue 15): each statement costs a write to the
 * database's socket and a wait for its answer, whatever it holds. A single-event request whose event
 * names its participant is six statements: START, the dedupe with the owner locks, the participant's
 * lock, the reads (records, flags, milestones), the writes, COMMIT.
 */
import { randomUUID } from 'node:crypto';
import type { QueryRunner } from 'typeorm';
import { BACKGROUND_OFF, backend, startApp, statementsSent, type TestApp } from '../support/app.js';
import { ev } from '../support/events.js';

describe(`round trips of an ingest (${backend})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp(BACKGROUND_OFF);
  });
  afterAll(() => t.close());

  /** The statements of each transaction (query runner) while `work` runs, as TypeORM sends them. */
  async function statements(work: () => Promise<unknown>): Promise<string[][]> {
    const byRunner = new Map<QueryRunner | undefined, string[]>();
    for (const { query, runner } of (await statementsSent(t.db, work)).sent) byRunner.set(runner, [...(byRunner.get(runner) ?? []), query]);
    return [...byRunner.values()];
  }

  it('is six statements for one event that names its participant, a new one and one already known', async () => {
    const u = randomUUID();
    for (const score of [0.2, 0.9]) {
      const sent = await statements(() => t.ingest(ev.score(u, score)));
      const ingest = sent.find((s) => s.some((q) => q.includes('INSERT INTO journey_event_log')));
      expect(ingest).toBeDefined();
      const transaction = ingest!.slice(ingest!.indexOf('START TRANSACTION'), ingest!.indexOf('COMMIT') + 1);
      expect(transaction).toHaveLength(6);
    }
    // And it did its work: the flag went up, then down.
    const flags = (await t.as('reader').get(`/journey/flags/${u}`).expect(200)).body.flags as { flag: string; value: boolean }[];
    expect(flags.find((f) => f.flag === 'language_support_needed')?.value).toBe(false);
  });
});
