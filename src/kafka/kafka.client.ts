import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Kafka, logLevel, Partitioners, type Admin, type IHeaders, type KafkaMessage, type LogEntry, type Producer } from 'kafkajs';
import { APP_CONFIG, type AppConfig, type KafkaConfig } from '../config/config.js';
import { dlqReason, type PoisonCode } from './decode.js';
import { Topics } from './topics.js';

/**
 * Request-level chatter. "Limiting retries for the idempotent producer may invalidate EoS guarantees"
 * does not apply here: a failed relay transaction is aborted, and a failed DLQ send is retried whole.
 */
const NOISY_NAMESPACES = new Set(['Connection', 'BrokerPool', 'Cluster']);

export interface Poison {
  message: KafkaMessage;
  code: PoisonCode;
  reason: string;
}

/**
 * The kafkajs client of the service, and what the consumer and the relay share: topic creation,
 * the relay marker lookup and the dead-letter producer. Inert when Kafka is not configured.
 */
@Injectable()
export class KafkaClient implements OnApplicationShutdown {
  private readonly logger = new Logger('Kafka');
  readonly config: KafkaConfig | undefined;
  readonly topics: Topics;
  private kafkaInstance?: Kafka;
  private admin?: Promise<Admin>;
  private dlqProducer?: Promise<Producer>;
  private readonly existing = new Set<string>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.config = config.kafka;
    this.topics = new Topics(config.kafka?.topicPrefix ?? '');
  }

  get kafka(): Kafka {
    if (!this.config) throw new Error('Kafka is not configured (KAFKA_BROKERS)');
    this.kafkaInstance ??= new Kafka({
      clientId: this.config.clientId,
      brokers: this.config.brokers,
      logLevel: logLevel.WARN,
      logCreator: () => (entry) => this.log(entry),
      retry: { initialRetryTime: 100, maxRetryTime: 5000, retries: 5 },
    });
    return this.kafkaInstance;
  }

  /** Creates the topics that do not exist yet (partitions: KAFKA_TOPIC_PARTITIONS). */
  async ensureTopics(names: string[]): Promise<void> {
    const wanted = [...new Set(names)].filter((t) => !this.existing.has(t));
    if (wanted.length === 0) return;
    await this.withAdmin(async (admin) => {
      const present = new Set(await admin.listTopics());
      const missing = wanted.filter((t) => !present.has(t));
      if (missing.length) {
        // Another instance may create the same topics at the same time: kafkajs skips those that exist.
        await admin.createTopics({
          topics: missing.map((topic) => ({ topic, numPartitions: this.config!.topicPartitions })),
          waitForLeaders: false,
        });
        await this.waitForLeaders(admin, missing);
        this.logger.log(`created topics ${missing.join(', ')}`);
      }
      for (const t of wanted) this.existing.add(t);
    });
  }

  /** kafkajs' own wait gives up on a topic the broker does not know yet (UNKNOWN_TOPIC_OR_PARTITION): poll instead. */
  private async waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const { topics: meta } = await admin.fetchTopicMetadata({ topics });
        if (meta.length === topics.length && meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
      } catch (e) {
        if (Date.now() > deadline) throw e;
      }
      if (Date.now() > deadline) throw new Error(`topics without a leader after ${timeoutMs} ms: ${topics.join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The metadata of the relay marker offset (marker.ts), or null when the relay never published. */
  async relayMarker(group: string): Promise<string | null> {
    return this.withAdmin(async (admin) => {
      const [topic] = await admin.fetchOffsets({ groupId: group, topics: [this.topics.relayMarker()] });
      return topic?.partitions.find((p) => p.partition === 0)?.metadata ?? null;
    });
  }

  /** Sends poison messages of one partition to `<topic>.dlq`, awaited, with why and where they came from. */
  async sendToDlq(topic: string, partition: number, poison: Poison[]): Promise<void> {
    if (poison.length === 0) return;
    const dlq = this.topics.dlq(topic);
    await this.ensureTopics([dlq]);
    const producer = await this.producerForDlq();
    try {
      await producer.send({
        topic: dlq,
        acks: -1,
        messages: poison.map(({ message, code, reason }) => ({
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            'x-dlq-reason': dlqReason(code, reason),
            'x-original-topic': topic,
            'x-original-partition': String(partition),
            'x-original-offset': message.offset,
            'x-dlq-at': new Date().toISOString(),
          } satisfies IHeaders,
        })),
      });
    } catch (e) {
      this.dlqProducer = undefined;
      void producer.disconnect().catch(() => undefined);
      throw e;
    }
    for (const p of poison) this.logger.warn(`${topic}[${partition}]@${p.message.offset} → ${dlq}: ${dlqReason(p.code, p.reason)}`);
  }

  async onApplicationShutdown(): Promise<void> {
    const clients: Promise<Admin | Producer>[] = [this.admin, this.dlqProducer].filter((c) => c !== undefined);
    this.admin = this.dlqProducer = undefined;
    await Promise.all(clients.map((c) => c.then((x) => x.disconnect()).catch(() => undefined)));
  }

  /** Runs `work` on a connected admin client; a failed call drops the client so the next one reconnects. */
  private async withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const pending = (this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })());
    try {
      return await work(await pending);
    } catch (e) {
      if (this.admin === pending) this.admin = undefined;
      void pending.then((a) => a.disconnect()).catch(() => undefined);
      throw e;
    }
  }

  private producerForDlq(): Promise<Producer> {
    const pending = (this.dlqProducer ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      return producer;
    })());
    pending.catch(() => {
      if (this.dlqProducer === pending) this.dlqProducer = undefined;
    });
    return pending;
  }

  private log({ namespace, level, log }: LogEntry): void {
    const { message, error, topic, partition, groupId } = log as {
      message: string;
      error?: string;
      topic?: string;
      partition?: number;
      groupId?: string;
    };
    const where = [topic && `topic ${topic}`, partition !== undefined && `partition ${partition}`, groupId && `group ${groupId}`]
      .filter(Boolean)
      .join(', ');
    // kafkajs logs every failed request and connection attempt, and retries them: the consumer and
    // the relay log what matters (crash, failed batch or round, with topic/partition/offset).
    if (level > logLevel.WARN || NOISY_NAMESPACES.has(namespace) || message.startsWith('Limiting retries')) return;
    this.logger.warn(`[${namespace}] ${message}${error ? `: ${error}` : ''}${where ? ` (${where})` : ''}`);
  }
}
