/**
 * Two instances of the service in one consumer group, on one database: they share the partitions
 * (the second joins mid-stream, so partitions move while batches are in flight) and no transition
 * happens twice. Needs a database both can reach: PostgreSQL (TEST_PG_URL); PGlite serves one process.
 */
import { randomUUID } from 'node:crypto';
import { AssignerProtocol, type Kafka, type Producer } from 'kafkajs';
import { TEST_PG_URL, type TestApp } from '../support/app.js';
import {
  Collector,
  expectExactlyOnce,
  mentorStream,
  describeKafka,
  healthOf,
  kafkaClient,
  collectOutputs,
  produceEvents,
  producerOf,
  startKafkaApp,
  uniquePrefix,
  until,
} from './support.js';

const needsPostgres = TEST_PG_URL ? it : it.skip;
const suffix = TEST_PG_URL ? '' : ' — SKIPPED: two instances need a shared PostgreSQL (set TEST_PG_URL)';

describeKafka('Kafka: two instances in one consumer group (PostgreSQL)', () => {
  const prefix = uniquePrefix('pair');
  const group = `${prefix}journey`;
  let first: TestApp | undefined;
  let second: TestApp | undefined;
  let kafka: Kafka;
  let producer: Producer;
  let outputs: Collector;

  afterAll(async () => {
    await outputs?.stop();
    await producer?.disconnect();
    await second?.close();
    await first?.close();
  }, 60_000);

  needsPostgres(
    `share the partitions, never duplicate a transition, and one takes over when the other leaves${suffix}`,
    async () => {
      first = await startKafkaApp(prefix);
      kafka = kafkaClient();
      producer = await producerOf(kafka);
      outputs = await collectOutputs(kafka, prefix);

      const mentors = Array.from({ length: 400 }, () => randomUUID());
      const others = Array.from({ length: 200 }, () => randomUUID());
      const firstHalf = mentorStream(mentors.slice(0, 200), others.slice(0, 100));
      const secondHalf = mentorStream(mentors.slice(200), others.slice(100));
      await produceEvents(producer, prefix, firstHalf);
      // The second instance joins while the first is consuming: partitions move mid-stream.
      second = await startKafkaApp(prefix, { DATABASE_URL: first.config.databaseUrl! });
      await produceEvents(producer, prefix, secondHalf);

      const total = firstHalf.length + secondHalf.length;
      const processed = async () => Number((await first!.db.query(`SELECT count(*) AS n FROM journey_event_log`))[0].n);
      await until('every event applied', async () => (await processed()) === total, 120_000, 200);
      await until('the outbox to be published', async () => (await healthOf(first!)).checks.kafka.relay.backlog === 0, 60_000, 200);
      await outputs.drain();

      // both are members of the group, each with partitions, and both consumed
      const admin = kafka.admin();
      await admin.connect();
      const { groups } = await admin.describeGroups([group]);
      await admin.disconnect();
      expect(groups[0].members).toHaveLength(2);
      for (const m of groups[0].members) {
        const assignment = AssignerProtocol.MemberAssignment.decode(m.memberAssignment)!.assignment;
        expect(Object.values(assignment).flat().length).toBeGreaterThan(0);
      }
      const [h1, h2] = await Promise.all([healthOf(first), healthOf(second)]);
      expect(h1.checks.kafka.consumer.messagesHandled).toBeGreaterThan(0);
      expect(h2.checks.kafka.consumer.messagesHandled).toBeGreaterThan(0);

      // one transition per mentor, none for the others, each published once
      await expectExactlyOnce(first.db, outputs, mentors, others, total);

      // One instance goes away: the other takes over its partitions and the stream goes on.
      await second.close();
      second = undefined;
      const late = Array.from({ length: 100 }, () => randomUUID());
      const thirdPart = mentorStream(late, []);
      await produceEvents(producer, prefix, thirdPart);
      await until('the survivor to apply the rest', async () => (await processed()) === total + thirdPart.length, 120_000, 200);
      const lateHistory: { n: string }[] = await first.db.query(
        `SELECT count(*) AS n FROM journey_flag_history WHERE user_id = ANY($1::uuid[]) GROUP BY user_id`,
        [late],
      );
      expect(lateHistory.map((h) => h.n)).toEqual(late.map(() => '1'));
    },
    300_000,
  );
});
