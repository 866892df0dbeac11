import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service.js';

/**
 * Times every HTTP request, labelled by the route template (`/journey/flags/:userId`), never the raw URL,
 * so the number of series stays bounded. Requests no route matched are `unmatched`.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const end = this.metrics.httpDuration.startTimer();
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      // Nest answers unknown paths from a catch-all route (`{/*splat}`): that is no route of the API.
      const matched = route !== undefined && !route.includes('*');
      end({ method: req.method, route: matched ? `${req.baseUrl}${route}` : 'unmatched', status: String(res.statusCode) });
    });
    next();
  }
}
