/** `npm run seed`: loads the default rules never seen before (start-up does the same) into the configured database. */
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { loadConfig } from '../config/config.js';

const config = loadConfig();
// Initialising the application runs the migrations and the seed loader; the log says what was loaded.
const app = await NestFactory.createApplicationContext(AppModule.with({ ...config, kafka: undefined, schedulerIntervalMs: 0 }));
await app.close();
