/**
 * The broker goes away mid-stream and while decisions are made over HTTP, then comes back: nothing
 * consumed is lost, nothing decided is lost, everything is published once. Runs its own broker
 * (scripts/kafka.sh with a private port and data dir) so the shared one is never stopped.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import { backend, type TestApp } from '../support/app.js';
import { ev } from '../support/events.js';
import {
  Collector,
  describeKafka,
  expectOutputsOncePer,
  freePortPair,
  healthOf,
  kafkaClient,
  kafkaScript,
  collectOutputs,
  produceEvents,
  producerOf,
  startKafkaApp,
  uniquePrefix,
  until,
} from './support.js';

describeKafka(`Kafka broker outage (${backend})`, () => {
  const prefix = uniquePrefix('outage');
  let broker: { KAFKA_PORT: string; KAFKA_DATA_DIR: string; KAFKA_STOP_TIMEOUT: string };
  let brokers: string;
  let t: TestApp;
  let kafka: Kafka;
  let producer: Producer;
  let outputs: Collector;

  beforeAll(async () => {
    const port = await freePortPair();
    broker = { KAFKA_PORT: String(port), KAFKA_DATA_DIR: mkdtempSync(join(tmpdir(), 'journey-kafka-')), KAFKA_STOP_TIMEOUT: '20' };
    brokers = `127.0.0.1:${port}`;
    // the app starts while its broker does: the consumer and the relay wait for it
    [, t] = await Promise.all([kafkaScript(broker, 'up'), startKafkaApp(prefix, {}, brokers)]);
    kafka = kafkaClient(brokers);
    producer = await producerOf(kafka);
    outputs = await collectOutputs(kafka, prefix);
  }, 120_000);

  // Long: after a failure the broker may be down, and kafkajs clients take a while to give up on it.
  afterAll(async () => {
    await outputs?.stop().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await t?.close();
    if (broker) {
      await kafkaScript(broker, 'down').catch(() => undefined);
      rmSync(broker.KAFKA_DATA_DIR, { recursive: true, force: true });
    }
  }, 120_000);

  const processed = async () => Number((await t.db.query(`SELECT count(*) AS n FROM journey_event_log`))[0].n);
  const flagged = async (users: string[]) =>
    Number(
      (
        await t.db.query(`SELECT count(*) AS n FROM journey_flags WHERE flag = 'mentor_ready' AND value AND user_id = ANY($1::uuid[])`, [
          users,
        ])
      )[0].n,
    );

  it('stopped mid-stream and while decisions are made over HTTP, then started: all applied, every decision published once', async () => {
    const streamUsers = Array.from({ length: 600 }, () => randomUUID());
    const sessionsOf = (users: string[]) => users.flatMap((u) => [1, 2, 3].map((i) => ({ event: ev.session(u, `s${i}-${u}`, 5), key: u })));
    const [before, after] = [sessionsOf(streamUsers.slice(0, 300)), sessionsOf(streamUsers.slice(300))];

    // The stream's first part is being consumed when the broker stops; the rest comes after it is back.
    await produceEvents(producer, prefix, before);
    await producer.disconnect();
    await until('the consumer to be busy with the stream', async () => (await processed()) > 0, 60_000, 20);
    await kafkaScript(broker, 'down');

    // Kafka is down: HTTP keeps deciding; the decisions wait in the outbox.
    const httpUsers = Array.from({ length: 20 }, () => randomUUID());
    for (const u of httpUsers) {
      await t
        .as('service')
        .post('/journey/events')
        .send([1, 2, 3].map((i) => ev.session(u, `h${i}-${u}`, 5)))
        .expect(200);
    }
    expect(await flagged(httpUsers)).toBe(httpUsers.length);
    const down = await healthOf(t);
    expect(down.checks.database).toBe('up');
    expect(down.checks.kafka.relay.backlog).toBeGreaterThanOrEqual(2 * httpUsers.length);

    await kafkaScript(broker, 'up');
    producer = await producerOf(kafka);
    await produceEvents(producer, prefix, after);
    const total = before.length + after.length + 3 * httpUsers.length;
    await until('the whole stream to be applied', async () => (await processed()) === total, 120_000, 200);
    const everyone = [...streamUsers, ...httpUsers];
    expect(await flagged(everyone)).toBe(everyone.length);
    await until('the outbox to be published', async () => (await healthOf(t)).checks.kafka.relay.backlog === 0, 60_000, 200);
    await outputs.drain(60_000);

    expectOutputsOncePer(outputs, everyone);
    expect((await healthOf(t)).checks.kafka).toMatchObject({ healthy: true, consumer: { state: 'running' } });
  }, 240_000);
});
