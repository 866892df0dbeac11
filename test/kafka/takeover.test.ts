/**
 * Two instances in one consumer group on one PostgreSQL; one (the built service, a child process)
 * is killed with SIGKILL mid-stream, without leaving its group: the other takes over its
 * partitions (and the relay, if the killed one held it) once the group notices, and in the end
 * every event is applied once and every output published once.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import { freshDatabase, KEYS, TEST_PG_URL, type TestApp } from '../support/app.js';
import { ARTIFACTS, build, Service } from './process.js';
import {
  Collector,
  expectExactlyOnce,
  mentorStream,
  collectOutputs,
  describeKafka,
  freePortPair,
  healthOf,
  type HealthBody,
  kafkaClient,
  produceEvents,
  producerOf,
  startKafkaApp,
  TEST_KAFKA_BROKERS,
  uniquePrefix,
  until,
} from './support.js';

const needsPostgres = TEST_PG_URL ? it : it.skip;
const suffix = TEST_PG_URL ? '' : ' — SKIPPED: two instances need a shared PostgreSQL (set TEST_PG_URL)';

describeKafka('Kafka: an instance killed with SIGKILL while another in its group takes over (PostgreSQL)', () => {
  const prefix = uniquePrefix('takeover');
  const group = `${prefix}journey`;
  const logFile = join(ARTIFACTS, 'kafka-takeover-service.log');
  let database: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  let survivor: TestApp | undefined;
  let victim: Service | undefined;
  let kafka: Kafka;
  let producer: Producer | undefined;
  let outputs: Collector | undefined;

  afterAll(async () => {
    await victim?.kill('SIGKILL');
    await outputs?.stop();
    await producer?.disconnect();
    await survivor?.close();
    await database?.drop();
  }, 60_000);

  needsPostgres(
    `every event applied once and every output published once${suffix}`,
    async () => {
      rmSync(logFile, { force: true });
      const [main, db, port] = await Promise.all([build(), freshDatabase(), freePortPair()]);
      database = db;
      survivor = await startKafkaApp(prefix, { DATABASE_URL: db.url });
      const app = survivor;
      victim = new Service(
        main,
        {
          NODE_ENV: 'test',
          PORT: String(port),
          LOG_LEVEL: 'warn',
          JOURNEY_API_KEYS: `admin:${KEYS.admin},service:${KEYS.service},reader:${KEYS.reader}`,
          KAFKA_BROKERS: TEST_KAFKA_BROKERS!,
          JOURNEY_KAFKA_TOPIC_PREFIX: prefix,
          JOURNEY_KAFKA_GROUP: group,
          JOURNEY_RELAY_INTERVAL_MS: '50',
          DATABASE_URL: db.url,
        },
        logFile,
      );
      await victim.start();
      kafka = kafkaClient();
      producer = await producerOf(kafka);
      outputs = await collectOutputs(kafka, prefix);

      const members = async () => {
        const admin = kafka.admin();
        await admin.connect();
        try {
          const { groups } = await admin.describeGroups([group]);
          return groups[0].state === 'Stable' ? groups[0].members.length : 0;
        } finally {
          await admin.disconnect();
        }
      };
      await until('both instances in the group', async () => (await members()) === 2, 60_000, 250);

      const mentors = Array.from({ length: 500 }, () => randomUUID());
      const others = Array.from({ length: 250 }, () => randomUUID());
      const firstHalf = mentorStream(mentors.slice(0, 250), others.slice(0, 125));
      const secondHalf = mentorStream(mentors.slice(250), others.slice(125));
      const total = firstHalf.length + secondHalf.length;
      const processed = async () => Number((await app.db.query(`SELECT count(*) AS n FROM journey_event_log`))[0].n);

      // The victim is killed while it applies its share of the stream; the rest arrives after.
      await produceEvents(producer, prefix, firstHalf);
      const handledByVictim = async () => (await victim!.get<HealthBody>('/health')).checks.kafka.consumer.messagesHandled;
      await until('the victim to be applying its partitions', async () => (await handledByVictim()) > 0, 60_000, 10);
      await victim.kill('SIGKILL');
      await produceEvents(producer, prefix, secondHalf);

      // The group notices the dead member after its session timeout; the survivor then has every partition.
      await until(`every event applied (${total})`, async () => (await processed()) === total, 180_000, 250);
      await until('the outbox to be published', async () => (await healthOf(app)).checks.kafka.relay.backlog === 0, 60_000, 250);
      await outputs.drain();
      expect(await members()).toBe(1);

      await expectExactlyOnce(app.db, outputs, mentors, others, total);
    },
    300_000,
  );
});
