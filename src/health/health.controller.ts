import { Controller, Get, Logger, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult, type HealthIndicatorFunction } from '@nestjs/terminus';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '../auth/roles.js';
import { EventLoopMonitor } from './event-loop.js';
import { HealthRegistry, type ComponentCheck, type ComponentHealth } from './health.registry.js';

const CHECK_TIMEOUT_MS = 3000;

const HEALTH_SCHEMA = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'error', 'shutting_down'], example: 'ok' },
    checks: {
      type: 'object',
      description: 'database and startup: up | down; each registered component (kafka, …): its own report with `healthy`',
      example: { startup: 'up', database: 'up' },
    },
    info: { type: 'object', description: '@nestjs/terminus: the checks that are up, with details' },
    error: { type: 'object', description: '@nestjs/terminus: the checks that are down, with details' },
    details: { type: 'object' },
  },
};

/**
 * Probes (@nestjs/terminus): /health/live answers while the process does; /health/ready while the service
 * can take work — start-up done, the database answering, every registered component healthy.
 * /health is the readiness answer as before (status and checks) for people and older probes.
 */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  private readonly logger = new Logger('Health');

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: DataSource,
    private readonly registry: HealthRegistry,
    private readonly eventLoop: EventLoopMonitor,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Readiness summary: start-up, database and components (Kafka consumer and relay when configured)' })
  @ApiResponse({ status: 200, schema: HEALTH_SCHEMA })
  @ApiResponse({ status: 503, description: 'Not ready: the failing checks are in `error`', schema: HEALTH_SCHEMA })
  async summary(@Res() res: Response): Promise<void> {
    await this.answer(res, this.readiness());
  }

  @Get('live')
  @ApiOperation({
    summary:
      'Liveness: the process answers and its event loop was not blocked beyond JOURNEY_LIVE_MAX_STALL_MS recently ' +
      '(no dependency is checked: restarting would not fix them)',
  })
  @ApiResponse({ status: 200, schema: HEALTH_SCHEMA })
  @ApiResponse({
    status: 503,
    description: 'The event loop stalled recently: `error.process.eventLoop` says how long',
    schema: HEALTH_SCHEMA,
  })
  async live(@Res() res: Response): Promise<void> {
    await this.answer(res, [
      () => {
        const { healthy, ...eventLoop } = this.eventLoop.report();
        const details = { uptimeSeconds: Math.round(process.uptime()), eventLoop };
        return healthy ? this.indicators.check('process').up(details) : this.indicators.check('process').down(details);
      },
    ]);
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: start-up (migrations) done, the database answers, no registered component unhealthy' })
  @ApiResponse({ status: 200, schema: HEALTH_SCHEMA })
  @ApiResponse({ status: 503, description: 'Not ready: the failing checks are in `error`', schema: HEALTH_SCHEMA })
  async ready(@Res() res: Response): Promise<void> {
    await this.answer(res, this.readiness());
  }

  private readiness(): HealthIndicatorFunction[] {
    return [
      () => {
        const startup = this.indicators.check('startup');
        return this.registry.isStarted ? startup.up() : startup.down({ message: 'starting: migrations and start-up hooks are running' });
      },
      () =>
        this.indicators
          .check('database')
          .attempt(() => this.db.query('SELECT 1').then(() => undefined))
          .withTimeout(CHECK_TIMEOUT_MS),
      ...this.registry.components.map(([name, check]) => this.component(name, check)),
    ];
  }

  private component(name: string, check: ComponentCheck): HealthIndicatorFunction {
    return async () => {
      const session = this.indicators.check(name);
      let report: ComponentHealth;
      try {
        report = await withTimeout(Promise.resolve(check()), CHECK_TIMEOUT_MS);
      } catch (e) {
        report = { healthy: false, message: (e as Error).message } as ComponentHealth;
      }
      const details = { ...report } as Record<string, unknown>;
      return report.healthy ? session.up(details) : session.down(details);
    };
  }

  /** Sent directly: the global exception filter would reduce a 503's body to a message. */
  private async answer(res: Response, checks: HealthIndicatorFunction[]): Promise<void> {
    let result: HealthCheckResult;
    try {
      result = await this.health.check(checks);
    } catch (e) {
      if (!(e instanceof ServiceUnavailableException)) throw e;
      result = e.getResponse() as HealthCheckResult;
      this.logger.warn({ error: result.error }, `not ready: ${Object.keys(result.error ?? {}).join(', ') || result.status}`);
    }
    const { status, info, error, details } = result;
    res.status(status === 'ok' ? 200 : 503).json({ status, checks: summary(result), info, error, details });
  }
}

/** `checks` as /health always had them: up | down for plain checks, a component's own report otherwise. */
function summary(result: HealthCheckResult): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(result.details).map(([name, { status, ...details }]) => [name, 'healthy' in details ? details : status]),
  );
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
