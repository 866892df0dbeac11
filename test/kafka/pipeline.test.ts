/**
 * Kafka in and out against the real broker: the seed's scenario produced to Kafka, duplicate
 * deliveries, poison messages. One app, one run-unique topic prefix.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { APP_CONFIG, type AppConfig } from '../../src/config/config.js';
import { OutboxRepository } from '../../src/outbox/outbox.repository.js';
import { backend, type TestApp } from '../support/app.js';
import { daysAgo, ev } from '../support/events.js';
import {
  Collector,
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

describeKafka(`Kafka pipeline (${backend})`, () => {
  const prefix = uniquePrefix('pipe');
  let t: TestApp;
  let kafka: Kafka;
  let producer: Producer;
  let outputs: Collector;

  beforeAll(async () => {
    t = await startKafkaApp(prefix);
    kafka = kafkaClient();
    producer = await producerOf(kafka);
    outputs = await collectOutputs(kafka, prefix);
  }, 90_000);

  afterAll(async () => {
    await outputs?.stop();
    await producer?.disconnect();
    await t?.close();
  }, 60_000);

  const flagsOf = async (userId: string) =>
    Object.fromEntries(
      ((await t.as('reader').get(`/journey/flags/${userId}`)).body.flags as { flag: string; value: boolean }[]).map((f) => [
        f.flag,
        f.value,
      ]),
    );
  const historyCount = async (userId: string) => (await t.as('reader').get(`/journey/flags/${userId}/history`)).body.count as number;
  const outboxCount = async (userId: string) =>
    Number((await t.db.query(`SELECT count(*) AS n FROM journey_outbox WHERE user_id = $1`, [userId]))[0].n);
  const published = async () => (await healthOf(t)).checks.kafka.relay.backlog === 0;
  const outputsOf = (userId: string) => outputs.envelopes().filter((o) => o.message.key === userId);

  it('three language sessions rated ≥ 4 on Kafka → mentor_ready over HTTP; one milestone and one flag event on their topics', async () => {
    const u = randomUUID();
    const correlationId = randomUUID();
    const sessions = [
      ev.session(u, `s1-${u}`, 5, daysAgo(3)),
      ev.session(u, `s2-${u}`, 4, daysAgo(2)),
      { ...ev.session(u, `s3-${u}`, 4, daysAgo(1)), correlationId },
    ];
    await produceEvents(
      producer,
      prefix,
      sessions.map((event) => ({ event, key: u })),
    );

    await until('mentor_ready over HTTP', async () => (await flagsOf(u)).mentor_ready === true);
    await until('the outbox to be published', published);
    await outputs.drain();

    const out = outputsOf(u);
    expect(out.map((o) => o.message.topic).sort()).toEqual([
      `${prefix}orchestration.flag.updated`,
      `${prefix}orchestration.milestone.reached`,
    ]);
    for (const { message, envelope } of out) {
      expect(message.key).toBe(u);
      expect(envelope.type).toBe(message.topic.slice(prefix.length));
      expect(envelope).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        version: 'v1',
        timestamp: expect.any(String),
        causationId: sessions[2].id,
        correlationId,
        data: { userId: u, ruleId: 'mentor_ready_001' },
      });
    }
    const flag = out.find((o) => o.envelope.type === 'orchestration.flag.updated')!.envelope;
    expect(flag.data).toMatchObject({ flag: 'mentor_ready', value: true, previousValue: null });
    const milestone = out.find((o) => o.envelope.type === 'orchestration.milestone.reached')!.envelope;
    expect(milestone.data).toMatchObject({ milestone: 'mentor_ready' });
  });

  it('duplicate deliveries (the same events again, on Kafka and over HTTP) have no second effect', async () => {
    const u = randomUUID();
    const sessions = [ev.session(u, `s1-${u}`, 5), ev.session(u, `s2-${u}`, 5), ev.session(u, `s3-${u}`, 5)];
    const deliveries = [...sessions, ...sessions, sessions[2]].map((event) => ({ event, key: u }));
    await produceEvents(producer, prefix, deliveries);
    await until('mentor_ready', async () => (await flagsOf(u)).mentor_ready === true);

    // once more, after the decision: Kafka redelivery and the same ids over HTTP
    await produceEvents(
      producer,
      prefix,
      sessions.map((event) => ({ event, key: u })),
    );
    const http = await t.as('service').post('/journey/events').send(sessions).expect(200);
    expect(http.body).toMatchObject({ accepted: 0, duplicates: 3 });
    const marker = ev.session(u, `s4-${u}`, 1); // a later event on the same partition: the duplicates before it were consumed
    await produceEvents(producer, prefix, [{ event: marker, key: u }]);
    await until('the later event to be applied', async () => {
      const [row] = await t.db.query(`SELECT 1 FROM journey_event_log WHERE event_id = $1`, [marker.id]);
      return !!row;
    });
    await until('the outbox to be published', published);
    await outputs.drain();

    expect(await historyCount(u)).toBe(1);
    expect(await outboxCount(u)).toBe(2);
    expect(
      outputsOf(u)
        .map((o) => o.envelope.type)
        .sort(),
    ).toEqual(['orchestration.flag.updated', 'orchestration.milestone.reached']);
  });

  it('a burst for many participants, their ratings reaching them through the sessions: each decided once, nothing left waiting', async () => {
    // On PostgreSQL the runs of this burst go as two transactions in flight (JOURNEY_KAFKA_LANES).
    expect(t.app.get<AppConfig>(APP_CONFIG).kafka!.lanes).toBe(backend === 'PostgreSQL' ? 2 : 1);
    const users = Array.from({ length: 40 }, () => randomUUID());
    const sessions = users.flatMap((u) => [1, 2, 3].map((i) => ({ u, event: ev.session(u, `s${i}-${u}`, undefined, daysAgo(4 - i)) })));
    const ratings = sessions.map(({ u, event }) => ({ event: ev.rating((event.data as { sessionId: string }).sessionId, 5), key: u }));
    // ratings first: those that come before their session wait for it
    await produceEvents(producer, prefix, [...ratings, ...sessions.map(({ u, event }) => ({ event, key: u }))]);

    const all = [...ratings.map((r) => r.event.id), ...sessions.map((s) => s.event.id)];
    await until('every event applied to its participant', async () => {
      const [row] = await t.db.query(
        `SELECT count(*)::int AS n FROM journey_event_log WHERE event_id = ANY($1::uuid[]) AND user_id IS NOT NULL`,
        [all],
      );
      return row.n === all.length;
    });
    const decided: { user_id: string; n: number }[] = await t.db.query(
      `SELECT user_id, count(*)::int AS n FROM journey_flag_history WHERE flag = 'mentor_ready' AND value AND user_id = ANY($1::uuid[]) GROUP BY 1`,
      [users],
    );
    expect(decided.filter((d) => d.n !== 1)).toEqual([]);
    expect(new Set(decided.map((d) => d.user_id))).toEqual(new Set(users));
    const [waiting] = await t.db.query(`SELECT count(*)::int AS n FROM pending_events WHERE event_id = ANY($1::uuid[])`, [all]);
    expect(waiting.n).toBe(0);
  });

  it('poison messages go to <topic>.dlq with the reason in a header; later good messages are still processed', async () => {
    const topic = `${prefix}kintell.session.completed`;
    const dlq = await new Collector(kafka, [`${topic}.dlq`]).start();
    try {
      const u = randomUUID();
      const good = ev.session(u, `s1-${u}`, 5);
      const poison: { event: string; code: string }[] = [
        { event: '{"id": "not json', code: 'not-json' },
        { event: JSON.stringify([good]), code: 'not-an-envelope' },
        { event: JSON.stringify({ hello: 'world' }), code: 'not-an-envelope' },
        { event: JSON.stringify({ ...good, id: randomUUID(), type: 'kintell.session.started' }), code: 'unknown-type' },
        { event: JSON.stringify({ ...good, id: randomUUID(), data: { ...good.data, rating: 9 } }), code: 'schema-invalid' },
        { event: JSON.stringify(ev.score(u, 0.2)), code: 'topic-mismatch' },
        // there is no year 0 in PostgreSQL: refused by the contract (issue J.4; it used to reach the database)
        { event: JSON.stringify({ ...ev.session(u, `s0-${u}`, 5), timestamp: '0000-01-01T00:00:00Z' }), code: 'schema-invalid' },
      ];
      await produceEvents(producer, prefix, [
        ...poison.map(({ event }) => ({ event, type: 'kintell.session.completed', key: u })),
        { event: good, key: u },
      ]);

      await until('the good event after the poison to be applied', async () => {
        const [row] = await t.db.query(`SELECT 1 FROM journey_event_log WHERE event_id = $1`, [good.id]);
        return !!row;
      });
      await until('every poison message in the DLQ', () => dlq.messages.length >= poison.length);
      await dlq.drain();

      expect(dlq.messages).toHaveLength(poison.length);
      const partitions = new Set(dlq.messages.map((m) => m.headers['x-original-partition']));
      expect(partitions.size).toBe(1); // one key, one partition
      const offsets = dlq.messages.map((m) => Number(m.headers['x-original-offset']));
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      poison.forEach(({ event, code }) => {
        const m = dlq.messages.find((x) => x.value === event);
        expect(m).toBeDefined();
        expect(m!.key).toBe(u);
        expect(m!.headers['x-original-topic']).toBe(topic);
        expect(m!.headers['x-dlq-reason']).toMatch(new RegExp(`^${code}: .+`));
      });
      expect(dlq.messages.find((m) => m.headers['x-dlq-reason'].startsWith('schema-invalid'))!.headers['x-dlq-reason']).toContain(
        'data.rating',
      );
    } finally {
      await dlq.stop();
    }
  });

  it('a relay that dies between its Kafka commit and its database commit does not publish twice', async () => {
    // The database write after the Kafka transaction fails once, as if the process died there.
    const outbox = t.app.get(OutboxRepository);
    const markPublished = outbox.markPublished.bind(outbox);
    let injected = 0;
    outbox.markPublished = async (tx, ids) => {
      if (injected++ === 0) throw new Error('connection lost (injected)');
      return markPublished(tx, ids);
    };
    try {
      const u = randomUUID();
      await produceEvents(
        producer,
        prefix,
        [1, 2, 3].map((i) => ({ event: ev.session(u, `s${i}-${u}`, 5), key: u })),
      );
      await until('mentor_ready', async () => (await flagsOf(u)).mentor_ready === true);
      await until('the outbox to be published', published);
      await outputs.drain();
      // the one failed round was the only one that sent them: the next found them on Kafka (the marker) and only marked them
      expect(injected).toBe(1);
      expect(
        outputsOf(u)
          .map((o) => o.envelope.type)
          .sort(),
      ).toEqual(['orchestration.flag.updated', 'orchestration.milestone.reached']);
      const ids = outputs.envelopes().map((o) => o.envelope.id);
      expect(ids.length - new Set(ids).size).toBe(0);
    } finally {
      outbox.markPublished = markPublished;
    }
  });

  it('/health reports the consumer and the relay backlog', async () => {
    const h = await healthOf(t);
    expect(h.status).toBe('ok');
    expect(h.checks.kafka).toMatchObject({
      healthy: true,
      consumer: { state: 'running' },
      relay: { backlog: expect.any(Number), publishedTotal: expect.any(Number) },
    });
    expect(h.checks.kafka.relay.publishedTotal).toBeGreaterThanOrEqual(4);
  });
});
