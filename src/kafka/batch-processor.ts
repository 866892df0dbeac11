import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { SourcedEvent } from '../events/events.consumer.js';
import { backoffMs } from '../common/backoff.js';
import { withCorrelation } from '../common/logger.js';
import { isTransient } from '../database/retry.js';
import { decodeMessage } from './decode.js';
import { Coalescer } from '../common/coalescer.js';
import { KafkaClient, type Poison } from './kafka.client.js';
import { KafkaHealth } from './kafka.health.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { OwnerHints } from '../context/owners.service.js';
import { splitIntoLanes } from './lanes.js';

interface Valid extends SourcedEvent {
  message: KafkaMessage;
}

interface Decoded {
  valid: Valid[];
  poison: Poison[];
}

/** PostgreSQL refused the data itself (SQLSTATE class 22 data exception, 23 integrity violation). */
function isDataError(e: unknown): boolean {
  return /^2[23]/.test(sqlState(e) ?? '');
}

function sqlState(e: unknown): string | undefined {
  const err = e as { code?: unknown; driverError?: { code?: unknown } } | undefined;
  const code = err?.driverError?.code ?? err?.code;
  return typeof code === 'string' ? code : undefined;
}

/** SQLSTATE classes that say the database, not the data, is in trouble: connection (08), transaction rollback
 * (40: serialization, deadlock), insufficient resources (53), operator intervention (57), system error (58),
 * lock not available (55P03). */
const TRANSIENT_SQLSTATE = /^(08|40|53|57|58)|^55P03$/;
const TRANSIENT_SYSCALL = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const TRANSIENT_MESSAGE = /connection|terminat|timeout|timed out|socket|not connected|ECONN|closed|shutting down|too many clients/i;

/**
 * Trouble a later attempt can get through: the database or the network, not the message. Everything else
 * (a data error, a bug the message triggers) is retried a few times and then dead-lettered, so that no
 * message can stall its partition forever.
 */
export function isTransientFailure(e: unknown): boolean {
  if (isTransient(e)) return true;
  const code = sqlState(e);
  if (code !== undefined && (TRANSIENT_SQLSTATE.test(code) || TRANSIENT_SYSCALL.has(code))) return true;
  if (isDataError(e)) return false;
  const err = e as { name?: unknown; retriable?: unknown; message?: unknown } | undefined;
  if (typeof err?.name === 'string' && err.name.startsWith('Kafka')) return true;
  return TRANSIENT_MESSAGE.test(typeof err?.message === 'string' ? err.message : '');
}

/** Attempts of one event on its own before a failure that is not transient sends it to the dead-letter topic. */
export const ATTEMPTS_BEFORE_DLQ = 3;

const MAX_PAUSE_MS = 30_000;

/**
 * One kafkajs batch (one partition, in offset order) through the ingest pipeline:
 * poison → `<topic>.dlq` (awaited); valid events → the EventsConsumer's @EventPattern handler (IngestService.ingest), in slices; a slice's
 * offsets are resolved only after the transaction that carried it committed, and committed to
 * Kafka at the end of the batch. A redelivered event is deduplicated by id, so at-least-once
 * delivery gives an exactly-once effect.
 *
 * The partitions of one fetch are processed concurrently (JOURNEY_KAFKA_CONCURRENCY), and their
 * slices share transactions through a Coalescer: each partition at work brings a fair share of
 * JOURNEY_KAFKA_CHUNK_SIZE, and one transaction carries the slices of all of them.
 */
