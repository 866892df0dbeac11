/**
 * The batch processor's decisions (what is resolved, committed, dead-lettered, paused), with the
 * pipeline and kafkajs replaced by recorders. The real thing runs against a broker in test/kafka.
 */
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { AppConfig } from '../config/config.js';
import type { EventEnvelope } from '../contracts/events.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { KafkaBatchProcessor } from './batch-processor.js';
import type { KafkaClient, Poison } from './kafka.client.js';
import type { KafkaHealth } from './kafka.health.js';
import { Topics } from './topics.js';

const TOPIC = 'p.kintell.session.completed';

/** Counters and gauges are not what these cases are about: every call on it is accepted. */
const metrics: MetricsService = new Proxy(() => undefined, { get: () => metrics, apply: () => metrics }) as unknown as MetricsService;

function session(): EventEnvelope {
  const at = '2025-01-15T10:30:00Z';
  return {
    id: randomUUID(),
    type: 'kintell.session.completed',
    version: 'v1',
    timestamp: at,
    data: {
      sessionId: randomUUID(),
      sessionType: 'language',
      participantId: randomUUID(),
      volunteerId: 'v',
      completedAt: at,
      durationMinutes: 30,
    },
  };
}

function messages(values: (EventEnvelope | string)[]): KafkaMessage[] {
  return values.map((v, i) => ({
    key: null,
    value: Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)),
    offset: String(100 + i),
    timestamp: '0',
    attributes: 0,
    headers: {},
  }));
}

function setup({ chunkSize = 1000, ingest = async (_e: EventEnvelope[]) => {} } = {}) {
  const calls = { ingested: [] as string[][], dlq: [] as Poison[][] };
  const client = {
    topics: new Topics('p.'),
    sendToDlq: async (_t: string, _p: number, poison: Poison[]) => {
      if (poison.length) calls.dlq.push(poison);
    },
  } as unknown as KafkaClient;
  const health = { consumerHandled: () => undefined } as unknown as KafkaHealth;
  const config = { kafka: { chunkSize } } as AppConfig;
  const processor = new KafkaBatchProcessor(config, client, health, metrics);
  // What the transport does: the batch goes to the @EventPattern handler.
  processor.deliverTo(async (batch) => {
    const events = batch.map((b) => b.event);
    calls.ingested.push(events.map((e) => e.id));
    await ingest(events);
  });
  return { processor, client, calls };
}

function payload(msgs: KafkaMessage[], { runningFor = Infinity } = {}) {
  const log = { resolved: [] as string[], commits: 0, heartbeats: 0, paused: 0, resumed: 0 };
  let checks = 0;
  const p = {
    batch: { topic: TOPIC, partition: 2, messages: msgs, offsetLag: () => '0' },
    resolveOffset: (o: string) => log.resolved.push(o),
    commitOffsetsIfNecessary: async () => {
      log.commits++;
    },
    heartbeat: async () => {
      log.heartbeats++;
    },
    isRunning: () => checks++ < runningFor,
    isStale: () => false,
    pause: () => {
      log.paused++;
      return () => log.resumed++;
    },
  } as unknown as EachBatchPayload;
  return { p, log };
}

