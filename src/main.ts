import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { createApp } from './app.js';
import { ConfigError, loadConfig, type AppConfig } from './config/config.js';

/** The one line a start-up ends with: where it answers, on what database, with or without Kafka. */
export function readyLine(config: AppConfig): string {
  const url = `http://localhost:${config.port}`;
  const database = config.databaseUrl
    ? 'PostgreSQL (DATABASE_URL)'
    : `embedded PostgreSQL (PGlite, ${config.dataDir ? `data in ${config.dataDir}` : 'in memory'})`;
  const kafka = config.kafka ? `on (${config.kafka.brokers.join(',')})` : 'off';
  return `ready: ${url} · database: ${database} · Kafka: ${kafka} · API docs: ${url}/docs`;
}

async function main(): Promise<void> {
  // A .env file beside the service, if any, fills in what the environment does not set.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`configuration error: ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
  const app = await createApp(config);
  const log = new Logger('Journey');
  // SIGTERM (an orchestrator) or SIGINT (Ctrl-C): stop taking requests, finish what is in flight, say so.
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.log(`shutting down (${signal}): finishing in-flight work`);
    try {
      await app.close();
      log.log('stopped');
    } catch (e) {
      log.error(`shutdown failed: ${(e as Error).message}`);
      process.exitCode = 1;
    }
    // Whatever still holds the event loop (a socket a client keeps open) must not keep a stopped service alive.
    setTimeout(() => process.exit(), 2000).unref();
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void stop(signal));
  await app.startAllMicroservices(); // the Kafka consumer when KAFKA_BROKERS is set; it connects in the background
  await app.listen(config.port, '0.0.0.0');
  log.log(readyLine(config));
}

void main();
