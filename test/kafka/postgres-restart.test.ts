/**
 * PostgreSQL killed (`pg_ctl stop -m immediate`, what a crash looks like to clients) and restarted
 * while Kafka events flow: the consumer and the relay wait for it, and in the end every event is
 * applied once and every output published once. Runs a throwaway PostgreSQL of its own (initdb in
 * a temporary directory, a free port) so the shared server is never stopped.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { TEST_PG_URL, type TestApp } from '../support/app.js';
import { ev } from '../support/events.js';
import { postgresBinaries, ThrowawayPostgres } from '../support/postgres.js';
import {
  Collector,
  collectOutputs,
  describeKafka,
  healthOf,
  kafkaClient,
  produceEvents,
  producerOf,
  startKafkaApp,
  uniquePrefix,
  until,
} from './support.js';

const why = !TEST_PG_URL
  ? 'PostgreSQL tests are not enabled (set TEST_PG_URL)'
  : !postgresBinaries()
    ? 'no initdb / pg_ctl under /usr/lib/postgresql'
    : undefined;
const needsPostgres = why ? it.skip : it;
const suffix = why ? ` — SKIPPED: ${why}` : '';

describeKafka('Kafka: PostgreSQL killed and restarted mid-stream', () => {
  const prefix = uniquePrefix('pgkill');
  let pg: ThrowawayPostgres | undefined;
  let t: TestApp | undefined;
  let kafka: Kafka;
  let producer: Producer | undefined;
  let outputs: Collector | undefined;

  afterAll(async () => {
    await outputs?.stop();
    await producer?.disconnect();
    await pg?.up().catch(() => undefined); // a clean close needs its database
    await t?.close();
    await pg?.destroy();
  }, 120_000);

  /** Mentors: 3 sessions rated 5 → one transition each (flag + milestone); the others 2 sessions → none. */
  const streamFor = (mentors: string[], others: string[]) =>
    [
      ...mentors.map((u) => [1, 2, 3].map((i) => ({ event: ev.session(u, `s${i}-${u}`, 5), key: u }))),
      ...others.map((u) => [1, 2].map((i) => ({ event: ev.session(u, `s${i}-${u}`, 5), key: u }))),
    ].flat();

  needsPostgres(
    `every event applied once and every output published once${suffix}`,
    async () => {
      pg = await ThrowawayPostgres.start();
      t = await startKafkaApp(prefix, { DATABASE_URL: pg.url });
      const app = t;
      kafka = kafkaClient();
      producer = await producerOf(kafka);
      outputs = await collectOutputs(kafka, prefix);

      const mentors = Array.from({ length: 600 }, () => randomUUID());
      const others = Array.from({ length: 300 }, () => randomUUID());
      const firstHalf = streamFor(mentors.slice(0, 300), others.slice(0, 150));
      const secondHalf = streamFor(mentors.slice(300), others.slice(150));
      const total = firstHalf.length + secondHalf.length;
      const processed = async () => Number((await app.db.query(`SELECT count(*) AS n FROM processed_events`))[0].n);

      await produceEvents(producer, prefix, firstHalf);
      await until('the consumer to be applying the stream', async () => (await processed()) > 0, 60_000, 10);
      await pg.stop('immediate');
      // Events keep arriving while the database is down.
      await produceEvents(producer, prefix, secondHalf);
      await new Promise((r) => setTimeout(r, 3_000));
      await pg.up();

      await until(`every event applied (${total})`, async () => (await processed()) === total, 180_000, 250);
      await until('the outbox to be published', async () => (await healthOf(app)).checks.kafka.relay.backlog === 0, 60_000, 250);
      await outputs.drain();

      // every event applied once: one transition per mentor, none for the others
      const history: { user_id: string; n: string }[] = await app.db.query(
        `SELECT user_id, count(*) AS n FROM journey_flag_history WHERE user_id = ANY($1::uuid[]) GROUP BY user_id`,
        [[...mentors, ...others]],
      );
      expect(history.filter((h) => h.n !== '1')).toEqual([]);
      expect(new Set(history.map((h) => h.user_id))).toEqual(new Set(mentors));
      const sessions: { n: string }[] = await app.db.query(
        `SELECT count(*) AS n FROM participant_records WHERE entity = 'kintell_sessions' AND user_id = ANY($1::uuid[])`,
        [[...mentors, ...others]],
      );
      expect(Number(sessions[0].n)).toBe(total);

      // every output published once: a flag update and a milestone per mentor
      const out = outputs.envelopes();
      const ids = out.map((o) => o.envelope.id);
      expect(ids.length - new Set(ids).size).toBe(0);
      expect(out).toHaveLength(2 * mentors.length);
      const perUser = new Map<string, string[]>();
      for (const { message, envelope } of out) perUser.set(message.key!, [...(perUser.get(message.key!) ?? []), envelope.type]);
      for (const u of mentors) expect(perUser.get(u)?.sort()).toEqual(['orchestration.flag.updated', 'orchestration.milestone.reached']);
      expect(perUser.size).toBe(mentors.length);

      // and the service is healthy again
      expect((await healthOf(app)).status).toBe('ok');
    },
    300_000,
  );
});
