import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module.js';
import { QuietFrameworkLogger } from './common/framework-logger.js';
import { Logger } from './common/request-logger.js';
import { buildOpenApi } from './common/openapi.js';
import { applySecurity } from './common/security.js';
import type { AppConfig } from './config/config.js';
import { KafkaConsumerServer } from './kafka/consumer.server.js';
import { YAML_TYPES } from './rules/rule-body.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/**
 * The built console (`npm run build` → dist/console): beside the compiled service, or under dist/ when the
 * service runs from its sources (tests). Its Vite manifest tells a build from the console's sources.
 */
export const consoleDir = (): string | undefined =>
  [join(HERE, '..', 'console'), join(HERE, '..', 'dist', 'console')].find((d) => existsSync(join(d, '.vite', 'manifest.json')));

/**
 * Builds the application (HTTP, docs, parsers) without listening: used by main and by the tests.
 * `logStream` receives the log lines instead of stdout (tests read what would be logged).
 */
export async function createApp(config: AppConfig, { logStream }: { logStream?: DestinationStream } = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.with(config, logStream), { bufferLogs: true, bodyParser: false });
  app.useLogger(new QuietFrameworkLogger(app.get(Logger)));
  applySecurity(app, config);
  app.useBodyParser('json', { limit: config.bodyLimit, strict: false });
  app.useBodyParser('text', { type: YAML_TYPES, limit: config.bodyLimit });
  app.set('query parser', 'simple');
  // The admin console: static files only, a client of the public API like any other (issue 14).
  const built = consoleDir();
  if (built) app.useStaticAssets(built, { prefix: '/console', index: 'index.html', dotfiles: 'ignore' });
  // Kafka in, next to HTTP: a custom @nestjs/microservices transport (see KafkaConsumerServer), started by startAllMicroservices().
  if (config.kafka) app.connectMicroservice({ strategy: app.get(KafkaConsumerServer) });

  const document = buildOpenApi(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerOptions: { persistAuthorization: true } });
  return app;
}
