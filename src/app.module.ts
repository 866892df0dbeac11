import { CacheModule } from '@nestjs/cache-manager';
import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { ApiKeyGuard } from './auth/api-key.guard.js';
import { GlobalExceptionFilter } from './common/exception.filter.js';
import { APP_CONFIG, type AppConfig } from './config/config.js';
import { ContextModule } from './context/context.module.js';
import { DatabaseModule } from './database/database.module.js';
import { EvaluationModule } from './evaluation/evaluation.module.js';
import { EventsModule } from './events/events.module.js';
import { FlagsModule } from './flags/flags.module.js';
import { HealthModule } from './health/health.module.js';
import { MilestonesModule } from './milestones/milestones.module.js';
import { RulesModule } from './rules/rules.module.js';
import { loggerOptions } from './common/logger.js';

@Global()
@Module({})
class ConfigModule {
  static of(config: AppConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] };
  }
}

@Module({})
export class AppModule {
  static with(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.of(config),
        LoggerModule.forRoot(loggerOptions(config)),
        CacheModule.register({ isGlobal: true }),
        DatabaseModule,
        RulesModule,
        ContextModule,
        FlagsModule,
        MilestonesModule,
        EvaluationModule,
        EventsModule,
        HealthModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: GlobalExceptionFilter },
      ],
    };
  }
}
