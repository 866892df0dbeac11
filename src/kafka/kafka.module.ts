import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module.js';
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
  exports: [KafkaConsumerServer, KafkaHealth],
})
export class KafkaModule {}
