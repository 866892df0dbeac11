import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { EventLoopMonitor } from './event-loop.js';
import { HealthController } from './health.controller.js';
import { HealthRegistry } from './health.registry.js';

/** The probes, and the HealthRegistry any module registers its own readiness check into (global). */
@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [HealthRegistry, EventLoopMonitor],
  exports: [HealthRegistry],
})
export class HealthModule {}
