import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Params } from './request-logger.js';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import type { AppConfig } from '../config/config.js';

/** pino: JSON lines (pretty only on a terminal), a request id on every line, secrets redacted. `destination`: instead of stdout. */
export function loggerOptions(config: AppConfig, destination?: DestinationStream): Params {
  const options: Options = {
    level: config.logLevel,
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
