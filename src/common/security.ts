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

// The console (/console) is a single-page app of its own scripts; CodeMirror and uPlot set inline styles.
const consoleHelmet = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:', 'blob:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
});

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/** Security headers (helmet) and CORS, which stays off unless JOURNEY_CORS_ORIGINS names origins. */
export function applySecurity(app: INestApplication, config: AppConfig): void {
  app.use((req: Request, res: Response, next: NextFunction) =>
    (under(req.path, '/docs') ? docsHelmet : under(req.path, '/console') ? consoleHelmet : apiHelmet)(req, res, next),
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
