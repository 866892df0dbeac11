import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { AppConfig } from '../config/config.js';

// The API answers JSON only: nothing may load from it. No upgrade-insecure-requests: the service is
// often reached over plain HTTP inside a cluster, where upgrading would break the Swagger UI's calls.
const apiHelmet = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
});
// The Swagger UI (/docs) loads its own scripts and uses inline styles and data: images.
const docsHelmet = helmet({
  contentSecurityPolicy: {
    directives: {
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      upgradeInsecureRequests: null,
    },
  },
});

/** Security headers (helmet) and CORS, which stays off unless JOURNEY_CORS_ORIGINS names origins. */
export function applySecurity(app: INestApplication, config: AppConfig): void {
  app.use((req: Request, res: Response, next: NextFunction) =>
    (req.path === '/docs' || req.path.startsWith('/docs/') ? docsHelmet : apiHelmet)(req, res, next),
  );
  if (config.corsOrigins) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
      allowedHeaders: ['Authorization', 'X-API-Key', 'Content-Type', 'X-Request-Id'],
      exposedHeaders: ['Retry-After', 'X-Request-Id'],
      maxAge: 600,
    });
  }
}
