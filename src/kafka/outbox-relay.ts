import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Partitioners, type Message, type PartitionOffset, type Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DataSource } from 'typeorm';
import { backoffMs } from '../common/backoff.js';
import { withCorrelation } from '../common/logger.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { OutboxRepository, type OutboxRow } from '../outbox/outbox.repository.js';
import { KafkaClient } from './kafka.client.js';
import { KafkaHealth } from './kafka.health.js';
import { decodeMarker, encodeMarker } from './marker.js';
import { MetricsService } from '../metrics/metrics.service.js';

/** `pg_try_advisory_xact_lock` key of the relay transaction: one relay at a time across instances. */
export const RELAY_LOCK_KEY = 7_301_042_015;
const MAX_BACKOFF_MS = 5_000;

type Outcome = { kind: 'idle' | 'more' | 'busy' | 'yield'; published: number };

/**
 * Publishes the outbox to Kafka: topic = event type, key = user id, value = the JSON envelope.
 *
 * Each round is one PostgreSQL transaction: `pg_try_advisory_xact_lock` (one relay at a time
 * across instances), claim the oldest unpublished rows in id order, send them in ONE Kafka
 * transaction (idempotent transactional producer, acks all, one request in flight, so a
 * participant's events keep their order on their partition) and mark them published.
 * Kafka down: the round fails before the database is touched or rolls back; the rows wait and the
 * relay retries with backoff while HTTP goes on. The Kafka transaction also commits the relay
 * marker (marker.ts), which makes publishing exactly-once across crashes; readers of the output
 * topics should use isolation level read_committed (kafkajs' default).
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private readonly instance = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  private producer?: Producer;
  private running = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DataSource,
    private readonly outbox: OutboxRepository,
    private readonly client: KafkaClient,
    private readonly health: KafkaHealth,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * One transactional id for every instance of the deployment: a relay that takes over fences its
   * predecessor and aborts or completes the transaction it left open, before reading the marker.
   */
  private get transactionalId(): string {
    return `${this.client.topics.prefix}${this.config.kafka!.groupId}.outbox-relay`;
  }

  /** Another instance that published within this window is the active relay: leave it be (no fencing back and forth). */
  private get stickyMs(): number {
    return Math.max(2_000, 10 * this.config.kafka!.relayIntervalMs);
  }

  onApplicationBootstrap(): void {
    if (!this.config.kafka) return;
    this.running = true;
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    await this.dropProducer();
  }

  private async run(): Promise<void> {
    const { relayIntervalMs } = this.config.kafka!;
    let failures = 0;
    while (this.running) {
      const pause = await withCorrelation('relay', async () => {
        try {
          const { kind, published } = await this.publishOnce();
          if (published) this.health.relayPublished(published);
          if (failures) this.logger.log(`relay works again after ${failures} failed rounds`);
          failures = 0;
          return kind === 'more' ? 0 : kind === 'yield' ? this.stickyMs / 2 : relayIntervalMs;
        } catch (e) {
          failures++;
          const backoff = backoffMs(failures + 1, relayIntervalMs, MAX_BACKOFF_MS);
          this.logger.warn(`outbox relay round failed (${(e as Error).message}); rows stay unpublished; retry in ${backoff} ms`);
          this.health.relayFailed(e);
          await this.dropProducer();
          return backoff;
        }
      });
      if (pause > 0 && this.running) await this.sleep(pause);
    }
  }

  /** One relay round: idle (nothing to send), more (send again at once), busy (another relay), yield (another relay is active). */
  async publishOnce(): Promise<Outcome> {
    // Connected first, outside the transaction: with Kafka down the round fails here, and the
    // embedded database's single connection is not held while kafkajs retries.
    const producer = await this.connectedProducer();
    const batchSize = this.config.kafka!.relayBatchSize;
    return this.db.transaction(async (tx): Promise<Outcome> => {
      const [{ locked }]: { locked: boolean }[] = await tx.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [RELAY_LOCK_KEY]);
      if (!locked) return { kind: 'busy', published: 0 };
      const rows = await this.outbox.claimUnpublished(tx, batchSize);
      if (rows.length === 0) return { kind: 'idle', published: 0 };

      const marker = decodeMarker(await this.client.relayMarker(this.transactionalId));
      // A relay stopped between its Kafka commit and its database commit: those rows are on Kafka.
      // Marked (and committed) before anything else is sent, so the marker may then move on.
      const alreadySent = marker ? await this.outbox.markPublishedInRanges(tx, marker.ranges) : 0;
      if (alreadySent) {
        this.logger.warn(`${alreadySent} outbox rows were already published by ${marker!.instance}; marked, not sent again`);
        return { kind: 'more', published: 0 };
      }
      if (marker && marker.instance !== this.instance && Date.now() - marker.at < this.stickyMs) return { kind: 'yield', published: 0 };

      await this.client.ensureTopics([...new Set(rows.map((r) => this.client.topics.output(r.type)))]);
      const { metadata, count } = encodeMarker(
        this.instance,
        Date.now(),
        rows.map((r) => r.id),
      );
      const sending = rows.slice(0, count);
      await this.send(producer, sending, metadata);
      for (const row of sending) this.metrics.outboxPublishLag.observe((Date.now() - row.createdAt.getTime()) / 1000);
      await this.outbox.markPublished(
        tx,
        sending.map((r) => r.id),
      );
      return { kind: count < rows.length || rows.length === batchSize ? 'more' : 'idle', published: sending.length };
    });
  }

  /** The rows and the marker in one Kafka transaction. */
  private async send(producer: Producer, rows: OutboxRow[], metadata: string): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const row of rows) {
      const topic = this.client.topics.output(row.type);
      const messages = byTopic.get(topic) ?? [];
      messages.push({ key: row.userId, value: JSON.stringify(row.envelope), headers: { 'content-type': 'application/json' } });
      byTopic.set(topic, messages);
    }
    const marker: PartitionOffset & { metadata: string } = { partition: 0, offset: rows[rows.length - 1].id, metadata };
    const transaction = await producer.transaction();
    try {
      await transaction.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      await transaction.sendOffsets({
        consumerGroupId: this.transactionalId,
        topics: [{ topic: this.client.topics.relayMarker(), partitions: [marker] }],
      });
      await transaction.commit();
    } catch (e) {
      await transaction.abort().catch(() => undefined);
      throw e;
    }
  }

  private async connectedProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    await this.client.ensureTopics([this.client.topics.relayMarker()]);
    const producer = this.client.kafka.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 30_000,
      createPartitioner: Partitioners.DefaultPartitioner,
      // quick retries: a new transaction right after a commit meets CONCURRENT_TRANSACTIONS for a few ms
      retry: { initialRetryTime: 20, maxRetryTime: 1000, retries: 5 },
    });
    try {
      await producer.connect();
    } catch (e) {
      await producer.disconnect().catch(() => undefined);
      throw e;
    }
    this.producer = producer;
    return producer;
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
