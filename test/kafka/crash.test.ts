/**
 * The built service (node dist/src/main.js) as a child process, killed with SIGKILL in the middle
 * of a stream of thousands of events and restarted on the same database: every participant ends
 * right and every output event is on Kafka exactly once.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { backend, freshDatabase, KEYS, TEST_PG_URL } from '../support/app.js';
import { ev } from '../support/events.js';
import { ARTIFACTS, build, Service } from './process.js';
import {
  Collector,
  describeKafka,
  expectOutputsOncePer,
  freePortPair,
  type HealthBody,
  kafkaClient,
  collectOutputs,
  produceEvents,
  producerOf,
  TEST_KAFKA_BROKERS,
  uniquePrefix,
  until,
} from './support.js';

describeKafka(`Kafka: the service killed with SIGKILL mid-stream (${backend})`, () => {
  const prefix = uniquePrefix('crash');
  let dataDir: string | undefined;
  let database: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  let service: Service;
  let kafka: Kafka;
  let outputs: Collector;

  beforeAll(async () => {
    rmSync(join(ARTIFACTS, 'kafka-crash-service.log'), { force: true });
    dataDir = mkdtempSync(join(tmpdir(), 'journey-crash-'));
    const [main, db, port] = await Promise.all([build(), TEST_PG_URL ? freshDatabase() : undefined, freePortPair()]);
    database = db;
    service = new Service(
      main,
      {
        NODE_ENV: 'test',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        JOURNEY_API_KEYS: `admin:${KEYS.admin},service:${KEYS.service},reader:${KEYS.reader}`,
        KAFKA_BROKERS: TEST_KAFKA_BROKERS!,
        JOURNEY_KAFKA_TOPIC_PREFIX: prefix,
        JOURNEY_KAFKA_GROUP: `${prefix}journey`,
        JOURNEY_RELAY_INTERVAL_MS: '50',
        ...(database ? { DATABASE_URL: database.url } : { JOURNEY_DATA_DIR: dataDir }),
      },
      join(ARTIFACTS, 'kafka-crash-service.log'),
    );
    kafka = kafkaClient();
    [outputs] = await Promise.all([collectOutputs(kafka, prefix), service.start()]);
  }, 180_000);

  afterAll(async () => {
    await service?.kill('SIGKILL');
    await outputs?.stop();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('every participant ends right and every output event is published exactly once', async () => {
    // Mentors: 3 sessions rated 5, 4, 5 → mentor_ready (lose one and they are not).
    // Others: 1, 1, 5, 5, 5 → average 3.4, never (lose a 1 and they would be).
    const mentors = Array.from({ length: 500 }, () => randomUUID());
    const others = Array.from({ length: 500 }, () => randomUUID());
    const stream = [
      ...mentors.map((u) => [5, 4, 5].map((r, i) => ({ event: ev.session(u, `s${i}-${u}`, r), key: u }))),
      ...others.map((u) => [1, 1, 5, 5, 5].map((r, i) => ({ event: ev.session(u, `s${i}-${u}`, r), key: u }))),
    ]
      .sort(() => Math.random() - 0.5) // participants interleaved, each one's events in order
      .flat();
    expect(stream.length).toBe(4000);
    const producer = await producerOf(kafka);
    await produceEvents(producer, prefix, stream);
    await producer.disconnect();

    // Mid-stream: some decisions published, most of the stream still ahead.
    await until('the first published decisions', () => outputs.messages.length >= 40, 120_000, 10);
    await service.kill('SIGKILL');
    const beforeKill = outputs.messages.length;
    expect(beforeKill).toBeLessThan(2 * mentors.length);

    await service.start();
    await until(
      `every decision published (${2 * mentors.length})`,
      () => new Set(outputs.envelopes().map((o) => o.envelope.id)).size >= 2 * mentors.length,
      150_000,
      200,
    );
    await until(
      'the outbox to be empty',
      async () => (await service.get<HealthBody>('/health')).checks.kafka.relay.backlog === 0,
      30_000,
      200,
    );
    await outputs.drain();

    // every output event exactly once
    expectOutputsOncePer(outputs, mentors);

    // every participant's state, as the service reports it
    const wrong: string[] = [];
    const mentorSet = new Set<string>(mentors);
    const everyone = [...mentors, ...others];
    for (let i = 0; i < everyone.length; i += 25) {
      await Promise.all(
        everyone.slice(i, i + 25).map(async (u) => {
          const [flags, history] = await Promise.all([
            service.get<{ flags: { flag: string; value: boolean }[] }>(`/journey/flags/${u}`),
            service.get<{ count: number }>(`/journey/flags/${u}/history`),
          ]);
          const mentor = flags.flags.some((f) => f.flag === 'mentor_ready' && f.value);
          if (mentor !== mentorSet.has(u) || history.count !== (mentorSet.has(u) ? 1 : 0)) wrong.push(u);
        }),
      );
    }
    expect(wrong).toEqual([]);
  }, 300_000);

  it('SIGTERM: the service stops promptly, leaving its group with every offset committed', async () => {
    const started = Date.now();
    const exit = await service.kill('SIGTERM');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect([0, 'SIGTERM']).toContain(exit.code ?? exit.signal); // Nest re-raises the signal after a clean close; 1 = failed
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topic = `${prefix}kintell.session.completed`;
      const [committed] = await admin.fetchOffsets({ groupId: `${prefix}journey`, topics: [topic] });
      const ends = await admin.fetchTopicOffsets(topic);
      for (const { partition, high } of ends) {
        expect({ partition, committed: committed.partitions.find((p) => p.partition === partition)?.offset }).toEqual({
          partition,
          committed: high,
        });
      }
      const { groups } = await admin.describeGroups([`${prefix}journey`]);
      expect(groups[0].members).toHaveLength(0);
    } finally {
      await admin.disconnect();
    }
  }, 60_000);
});
