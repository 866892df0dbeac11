import { Global, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { KafkaHealth } from '../kafka/kafka.health.js';
import { KafkaModule } from '../kafka/kafka.module.js';
import { EventLoopMonitor } from './event-loop.js';
import { HealthController } from './health.controller.js';
import { HealthRegistry } from './health.registry.js';

/** The probes, and the HealthRegistry any module can register a readiness check into (global). */
@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), KafkaModule],
  controllers: [HealthController],
  providers: [HealthRegistry, EventLoopMonitor],
  exports: [HealthRegistry],
})
export class HealthModule implements OnModuleInit {
  constructor(
    private readonly registry: HealthRegistry,
    private readonly kafka: KafkaHealth,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Kafka, when configured: unhealthy once the consumer has crashed; the report shows the relay backlog. */
  onModuleInit(): void {
    if (this.config.kafka) this.registry.register('kafka', async () => (await this.kafka.report())!);
  }
}
