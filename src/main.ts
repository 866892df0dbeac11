import { existsSync } from 'node:fs';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config/config.js';

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
  await app.startAllMicroservices(); // the Kafka consumer when KAFKA_BROKERS is set; it connects in the background
  await app.listen(config.port, '0.0.0.0');
  console.log(
    `journey engine listening on http://localhost:${config.port} (docs at /docs, ${config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`})`,
  );
}

void main();
