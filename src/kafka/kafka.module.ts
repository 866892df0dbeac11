import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EventsModule } from '../events/events.module.js';
import { HealthRegistry } from '../health/health.registry.js';
import { OutboxModule } from '../outbox/outbox.module.js';
import { KafkaBatchProcessor } from './batch-processor.js';
import { KafkaConsumerServer } from './consumer.server.js';
import { KafkaClient } from './kafka.client.js';
import { KafkaHealth } from './kafka.health.js';
import { OutboxRelay } from './outbox-relay.js';

/**
 * Kafka in and out (issue B): the consumer transport (KafkaConsumerServer, connected by createApp
 * when KAFKA_BROKERS is set) and the outbox relay. Without KAFKA_BROKERS everything here stays idle.
 */
@Module({
  imports: [EventsModule, OutboxModule],
  providers: [KafkaClient, KafkaHealth, KafkaBatchProcessor, KafkaConsumerServer, OutboxRelay],
  exports: [KafkaConsumerServer],
})
export class KafkaModule implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: HealthRegistry,
    private readonly health: KafkaHealth,
  ) {}

  /** Kafka, when configured, is part of readiness: unhealthy once the consumer has crashed; the report shows the relay backlog. */
  onModuleInit(): void {
    if (this.config.kafka) this.registry.register('kafka', async () => (await this.health.report())!);
  }
}
