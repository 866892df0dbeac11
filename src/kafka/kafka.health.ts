import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { OutboxRepository } from '../outbox/outbox.repository.js';

/**
 * `idle`: not started (no startAllMicroservices); `starting`: connecting, creating topics, joining;
 * `running`: in the group with partitions assigned; `rebalancing`; `restarting`: kafkajs restarts it
 * after a retriable crash; `crashed`: kafkajs gave up, the service restarts it with backoff;
 * `stopped`: shut down.
 */
export type ConsumerState = 'idle' | 'starting' | 'running' | 'rebalancing' | 'restarting' | 'crashed' | 'stopped';

export interface KafkaReport {
  healthy: boolean;
  consumer: { state: ConsumerState; since: string; error?: string; messagesHandled: number };
  relay: { publishedTotal: number; lastPublishedAt: string | null; error?: string; backlog: number; oldestUnpublishedAt: string | null };
}

/** What /health says about Kafka: the consumer's state (crashed = unhealthy) and the outbox relay. */
@Injectable()
export class KafkaHealth {
  private consumer: Omit<KafkaReport['consumer'], 'messagesHandled'> = { state: 'idle', since: new Date().toISOString() };
  private handled = 0;
  private relay = { publishedTotal: 0, lastPublishedAt: null as string | null, error: undefined as string | undefined };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly outbox: OutboxRepository,
  ) {}

  get consumerState(): ConsumerState {
    return this.consumer.state;
  }

  consumerIs(state: ConsumerState, error?: unknown): void {
    if (state === this.consumer.state && error === undefined) return;
    this.consumer = { state, since: new Date().toISOString(), ...(error === undefined ? {} : { error: messageOf(error) }) };
  }

  /** Messages applied, deduplicated or dead-lettered, and committed. */
  consumerHandled(count: number): void {
    this.handled += count;
  }

  relayPublished(count: number): void {
    this.relay = { publishedTotal: this.relay.publishedTotal + count, lastPublishedAt: new Date().toISOString(), error: undefined };
  }

  relayFailed(error: unknown): void {
    this.relay.error = messageOf(error);
  }

  /** Null when Kafka is not configured. */
  async report(): Promise<KafkaReport | null> {
    if (!this.config.kafka) return null;
    const backlog = await this.outbox.backlog();
    return {
      healthy: this.consumer.state !== 'crashed',
      consumer: { ...this.consumer, messagesHandled: this.handled },
      relay: {
        publishedTotal: this.relay.publishedTotal,
        lastPublishedAt: this.relay.lastPublishedAt,
        ...(this.relay.error ? { error: this.relay.error } : {}),
        backlog: backlog.count,
        oldestUnpublishedAt: backlog.oldest?.toISOString() ?? null,
      },
    };
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
