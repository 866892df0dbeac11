import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Params } from './request-logger.js';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
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
  const options: Options = {
    level: config.logLevel,
    mixin: () => correlation.getStore() ?? {},
    ...(!destination && process.stdout.isTTY && prettyInstalled()
      ? { transport: { target: 'pino-pretty', options: { singleLine: true } } }
      : {}),
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && given.length <= 100 ? given : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
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
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    // Probes and scrapes every few seconds would drown the log.
    autoLogging: { ignore: (req) => /^\/(health(\/live|\/ready)?|metrics)(\?|$)/.test(req.url ?? '') },
  };
  return { pinoHttp: destination ? [options, destination] : options };
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
