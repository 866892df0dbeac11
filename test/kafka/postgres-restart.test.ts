/**
 * PostgreSQL killed (`pg_ctl stop -m immediate`, what a crash looks like to clients) and restarted
 * while Kafka events flow: the consumer and the relay wait for it, and in the end every event is
 * applied once and every output published once. Runs a throwaway PostgreSQL of its own (initdb in
 * a temporary directory, a free port) so the shared server is never stopped.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { TEST_PG_URL, type TestApp } from '../support/app.js';
import { postgresBinaries, ThrowawayPostgres } from '../support/postgres.js';
import {
  Collector,
  expectExactlyOnce,
  mentorStream,
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
      const firstHalf = mentorStream(mentors.slice(0, 300), others.slice(0, 150));
      const secondHalf = mentorStream(mentors.slice(300), others.slice(150));
      const total = firstHalf.length + secondHalf.length;
      const processed = async () => Number((await app.db.query(`SELECT count(*) AS n FROM journey_event_log`))[0].n);

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

      await expectExactlyOnce(app.db, outputs, mentors, others, total);

      // and the service is healthy again
      expect((await healthOf(app)).status).toBe('ok');
    },
    300_000,
  );
});
