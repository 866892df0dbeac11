import { type DynamicModule, Global, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { HttpMetricsMiddleware } from './http-metrics.middleware.js';
import { ProtectedMetricsController, PublicMetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

/**
 * Prometheus metrics. Global and importing no feature module, so any module can record without a cycle:
 * feature modules inject MetricsService and register what is read on scrape (`onScrape`).
 */
@Global()
@Module({})
export class MetricsModule implements NestModule {
  static register({ public: open }: { public: boolean }): DynamicModule {
    return {
      module: MetricsModule,
      controllers: [open ? PublicMetricsController : ProtectedMetricsController],
      providers: [MetricsService, HttpMetricsMiddleware],
      exports: [MetricsService],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
