/**
 * Helpers of the Kafka suite: a real broker (TEST_KAFKA_BROKERS), topics under a prefix unique to
 * each run, a producer of input events and a collector of what lands on the output topics.
 */
import { execFile } from 'node:child_process';
import { createConnection } from 'node:net';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type IHeaders, type Producer } from 'kafkajs';
import { startApp, TEST_KAFKA_BROKERS, type TestApp } from '../support/app.js';
import type { EventEnvelope, OutputEnvelope } from '../../src/contracts/events.js';
import type { KafkaReport } from '../../src/kafka/kafka.health.js';
import type { DataSource } from 'typeorm';
import { ev } from '../support/events.js';
import { until } from '../support/until.js';

export { TEST_KAFKA_BROKERS, until };
export const ROOT = new URL('../../', import.meta.url).pathname;

/** The suite runs against a real broker only; without one it is skipped, saying why. */
export function describeKafka(name: string, fn: () => void): void {
  if (TEST_KAFKA_BROKERS) describe(name, fn);
  else describe.skip(`${name} — SKIPPED: TEST_KAFKA_BROKERS is not set (npm run kafka:up, then TEST_KAFKA_BROKERS=127.0.0.1:9092)`, fn);
}

export const uniquePrefix = (name: string) => `t-${name}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}.`;

export const OUTPUT_TYPES = ['orchestration.flag.updated', 'orchestration.milestone.reached'];

export function kafkaClient(brokers = TEST_KAFKA_BROKERS!): Kafka {
  return new Kafka({
    clientId: 'journey-tests',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries: 8 },
  });
}

export async function producerOf(kafka: Kafka): Promise<Producer> {
  const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await p.connect();
  return p;
}

/** Input events to their topics (topic = prefix + type), keyed by participant when given. */
export async function produceEvents(
  producer: Producer,
  prefix: string,
  events: { event: EventEnvelope | string; type?: string; key?: string }[],
): Promise<void> {
  const byTopic = new Map<string, { key: string | null; value: string }[]>();
  for (const { event, type, key } of events) {
    const topic = prefix + (type ?? (event as EventEnvelope).type);
    const list = byTopic.get(topic) ?? [];
    list.push({ key: key ?? null, value: typeof event === 'string' ? event : JSON.stringify(event) });
    byTopic.set(topic, list);
  }
  await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
}

export interface Received {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** A started Collector of the service's output topics under `prefix`. */
export function collectOutputs(kafka: Kafka, prefix: string): Promise<Collector> {
  return new Collector(
    kafka,
    OUTPUT_TYPES.map((type) => prefix + type),
  ).start();
}

/**
 * Reads topics from their beginning (read_committed, like any well-behaved reader of the outputs),
 * keeping every message and, per partition, how far it has read.
 */
export class Collector {
  readonly messages: Received[] = [];
  private readonly position = new Map<string, number>();
  private consumer?: Consumer;
  private admin?: Admin;

  constructor(
    private readonly kafka: Kafka,
    readonly topics: string[],
  ) {}

  async start(): Promise<this> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    const existing = new Set(await this.admin.listTopics());
    const missing = this.topics.filter((t) => !existing.has(t));
    if (missing.length) {
      await this.admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: 4 })), waitForLeaders: false });
      await until('the new topics to have leaders', async () => {
        const { topics } = await this.admin!.fetchTopicMetadata({ topics: missing });
        return topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      });
    }
    this.consumer = this.kafka.consumer({ groupId: `collector-${randomBytes(6).toString('hex')}`, maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await this.consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          this.messages.push({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key?.toString() ?? null,
            value: m.value?.toString() ?? null,
            headers: headersOf(m.headers),
          });
        }
        this.position.set(`${batch.topic}:${batch.partition}`, Number(batch.lastOffset()) + 1);
      },
    });
    return this;
  }

  /** Waits until everything on the topics now (up to their high watermarks) has been read. */
  async drain(timeoutMs = 30_000): Promise<void> {
    const ends = (
      await Promise.all(this.topics.map(async (topic) => ({ topic, offsets: await this.admin!.fetchTopicOffsets(topic) })))
    ).flatMap(({ topic, offsets }) =>
      offsets.filter((o) => Number(o.high) > 0).map((o) => ({ key: `${topic}:${o.partition}`, high: Number(o.high) })),
    );
    await until(
      'the collector to read to the end of its topics',
      () => ends.every((e) => (this.position.get(e.key) ?? 0) >= e.high),
      timeoutMs,
    );
  }

  envelopes(topic?: string): { message: Received; envelope: OutputEnvelope }[] {
    return this.messages
      .filter((m) => topic === undefined || m.topic === topic)
      .map((message) => ({ message, envelope: JSON.parse(message.value ?? 'null') as OutputEnvelope }));
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.admin?.disconnect();
  }
}

