import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Params } from './request-logger.js';
import type { DestinationStream, LoggerOptions } from 'pino';
import type { AppConfig } from '../config/config.js';

const correlation = new AsyncLocalStorage<{ correlationId: string }>();

/**
 * Runs `work` under a correlation id that every log line written meanwhile carries (Kafka
 * batches, relay rounds, scheduler and sweep runs, backfills; HTTP lines carry their request id).
 * `kind` names the work: the id is `kind-<uuid>`, new for each call (a batch within the consumer's
 * lifetime gets its own).
 */
export function withCorrelation<T>(kind: string, work: () => T): T {
  return correlation.run({ correlationId: `${kind}-${randomUUID()}` }, work);
}

/** The correlation id of the work in progress, if any. */
export function correlationId(): string | undefined {
  return correlation.getStore()?.correlationId;
}

/** pino: JSON lines (pretty only on a terminal), a request or correlation id on every line, secrets redacted. `destination`: instead of stdout. */
export function loggerOptions(config: AppConfig, destination?: DestinationStream): Params {
  const options: LoggerOptions = {
    level: config.logLevel,
    mixin: () => correlation.getStore() ?? {},
    ...(!destination && process.stdout.isTTY && prettyInstalled()
      ? { transport: { target: 'pino-pretty', options: { singleLine: true } } }
      : {}),
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.authorization',
        '*.apiKey',
        '*.key',
      ],
      censor: '[redacted]',
    },
  };
  return { options, destination };
}

/** pino-pretty is a development dependency: a production install on a terminal still logs JSON. */
function prettyInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
