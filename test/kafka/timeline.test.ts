/**
 * The timeline of a participant fed through Kafka (issue G.2): each event names its topic, partition
 * and offset, and the outputs turn from pending to published once the relay has sent them.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { backend, type TestApp } from '../support/app.js';
import { daysAgo, ev } from '../support/events.js';
import { describeKafka, healthOf, kafkaClient, produceEvents, producerOf, startKafkaApp, uniquePrefix, until } from './support.js';

interface Entry {
  kind: string;
  id?: string;
  status?: string;
  source?: { kind: string; topic?: string; partition?: number; offset?: string };
}

describeKafka(`timeline of Kafka events (${backend})`, () => {
  const prefix = uniquePrefix('timeline');
  let t: TestApp;
  let kafka: Kafka;
  let producer: Producer;

  beforeAll(async () => {
    t = await startKafkaApp(prefix);
    kafka = kafkaClient();
    producer = await producerOf(kafka);
  }, 90_000);

  afterAll(async () => {
    await producer?.disconnect();
    await t?.close();
  }, 60_000);

  it('shows source kafka with topic, partition and offset, and outputs published', async () => {
    const u = randomUUID();
    const sessions = [3, 2, 1].map((d, i) => ev.session(u, `s${i}-${u}`, 5, daysAgo(d)));
    await produceEvents(
      producer,
      prefix,
      sessions.map((event) => ({ event, key: u })),
    );
    const entries = async () =>
      ((await t.as('reader').get(`/journey/participants/${u}/timeline`).expect(200)).body as { entries: Entry[] }).entries;
    await until('the three events in the timeline', async () => (await entries()).filter((e) => e.kind === 'event').length === 3);
    await until('the outbox to be published', async () => (await healthOf(t)).checks.kafka.relay.backlog === 0);

    const all = await entries();
    const events = all.filter((e) => e.kind === 'event');
    expect(events.map((e) => e.id)).toEqual([...sessions].reverse().map((s) => s.id));
    for (const e of events) {
      expect(e.source).toEqual({
        kind: 'kafka',
        topic: `${prefix}kintell.session.completed`,
        partition: expect.any(Number),
        offset: expect.any(String),
      });
    }
    // One key, one partition: the offsets follow the order produced.
    const offsets = events.map((e) => Number(e.source!.offset)).reverse();
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(events.map((e) => e.source!.partition)).size).toBe(1);

    const outputs = all.filter((e) => e.kind === 'output');
    expect(outputs.length).toBe(2);
    expect(outputs.every((o) => o.status === 'published')).toBe(true);
  });
});
