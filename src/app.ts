import 'reflect-metadata';
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
  // Kafka in, next to HTTP: a custom @nestjs/microservices transport (see KafkaConsumerServer), started by startAllMicroservices().
  if (config.kafka) app.connectMicroservice({ strategy: app.get(KafkaConsumerServer) });

  const document = buildOpenApi(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerOptions: { persistAuthorization: true } });
  return app;
}
