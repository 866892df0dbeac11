/**
 * Issue J on Kafka, against the real broker: the inputs that used to lose data or stall a partition.
 * Upper-case uuids are one id; a timestamp PostgreSQL or JavaScript cannot hold is dead-lettered with
 * the field named; an event that makes the pipeline fail for a reason that is not transient goes to the
 * DLQ after bounded retries, and the partition goes on. (The same inputs over HTTP:
 * test/hardening/input-boundary.test.ts.)
 */
import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import type { EventEnvelope } from '../../src/contracts/events.js';
import { IngestService } from '../../src/events/ingest.service.js';
import { backend, type TestApp } from '../support/app.js';
import { ev } from '../support/events.js';
import { Collector, describeKafka, kafkaClient, produceEvents, producerOf, startKafkaApp, uniquePrefix, until } from './support.js';

describeKafka(`Kafka input boundary (${backend})`, () => {
  const prefix = uniquePrefix('bound');
  const topic = `${prefix}kintell.session.completed`;
  let t: TestApp;
  let kafka: Kafka;
  let producer: Producer;
  let dlq: Collector;

  beforeAll(async () => {
    t = await startKafkaApp(prefix);
    kafka = kafkaClient();
    producer = await producerOf(kafka);
    dlq = await new Collector(kafka, [`${topic}.dlq`]).start();
  }, 90_000);

  afterAll(async () => {
    await dlq?.stop();
    await producer?.disconnect();
    await t?.close();
  }, 60_000);

  const applied = async (id: string) =>
    (await t.db.query<unknown[]>(`SELECT 1 FROM journey_event_log WHERE event_id = $1`, [id.toLowerCase()])).length > 0;
  const flagsOf = async (userId: string) =>
    Object.fromEntries(
      ((await t.as('reader').get(`/journey/flags/${userId}`)).body.flags as { flag: string; value: boolean }[]).map((f) => [
        f.flag,
        f.value,
      ]),
    );

  it('upper-case event and participant ids are applied, as one participant, and a resend in another case is a duplicate', async () => {
    const u = randomUUID();
    const U = u.toUpperCase();
    const sessions = [ev.session(U, `s1-${u}`, 5), ev.session(u, `s2-${u}`, 5), ev.session(U, `s3-${u}`, 4)].map((e) => ({
      ...e,
      id: e.id.toUpperCase(),
    }));
    await produceEvents(
      producer,
      prefix,
      sessions.map((event) => ({ event, key: u })),
    );
    await until('mentor_ready', async () => (await flagsOf(u)).mentor_ready === true);

    // The same events with lower-case ids, then a marker: the resend changes nothing.
    const marker = ev.session(u, `s4-${u}`, 5);
    await produceEvents(producer, prefix, [
      ...sessions.map((e) => ({ event: { ...e, id: e.id.toLowerCase() }, key: u })),
      { event: marker, key: u },
    ]);
    await until('the marker to be applied', () => applied(marker.id));
    expect((await t.as('reader').get(`/journey/flags/${U}/history`).expect(200)).body.count).toBe(1);
    const rows = await t.db.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM journey_event_log WHERE event_id = ANY($1::uuid[])`, [
      sessions.map((e) => e.id.toLowerCase()),
    ]);
    expect(Number(rows[0].n)).toBe(3);
    expect(dlq.messages.filter((m) => m.key === u)).toEqual([]);
  });

  it('a leap second, the year 0000 or an instant before year 1 goes to the DLQ naming the field; the partition goes on', async () => {
    const u = randomUUID();
    const bad = (timestamp: string, completedAt = '2025-01-15T10:30:00Z') => {
      const e = ev.session(u, `s-${randomUUID()}`, 5);
      return { ...e, timestamp, data: { ...e.data, completedAt } } as EventEnvelope;
    };
    const poison = [
      { event: bad('2016-12-31T23:59:60Z'), path: 'timestamp' },
      { event: bad('2025-01-15T10:30:00Z', '0000-01-01T00:00:00Z'), path: 'data.completedAt' },
      { event: bad('0001-01-01T00:30:00+01:00'), path: 'timestamp' },
    ];
    const good = ev.session(u, `s-good-${u}`, 5);
    await produceEvents(producer, prefix, [...poison.map(({ event }) => ({ event, key: u })), { event: good, key: u }]);
    await until('the good event after them to be applied', () => applied(good.id));
    await until('the three in the DLQ', () => dlq.messages.filter((m) => m.key === u).length >= 3);
    for (const { event, path } of poison) {
      const m = dlq.messages.find((x) => x.value === JSON.stringify(event));
      expect(m?.headers['x-dlq-reason']).toMatch(new RegExp(`^schema-invalid: ${path.replace('.', '\\.')}: `));
      expect(await applied(event.id)).toBe(false);
    }
  });

  it('an event that makes applying fail (not a transient error) is dead-lettered after bounded retries; the partition goes on', async () => {
    const ingest = t.app.get(IngestService);
    const original = ingest.ingest.bind(ingest);
    const u = randomUUID();
    const failing = ev.session(u, `s-bad-${u}`, 5);
    let attempts = 0;
    ingest.ingest = async (events, now) => {
      if (events.some((e) => e.id === failing.id)) {
        attempts++;
        throw new TypeError("Cannot read properties of undefined (reading 'userId') (injected)");
      }
      return original(events, now);
    };
    try {
      const before = ev.session(u, `s-before-${u}`, 5);
      const after = ev.session(u, `s-after-${u}`, 5);
      await produceEvents(
        producer,
        prefix,
        [before, failing, after].map((event) => ({ event, key: u })),
      );
      await until('the event after it to be applied', () => applied(after.id));
      await until('it in the DLQ', () => dlq.messages.some((m) => m.value === JSON.stringify(failing)));
      const m = dlq.messages.find((x) => x.value === JSON.stringify(failing))!;
      expect(m.headers['x-dlq-reason']).toMatch(/^failed-to-apply: Cannot read properties/);
      expect(await applied(before.id)).toBe(true);
      expect(await applied(failing.id)).toBe(false);
      expect(attempts).toBeLessThanOrEqual(4); // with the chunk it came in, then 3 times alone
    } finally {
      ingest.ingest = original;
    }
  });
});
