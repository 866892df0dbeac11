import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { EVENT_TYPES } from '../contracts/events.js';
import type { FlagChange } from '../engine/types.js';

export type IngestOutcome = 'applied' | 'duplicate' | 'pending' | 'rejected';

/** Work done on each scrape before the registry is read (gauges read from the database). */
export type ScrapeHook = () => Promise<void>;

const KNOWN_TYPES = new Set<string>(EVENT_TYPES);
/** Label values come from input: anything outside the contract is one label, not a new series. */
const typeLabel = (type: unknown) => (typeof type === 'string' && KNOWN_TYPES.has(type) ? type : 'unknown');

const SCRAPE_HOOK_TIMEOUT_MS = 2000;

/**
 * The service's Prometheus metrics, on a registry of its own (several apps in one process, as in the
 * tests, do not collide). Other modules record through the named methods or the metric objects.
 */
@Injectable()
export class MetricsService {
  private readonly logger = new Logger(MetricsService.name);
  readonly registry = new Registry();
  private readonly hooks: ScrapeHook[] = [];

  readonly eventsIngested = new Counter({
    name: 'journey_events_ingested_total',
    help: 'Input events by type and outcome: applied to the read model, duplicate (id seen before), pending (waiting for their match or session), rejected (invalid; nothing of the batch stored)',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly dlqEvents = new Counter({
    name: 'journey_dlq_events_total',
    help: 'Messages sent to the dead-letter topic, by the topic they came from',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });

  readonly evaluationDuration = new Histogram({
    name: 'journey_evaluation_duration_seconds',
    help: 'Time to evaluate and write one batch of participants (load context, decide, write), dry runs excluded',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly participantsEvaluated = new Counter({
    name: 'journey_participants_evaluated_total',
    help: 'Participants evaluated (dry runs excluded)',
    registers: [this.registry],
  });

  readonly rulesFired = new Counter({
    name: 'journey_rules_fired_total',
    help: 'Rules that started to match for a participant (their actions ran), by rule id',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });

  readonly flagChanges = new Counter({
    name: 'journey_flag_changes_total',
    help: 'Flag changes by flag and direction (set: became true, cleared: became false)',
    labelNames: ['flag', 'direction'] as const,
    registers: [this.registry],
  });

  readonly outboxBacklog = new Gauge({
    name: 'journey_outbox_backlog',
    help: 'Output events written but not yet published (read on scrape)',
    registers: [this.registry],
  });

  readonly outboxOldestAge = new Gauge({
    name: 'journey_outbox_oldest_age_seconds',
    help: 'Age of the oldest unpublished output event, 0 when none (read on scrape)',
    registers: [this.registry],
  });

  readonly outboxPublishLag = new Histogram({
    name: 'journey_outbox_publish_lag_seconds',
    help: 'From an output event written to the outbox to its publication on Kafka',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly schedulerLag = new Gauge({
    name: 'journey_scheduler_lag_seconds',
    help: 'How late the scheduler evaluated the participants most overdue in its last pass (0 when on time)',
    registers: [this.registry],
  });

  readonly consumerLag = new Gauge({
    name: 'journey_kafka_consumer_lag',
    help: 'Messages behind the high watermark, per topic and partition this instance consumes',
    labelNames: ['topic', 'partition'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'journey_http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Events of a committed ingest, by outcome. */
  ingested(outcomes: Partial<Record<Exclude<IngestOutcome, 'rejected'>, readonly { type: string }[]>>): void {
    for (const [outcome, events] of Object.entries(outcomes)) for (const e of events) this.eventsIngested.inc({ type: e.type, outcome });
  }

  /** Input refused by validation: each item of the body, by its (claimed) type. */
  rejected(items: readonly unknown[]): void {
    for (const item of items) this.eventsIngested.inc({ type: typeLabel((item as { type?: unknown } | null)?.type), outcome: 'rejected' });
  }

  /** One written evaluation batch. `fired` lists the rules that started to match, once per participant. */
  evaluated(seconds: number, participants: number, fired: readonly string[], changes: readonly FlagChange[]): void {
    this.evaluationDuration.observe(seconds);
    this.participantsEvaluated.inc(participants);
    for (const rule of fired) this.rulesFired.inc({ rule });
    for (const c of changes) this.flagChanges.inc({ flag: c.flag, direction: c.value ? 'set' : 'cleared' });
  }

  /** Runs `hook` before each scrape (bounded by a timeout; a failure leaves the gauges as they were). */
  onScrape(hook: ScrapeHook): void {
    this.hooks.push(hook);
  }

  /** The exposition text, after refreshing what is read on scrape. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    await Promise.all(this.hooks.map((hook) => this.runHook(hook)));
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private async runHook(hook: ScrapeHook): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${SCRAPE_HOOK_TIMEOUT_MS} ms`)), SCRAPE_HOOK_TIMEOUT_MS);
    });
    try {
      await Promise.race([hook(), timeout]);
    } catch (e) {
      this.logger.warn(`a metric could not be refreshed: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
