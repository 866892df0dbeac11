import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';

/** What a component says about itself: `healthy`, plus any details worth showing on /health (no `status`). */
export interface ComponentHealth {
  healthy: boolean;
}
export type ComponentCheck = () => ComponentHealth | Promise<ComponentHealth>;

const RESERVED = new Set(['database', 'startup', 'process']);

/**
 * Readiness beyond the database: components (the Kafka consumer, …) register a check here and
 * /health/ready fails while any reports unhealthy. Also knows whether start-up (migrations, seeds) is over.
 */
@Injectable()
export class HealthRegistry implements OnApplicationBootstrap {
  private readonly checks = new Map<string, ComponentCheck>();
  private started = false;

  register(name: string, check: ComponentCheck): void {
    if (RESERVED.has(name) || this.checks.has(name)) throw new Error(`a health check named ${name} is already registered`);
    this.checks.set(name, check);
  }

  get components(): [string, ComponentCheck][] {
    return [...this.checks];
  }

  /** False until every module is initialised: migrations have run and the start-up hooks have begun. */
  get isStarted(): boolean {
    return this.started;
  }

  onApplicationBootstrap(): void {
    this.started = true;
  }
}
