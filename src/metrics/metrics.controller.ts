import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, RequireRole } from '../auth/roles.js';
import { MetricsService } from './metrics.service.js';

/** GET /metrics, Prometheus text format. Whether it needs a key is chosen at start-up (JOURNEY_METRICS_PUBLIC). */
abstract class MetricsEndpoint {
  // An undecorated base class gets no constructor type metadata: name what to inject.
  constructor(@Inject(MetricsService) private readonly metrics: MetricsService) {}

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  @ApiProduces('text/plain')
  @ApiResponse({ status: 200, description: 'Metrics in the Prometheus text format', schema: { type: 'string' } })
  async scrape(@Res() res: Response): Promise<void> {
    const { contentType, body } = await this.metrics.scrape();
    res.type(contentType).send(body);
  }
}

@ApiTags('health')
@Public()
@Controller('metrics')
export class PublicMetricsController extends MetricsEndpoint {}

@ApiTags('health')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('metrics')
export class ProtectedMetricsController extends MetricsEndpoint {}
