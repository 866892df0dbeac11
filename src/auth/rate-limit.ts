import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ApiKeys } from './api-key.guard.js';

/** Probes, scrapes, the docs and the console's static files are not the API. */
const UNLIMITED = /^\/(health|metrics|docs|console)(\/|-json|$)/;

/**
 * Rate limiting (express-rate-limit): one budget per API key for the whole HTTP API, JOURNEY_RATE_LIMIT
 * requests per JOURNEY_RATE_TTL_MS, or per client IP for requests without a known key — so unknown keys
 * share their sender's budget instead of opening a fresh one each. Over it: 429 with Retry-After.
 * Counters live in memory, per instance. A Nest middleware, so the 429 is logged and timed like any request.
 */
@Injectable()
export class RateLimitMiddleware implements NestMiddleware {
  private readonly limiter: RequestHandler | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig, keys: ApiKeys) {
    const { limit, ttlMs } = config.rateLimit;
    if (limit === 0) return;
    const message = `too many requests: at most ${limit} per ${ttlMs / 1000} s for one API key; retry after the Retry-After seconds`;
    this.limiter = rateLimit({
      windowMs: ttlMs,
      limit,
      standardHeaders: 'draft-6',
      legacyHeaders: false,
      skip: (req) => UNLIMITED.test(req.originalUrl),
      keyGenerator: (req) => {
        const known = keys.of(req);
        return known ? `key:${known.id}` : `ip:${ipKeyGenerator(req.ip ?? '')}`;
      },
      handler: (_req, res) => {
        res.status(429).json({ statusCode: 429, error: 'Too Many Requests', message });
      },
    });
  }

  use(req: Request, res: Response, next: NextFunction): void {
    if (this.limiter) void this.limiter(req, res, next);
    else next();
  }
}