describe('KafkaBatchProcessor', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));

  it('dead-letters the poison, ingests the rest in order in one call, then resolves and commits the last offset', async () => {
    const { processor, calls } = setup();
    const [a, b] = [session(), session()];
    const { p, log } = payload(messages([a, 'not json', b, JSON.stringify({ ...session(), type: 'nope' })]));
    await processor.process(p);
    expect(calls.dlq.flat().map((x) => [x.message.offset, x.code])).toEqual([
      ['101', 'not-json'],
      ['103', 'unknown-type'],
    ]);
    expect(calls.ingested).toEqual([[a.id, b.id]]);
    expect(log).toMatchObject({ resolved: ['103'], commits: 1, paused: 0 });
  });

  it('gives each partition at work a fair share of a transaction (chunkSize ÷ partitions at work)', async () => {
    const { processor, calls } = setup({ chunkSize: 6 });
    const three = [0, 1, 2].map(() => payload(messages([session(), session(), session(), session(), session()])));
    await Promise.all(three.map(({ p }) => processor.process(p)));
    // Three partitions at work: slices of 2, the three first slices in one transaction.
    expect(calls.ingested.map((c) => c.length)).toEqual([6, 6, 3]);
    expect(three[0].log.resolved).toEqual(['101', '103', '104']);
  });

  it('splits a large batch into transactions of chunkSize, resolving and heartbeating after each, committing once', async () => {
    const { processor, calls } = setup({ chunkSize: 2 });
    const { p, log } = payload(messages([session(), session(), session(), session(), session()]));
    await processor.process(p);
    expect(calls.ingested.map((c) => c.length)).toEqual([2, 2, 1]);
    expect(log).toMatchObject({ resolved: ['101', '103', '104'], commits: 1, heartbeats: 3 });
  });

  it('stops between chunks when the consumer stops: the rest stays unresolved, to be delivered again', async () => {
    const { processor, calls } = setup({ chunkSize: 2 });
    const { p, log } = payload(messages([session(), session(), session(), session()]), { runningFor: 1 });
    await processor.process(p);
    expect(calls.ingested).toHaveLength(1);
    expect(log.resolved).toEqual(['101']);
  });

  it('a failure that outlived the retries pauses the partition and resolves nothing; nothing is skipped', async () => {
    let fail = true;
    const { processor, calls } = setup({
      ingest: async () => {
        if (fail) throw Object.assign(new Error('connection terminated'), { code: '57P01' });
      },
    });
    const events = [session(), session()];
    const first = payload(messages(events));
    await processor.process(first.p);
    expect(first.log).toMatchObject({ resolved: [], commits: 0, paused: 1 });
    expect(calls.dlq).toEqual([]);

    fail = false; // redelivered after the pause
    const again = payload(messages(events));
    await processor.process(again.p);
    expect(again.log).toMatchObject({ resolved: ['101'], paused: 0 });
    expect(calls.ingested).toEqual([events.map((e) => e.id), events.map((e) => e.id)]);
    processor.stop();
  });

  it('a dead letter Kafka would not take pauses the partition before anything is applied', async () => {
    const { processor, client, calls } = setup();
    (client as unknown as { sendToDlq: () => Promise<void> }).sendToDlq = async () => {
      throw new Error('broker down');
    };
    const { p, log } = payload(messages(['oops', session()]));
    await processor.process(p);
    expect(calls.ingested).toEqual([]);
    expect(log).toMatchObject({ resolved: [], paused: 1 });
    processor.stop();
  });

  it('when PostgreSQL refuses a value, applies the chunk one by one and dead-letters only the refused event', async () => {
    const bad = session();
    const [a, b] = [session(), session()];
    const { processor, calls } = setup({
      ingest: async (events) => {
        if (events.some((e) => e.id === bad.id)) throw Object.assign(new Error('date/time field value out of range'), { code: '22008' });
      },
    });
    const { p, log } = payload(messages([a, bad, b]));
    await processor.process(p);
    expect(calls.dlq.flat().map((x) => [x.message.offset, x.code])).toEqual([['101', 'rejected-by-database']]);
    expect(calls.ingested.filter((c) => c.length === 1 && c[0] !== bad.id)).toEqual([[a.id], [b.id]]);
    expect(log).toMatchObject({ resolved: ['102'], paused: 0 });
  });

  it('an event that makes the pipeline fail (not a transient error) is retried a bounded number of times, then dead-lettered', async () => {
    const bad = session();
    const [a, b] = [session(), session()];
    let badAttempts = 0;
    const { processor, calls } = setup({
      ingest: async (events) => {
        if (events.some((e) => e.id === bad.id)) {
          badAttempts++;
          // what an upper-case participant id used to cause
          throw new TypeError("Cannot read properties of undefined (reading 'userId')");
        }
      },
    });
    const { p, log } = payload(messages([a, bad, b]));
    await processor.process(p);
    expect(calls.dlq.flat().map((x) => [x.message.offset, x.code])).toEqual([['101', 'failed-to-apply']]);
    expect(calls.dlq.flat()[0].reason).toContain('Cannot read properties');
    expect(badAttempts).toBe(1 + 3); // the chunk, then 3 attempts alone
    expect(calls.ingested.filter((c) => c.length === 1 && c[0] !== bad.id)).toEqual([[a.id], [b.id]]);
    expect(log).toMatchObject({ resolved: ['102'], paused: 0 });
  });

  it.each([
    ['a lost connection', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['a deadlock', Object.assign(new Error('deadlock detected'), { code: '40P01' })],
    ['too many connections', Object.assign(new Error('sorry, too many clients already'), { code: '53300' })],
    ['a refused socket', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a pool timeout', new Error('timeout exceeded when trying to connect')],
  ])('%s is transient: the partition pauses, nothing is dead-lettered', async (_what, error) => {
    const { processor, calls } = setup({
      ingest: async () => {
        throw error;
      },
    });
    const { p, log } = payload(messages([session(), session()]));
    await processor.process(p);
    expect(calls.dlq).toEqual([]);
    expect(log).toMatchObject({ resolved: [], paused: 1 });
    processor.stop();
  });
});
