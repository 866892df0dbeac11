import { Injectable, Logger } from '@nestjs/common';
import { type CustomTransportStrategy, Server } from '@nestjs/microservices';
import type { Consumer } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import { backoffMs } from '../common/backoff.js';
import { withCorrelation } from '../common/logger.js';
import { INGEST_BATCH, type SourcedEvent } from '../events/events.consumer.js';
import { KafkaBatchProcessor } from './batch-processor.js';
import { KafkaClient } from './kafka.client.js';
import { KafkaHealth } from './kafka.health.js';

const MAX_RESTART_DELAY_MS = 30_000;
const MAX_BYTES_PER_PARTITION = 1024 * 1024;

/**
 * The Kafka consumer, as a custom @nestjs/microservices transport strategy
 * (`app.connectMicroservice({ strategy })`, started by `startAllMicroservices()`).
 *
 * Each decoded batch of valid events goes to the `@EventPattern(INGEST_BATCH)` handler of
 * EventsConsumer (src/events), which Nest registers on this transport like on any other.
 *
 * Why a custom transport rather than Nest's built-in `Transport.KAFKA`:
 * the built-in server hands handlers one message at a time (kafkajs `eachMessage`) and commits
 * offsets itself, so it cannot give one database transaction per batch, nor "commit only after the
 * transaction committed", nor "dead-letter, then move on" (a throwing handler is redelivered forever
 * and blocks its partition); and its handlers would run behind the app's global guard and exception
 * filter, which are written for HTTP. Why a transport rather than a plain provider started on
 * bootstrap: it keeps the Nest microservice lifecycle. The consumer starts with the other
 * microservices, and `app.close()` (SIGTERM, via enableShutdownHooks) closes it after HTTP stopped
 * and before the database closes, so the batch in hand can finish and commit.
 */
@Injectable()
export class KafkaConsumerServer extends Server implements CustomTransportStrategy {
  private readonly log = new Logger('KafkaConsumer');
  private consumer?: Consumer;
  private stopping = false;
  private starting?: Promise<void>;
  private restartTimer?: NodeJS.Timeout;
  private wakeUp?: () => void;

  constructor(
    private readonly client: KafkaClient,
    private readonly processor: KafkaBatchProcessor,
    private readonly health: KafkaHealth,
  ) {
    super();
  }

  /** Starts consuming in the background: Kafka being down must not keep the service (HTTP) from starting. */
  listen(callback: () => void): void {
    this.stopping = false;
    this.processor.deliverTo((batch) => this.deliver(batch));
    this.starting = withCorrelation('kafka-consumer', () => this.startWithRetry());
    callback();
  }

  /** Graceful stop: the batch in hand finishes and commits, then the consumer leaves its group. */
  async close(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.wakeUp?.();
    await this.starting;
    this.processor.stop();
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch((e: Error) => this.log.warn(`disconnect: ${e.message}`));
    if (consumer) this.health.consumerIs('stopped');
  }

  /**
   * Hands a batch of valid events to the @EventPattern(INGEST_BATCH) handler (EventsConsumer), as Nest
   * registered it on this transport, and waits for its transaction; its error comes back as thrown.
   */
  private async deliver(batch: SourcedEvent[]): Promise<void> {
    const handler = this.getHandlerByPattern(INGEST_BATCH);
    if (!handler) throw new Error(`no @EventPattern('${INGEST_BATCH}') handler is registered`);
    await lastValueFrom(this.transformToObservable(await handler(batch)), { defaultValue: undefined });
  }

  on(): never {
    throw new Error('KafkaConsumerServer: subscribe to the consumer through unwrap()');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  private async startWithRetry(): Promise<void> {
    if (this.health.consumerState !== 'crashed') this.health.consumerIs('starting');
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await this.start();
        return;
      } catch (e) {
        const delay = backoffMs(attempt, 500, MAX_RESTART_DELAY_MS);
        this.log.warn(`cannot start the consumer (${(e as Error).message}); retry in ${delay} ms`);
        this.health.consumerIs(this.health.consumerState === 'crashed' ? 'crashed' : 'starting', e);
        await this.consumer?.disconnect().catch(() => undefined);
        this.consumer = undefined;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  private async start(): Promise<void> {
    const { config, topics } = this.client;
    const { groupId, concurrency } = config!;
    const inputs = topics.inputs();
    await this.client.ensureTopics([...inputs, ...inputs.map((t) => topics.dlq(t))]);
    if (this.stopping) return;

    // Every assigned partition in each fetch, so that a transaction mixes every topic (a participant's
    // events applied and evaluated together): 1 MB per partition, the broker's largest record batch
    // (message.max.bytes), since a partition whose next batch is larger than its share sends nothing
    // unless it comes first in the fetch, and room for 64 such partitions in one fetch.
    const consumer = this.client.kafka.consumer({
      groupId,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
      maxBytes: 64 * MAX_BYTES_PER_PARTITION,
    });
    this.consumer = consumer;
    const { GROUP_JOIN, REBALANCING, CRASH } = consumer.events;
    consumer.on(GROUP_JOIN, ({ payload }) => {
      this.health.consumerIs('running');
      const assigned = Object.entries(payload.memberAssignment)
        .map(([t, ps]) => `${t}[${ps.join(',')}]`)
        .join(' ');
      this.log.log(`joined group ${groupId} as ${payload.memberId}: ${assigned || 'no partitions'}`);
    });
    consumer.on(REBALANCING, () => this.health.consumerIs('rebalancing'));
    consumer.on(CRASH, ({ payload }) => {
      const { error, restart } = payload;
      if (restart) {
        this.log.warn(`consumer crashed, kafkajs restarts it: ${error.message}`);
        this.health.consumerIs('restarting', error);
        return;
      }
      // kafkajs gave up (a non-retriable error): unhealthy until a fresh consumer runs again.
      this.log.error(`consumer crashed: ${error.message}; starting a new one`);
      this.health.consumerIs('crashed', error);
      if (this.consumer === consumer && !this.stopping) {
        this.consumer = undefined;
        this.restartTimer = setTimeout(() => {
          this.starting = withCorrelation('kafka-consumer', () => this.startWithRetry());
        }, 1000);
      }
    });

    await consumer.connect();
    // A new group starts at the beginning: events produced before the first deployment are not lost.
    await consumer.subscribe({ topics: inputs, fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      autoCommitThreshold: 1, // commitOffsetsIfNecessary() commits whatever has been resolved
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: concurrency,
      eachBatch: (payload) => this.processor.process(payload),
    });
  }
}