@Injectable()
export class KafkaBatchProcessor {
  private readonly logger = new Logger('KafkaConsumer');
  private readonly failures = new Map<string, number>();
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  private readonly coalescer: Coalescer<Valid>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly client: KafkaClient,
    private readonly health: KafkaHealth,
    private readonly metrics: MetricsService,
  ) {
    // Built even when Kafka is off (then never used): a run always takes at least one submission.
    this.coalescer = new Coalescer((items) => this.deliverInLanes(items), config.kafka?.chunkSize ?? 0);
  }

  /** Where valid events go, one transaction per call: the transport's @EventPattern handler (set by KafkaConsumerServer). */
  private deliver: (batch: Valid[]) => Promise<void> = () => Promise.reject(new Error('the Kafka transport is not listening'));

  /** Who each event is about, for the lanes. */
  private readonly hints = new OwnerHints();

  /**
   * A run's events in JOURNEY_KAFKA_LANES transactions in flight together, each about its own
   * participants (as far as OwnerHints can tell), so that the database works on one while the
   * service evaluates another. The run is done when every lane has committed; it fails with the
   * first lane's error (a lane that committed is deduplicated when the run comes again).
   */
  private async deliverInLanes(items: Valid[]): Promise<void> {
    const n = this.config.kafka?.lanes ?? 1;
    if (n === 1) return this.deliver(items);
    const lanes = splitIntoLanes(items, this.hints.keysOf(items.map((v) => v.event)), n);
    const settled = await Promise.allSettled(lanes.map((lane) => this.deliver(lane)));
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
  }

  deliverTo(deliver: (batch: Valid[]) => Promise<void>): void {
    this.deliver = deliver;
  }

  process(payload: EachBatchPayload): Promise<void> {
    return withCorrelation('kafka', () => this.processJoined(payload));
  }

  private async processJoined(payload: EachBatchPayload): Promise<void> {
    this.coalescer.join();
    try {
      // The other partitions of the same fetch join meanwhile, so the first slices are fair too.
      await new Promise((resolve) => setImmediate(resolve));
      await this.processBatch(payload);
    } finally {
      this.coalescer.leave();
    }
  }

  private async processBatch(payload: EachBatchPayload): Promise<void> {
    const { topic, partition, messages } = payload.batch;
    const type = this.client.topics.typeOf(topic);
    const { chunkSize } = this.config.kafka!;
    /** The `share` messages at `from`, checked now or once the event loop is free (`later`). */
    const slice = (from: number, share: number, later: boolean) => {
      const chunk = messages.slice(from, from + share);
      const decode = () => this.decode(topic, type, partition, chunk);
      const started = later ? new Promise<void>((resolve) => setImmediate(resolve)) : Promise.resolve();
      // A throw is this slice's failure when it is awaited; one never awaited (the batch stopped) is dropped quietly.
      const decoded = started.then(decode);
      decoded.catch(() => undefined);
      return { chunk, decoded };
    };
    let ahead: ReturnType<typeof slice> | undefined;
    for (let i = 0; i < messages.length;) {
      // Stopping or rebalanced away: what is not resolved is delivered again (here or elsewhere).
      if (!payload.isRunning() || payload.isStale()) return;
      // A fair share of a transaction among the partitions at work: each brings a slice, so one
      // transaction holds events of every topic (a participant's events applied and evaluated
      // together), and a partition left alone takes whole transactions.
      const share = Math.ceil(chunkSize / Math.max(1, this.coalescer.size));
      const { chunk, decoded } = ahead ?? slice(i, share, false);
      i += chunk.length;
      // The next slice is checked while this one's transaction runs, when the service would otherwise wait for the database.
      ahead = i < messages.length ? slice(i, share, true) : undefined;
      const first = chunk[0].offset;
      const last = chunk[chunk.length - 1].offset;
      try {
        await this.handle(topic, partition, type, await decoded);
      } catch (e) {
        this.pauseAfterFailure(topic, partition, first, last, e, () => payload.pause());
        return;
      }
      // Resolved now, committed to Kafka once per batch (and by kafkajs on a rebalance or stop): a
      // commit between slices would make the other partitions' slices wait for this one's round trip.
      payload.resolveOffset(last);
      this.health.consumerHandled(chunk.length);
      await payload.heartbeat();
      this.failures.delete(`${topic}:${partition}`);
    }
    await payload.commitOffsetsIfNecessary();
    this.metrics.consumerLag.set({ topic, partition: String(partition) }, Number(payload.batch.offsetLag()));
  }

  /** Forgets the pending resumes (shutdown). */
  stop(): void {
    for (const t of this.resumeTimers) clearTimeout(t);
    this.resumeTimers.clear();
    this.failures.clear();
  }

  /** A slice's messages checked against the contract (pure). */
  private decode(topic: string, type: string | undefined, partition: number, chunk: KafkaMessage[]): Decoded {
    const valid: Valid[] = [];
    const poison: Poison[] = [];
    for (const message of chunk) {
      const d = decodeMessage(message.value, type);
      if (d.ok) valid.push({ message, event: d.event, source: { kind: 'kafka', topic, partition, offset: message.offset } });
      else poison.push({ message, code: d.code, reason: d.reason });
    }
    return { valid, poison };
  }

  private async handle(topic: string, partition: number, type: string | undefined, { valid, poison }: Decoded): Promise<void> {
    await this.client.sendToDlq(topic, partition, poison);
    if (poison.length) {
      this.metrics.dlqEvents.inc({ topic }, poison.length);
      this.metrics.rejected(poison.map(() => ({ type })));
    }
    if (valid.length === 0) return;
    try {
      await this.coalescer.submit(valid);
    } catch (e) {
      if (isTransientFailure(e)) throw e;
      await this.isolateRejected(topic, partition, valid, e);
    }
  }

  /**
   * The chunk failed for a reason that is not transient (the database refused some event's content, or
   * an event triggered a failure): apply the events one by one, each at most ATTEMPTS_BEFORE_DLQ times,
   * so the good ones go through and the failing ones go to the dead-letter topic instead of blocking the
   * partition forever. A transient failure meanwhile pauses the partition as usual (what was applied is
   * deduplicated when the chunk comes again).
   */
  private async isolateRejected(topic: string, partition: number, valid: Valid[], cause: unknown): Promise<void> {
    this.logger.warn(
      `${topic}[${partition}]@${valid[0].message.offset}: ${(cause as Error)?.message ?? String(cause)}; applying the chunk one event at a time`,
    );
    for (const v of valid) {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.deliver([v]);
          break;
        } catch (e) {
          if (isTransientFailure(e)) throw e;
          // a unique violation can be a race with another instance, a failure a passing state: a few more tries
          if (attempt < ATTEMPTS_BEFORE_DLQ) continue;
          const code = isDataError(e) ? 'rejected-by-database' : 'failed-to-apply';
          const reason = (e as Error)?.message ?? String(e);
          this.logger.error(`${topic}[${partition}]@${v.message.offset}: ${code} after ${attempt} attempts (${reason}); sent to the DLQ`);
          await this.client.sendToDlq(topic, partition, [{ message: v.message, code, reason }]);
          this.metrics.dlqEvents.inc({ topic });
          break;
        }
      }
    }
  }

  /**
   * Transient trouble (PostgreSQL down or failing over, Kafka unable to take the DLQ message) that
   * outlived IngestService's own retries: nothing of the chunk is resolved, the partition is paused
   * with growing backoff and then resumed, and kafkajs delivers the chunk again. Never skipped,
   * never a crash loop, and the other partitions go on meanwhile.
   */
  private pauseAfterFailure(topic: string, partition: number, first: string, last: string, e: unknown, pause: () => () => void): void {
    const key = `${topic}:${partition}`;
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delay = backoffMs(n, 500, MAX_PAUSE_MS);
    this.logger.error(
      `${topic}[${partition}] offsets ${first}..${last} failed (attempt ${n}): ${(e as Error)?.message ?? String(e)}; partition paused, retry in ${delay} ms`,
    );
    const resume = pause();
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      resume();
    }, delay);
    this.resumeTimers.add(timer);
  }
}