function headersOf(h: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.map(String).join(',') : String(v)]));
}

/** The app on the test database, consuming and relaying with the test's prefix and group; resolves once in its group. */
export async function startKafkaApp(prefix: string, env: Record<string, string> = {}, brokers = TEST_KAFKA_BROKERS!): Promise<TestApp> {
  const t = await startApp({
    KAFKA_BROKERS: brokers,
    JOURNEY_KAFKA_TOPIC_PREFIX: prefix,
    JOURNEY_KAFKA_GROUP: `${prefix}journey`,
    JOURNEY_RELAY_INTERVAL_MS: '50',
    ...env,
  });
  try {
    await t.app.startAllMicroservices();
    await until('the consumer to join its group', async () => (await healthOf(t)).checks.kafka?.consumer.state === 'running', 60_000);
  } catch (e) {
    await t.close();
    throw e;
  }
  return t;
}

export interface HealthBody {
  status: string;
  checks: { database: string; kafka: KafkaReport };
}

export async function healthOf(t: TestApp): Promise<HealthBody> {
  return (await t.http.get('/health')).body as HealthBody;
}

/** `bash scripts/kafka.sh <args>` with extra environment (a private broker: KAFKA_PORT, KAFKA_DATA_DIR). */
export async function kafkaScript(env: Record<string, string>, ...args: string[]): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)('bash', ['scripts/kafka.sh', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return stdout + stderr;
}

/** A free even port whose successor is free too (a private broker's client and controller ports). */
export async function freePortPair(): Promise<number> {
  const inUse = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
  for (;;) {
    const port = 20_000 + 2 * Math.floor(Math.random() * 5_000);
    if (!(await inUse(port)) && !(await inUse(port + 1))) return port;
  }
}

/**
 * The stream the guarantee tests send: each mentor gets 3 language sessions rated 5 (one transition:
 * mentor_ready and its milestone), each other participant 2 (none). Keyed by participant.
 */
export const mentorStream = (mentors: string[], others: string[]) =>
  [
    ...mentors.map((u) => [1, 2, 3].map((i) => ({ event: ev.session(u, `s${i}-${u}`, 5), key: u }))),
    ...others.map((u) => [1, 2].map((i) => ({ event: ev.session(u, `s${i}-${u}`, 5), key: u }))),
  ].flat();

/** Every output published once: a flag update and a milestone for each of `transitioned`, nothing for anyone else. */
export function expectOutputsOncePer(outputs: Collector, transitioned: string[]): void {
  const out = outputs.envelopes();
  const ids = out.map((o) => o.envelope.id);
  expect(ids.length - new Set(ids).size).toBe(0);
  expect(out).toHaveLength(2 * transitioned.length);
  const perUser = new Map<string, string[]>();
  for (const { message, envelope } of out) {
    expect(message.key).toBe(envelope.data.userId);
    perUser.set(message.key!, [...(perUser.get(message.key!) ?? []), envelope.type]);
  }
  for (const u of transitioned) expect(perUser.get(u)?.sort()).toEqual(OUTPUT_TYPES);
  expect(perUser.size).toBe(transitioned.length);
}

/** After a mentorStream: every event applied once (one transition per mentor, none for the others) and every output published once. */
export async function expectExactlyOnce(db: DataSource, outputs: Collector, mentors: string[], others: string[], events: number) {
  const history: { user_id: string; n: string }[] = await db.query(
    `SELECT user_id, count(*) AS n FROM journey_flag_history WHERE user_id = ANY($1::uuid[]) GROUP BY user_id`,
    [[...mentors, ...others]],
  );
  expect(history.filter((h) => h.n !== '1')).toEqual([]);
  expect(new Set(history.map((h) => h.user_id))).toEqual(new Set(mentors));
  const sessions: { n: string }[] = await db.query(
    `SELECT count(*) AS n FROM participant_records WHERE entity = 'kintell_sessions' AND user_id = ANY($1::uuid[])`,
    [[...mentors, ...others]],
  );
  expect(Number(sessions[0].n)).toBe(events);
  expectOutputsOncePer(outputs, mentors);
}
