import { CacheModule } from '@nestjs/cache-manager';
import { createKeyv } from '@keyv/redis';
import { type DynamicModule, Global, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import type { DestinationStream } from 'pino';
import { ApiKeyGuard, ApiKeys } from './auth/api-key.guard.js';
import { AuthModule } from './auth/auth.module.js';
import { RateLimitMiddleware } from './auth/rate-limit.js';
import { BackfillModule } from './backfill/backfill.module.js';
import { ClockModule } from './common/clock.js';
import { GlobalExceptionFilter } from './common/exception.filter.js';
import { RequestValidationPipe } from './common/validation.pipe.js';
import { APP_CONFIG, type AppConfig } from './config/config.js';
import { ContextModule } from './context/context.module.js';
import { DatabaseModule } from './database/database.module.js';
import { ENTITIES } from './entities.js';
import { EvaluationModule } from './evaluation/evaluation.module.js';
import { EventsModule } from './events/events.module.js';
import { FlagsModule } from './flags/flags.module.js';
import { HealthModule } from './health/health.module.js';
import { KafkaModule } from './kafka/kafka.module.js';
import { ManualFlagsModule } from './manual-flags/manual-flags.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { MilestonesModule } from './milestones/milestones.module.js';
import { RetentionModule } from './retention/retention.module.js';
import { StatsModule } from './stats/stats.module.js';
import { TimelineModule } from './timeline/timeline.module.js';
import { SimulateModule } from './simulate/simulate.module.js';
import { RulesModule } from './rules/rules.module.js';
import { SchedulerModule } from './scheduler/scheduler.module.js';
import { loggerOptions } from './common/logger.js';
import { RequestLoggerModule } from './common/request-logger.js';

@Global()
@Module({})
class ConfigModule {
  static of(config: AppConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] };
  }
}

@Module({})
export class AppModule implements NestModule {
  static with(config: AppConfig, logStream?: DestinationStream): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.of(config),
        ClockModule,
        RequestLoggerModule.forRoot(loggerOptions(config, logStream)),
        // With Redis the caches are shared: a rule change on one instance is seen by every instance at once.
        CacheModule.register({
          isGlobal: true,
          ...(config.redisUrl ? { stores: [createKeyv(config.redisUrl, { namespace: config.cacheNamespace })] } : {}),
        }),
        MetricsModule.register({ public: config.metricsPublic }),
        DatabaseModule.forRoot(ENTITIES),
        AuthModule,
        RulesModule,
        ContextModule,
        FlagsModule,
        MilestonesModule,
        EvaluationModule,
        BackfillModule,
        EventsModule,
        KafkaModule,
        HealthModule,
        SchedulerModule,
        RetentionModule,
        TimelineModule,
        StatsModule,
        ManualFlagsModule,
        SimulateModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: GlobalExceptionFilter },
        // Every DTO-typed query, path and body: unknown fields refused, values typed, every problem in one 400.
        { provide: APP_PIPE, useClass: RequestValidationPipe },
        ApiKeys,
        RateLimitMiddleware,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    // After the request logger and the HTTP metrics (registered by their modules first): a 429 is logged and timed.
    consumer.apply(RateLimitMiddleware).forRoutes('*path');
  }
}
