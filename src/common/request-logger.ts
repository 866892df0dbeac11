import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  type LoggerService,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  RequestMethod,
} from '@nestjs/common';
import { pino, stdSerializers, type DestinationStream, type Level, type Logger as Pino, type LoggerOptions } from 'pino';

/**
 * pino for Nest: every Nest log line goes to pino, a line logged while a request is handled carries
 * that request's id (`reqId`, kept in AsyncLocalStorage), and each request ends with one line:
 * `request completed` with the request, the status and the time taken.
 *
 * This did pino-http's job (and nestjs-pino's before it: its releases for Nest 12 require Node ≥ 22.12
 * while we run on Node 20.19+). pino-http serialized every request into a child logger before its
 * handler ran, whether or not a line was ever written: about a tenth of the CPU of a single-event
 * ingest (issue 15). Here the request is serialized only when its line is written.
 */
export interface Params {
  options: LoggerOptions;
  /** Where lines go instead of stdout (tests read what would be logged). */
  destination?: DestinationStream;
}

type Request = IncomingMessage & { id?: string };

const PARAMS = Symbol('request logger params');
/** The id of the request being handled. */
const current = new AsyncLocalStorage<string>();
/** Probes and scrapes every few seconds would drown the log. */
const UNLOGGED = /^\/(health(\/live|\/ready)?|metrics)(\?|$)/;

/** The caller's X-Request-Id when it is a sensible one, else a new uuid; echoed on the answer. */
function requestId(req: Request, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && given.length > 0 && given.length <= 100 ? given : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}

const levelOf = (status: number): Level => (status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info');

/** The root pino logger every line goes through. */
@Injectable()
export class RootLog {
  readonly pino: Pino;
  constructor(@Inject(PARAMS) { options, destination }: Params) {
    const withSerializers = { ...options, serializers: { req: stdSerializers.req, res: stdSerializers.res, err: stdSerializers.err } };
    this.pino = destination ? pino(withSerializers, destination) : pino(withSerializers);
  }

  /** Gives the request its id, runs the rest of its handling under it, and logs its end (probes and scrapes aside). */
  handle(req: Request, res: ServerResponse, next: () => void): void {
    const started = performance.now();
    req.id = requestId(req, res);
    if (!UNLOGGED.test(req.url ?? '')) {
      const done = () => {
        res.off('finish', done).off('close', done);
        const level = levelOf(res.statusCode);
        if (!this.pino.isLevelEnabled(level)) return;
        const responseTime = Math.round(performance.now() - started);
        this.pino[level]({ req, res, responseTime }, res.writableFinished ? 'request completed' : 'request aborted');
      };
      res.on('finish', done).on('close', done);
    }
    current.run(req.id, next);
  }
}

/** Nest's LoggerService over pino: `logger.log(message, context)` → `{level: 30, context, msg}`. */
@Injectable()
export class Logger implements LoggerService {
  constructor(private readonly root: RootLog) {}

  verbose(message: unknown, ...params: unknown[]): void {
    this.call('trace', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.call('debug', message, params);
  }
  log(message: unknown, ...params: unknown[]): void {
    this.call('info', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.call('warn', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.call('error', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.call('fatal', message, params);
  }

  private call(level: Level, message: unknown, params: unknown[]): void {
    const pino = this.root.pino;
    if (!pino.isLevelEnabled(level)) return;
    const reqId = current.getStore();
    // Nest passes the context last.
    const fields: Record<string, unknown> = {
      ...(reqId ? { reqId } : {}),
      ...(params.length ? { context: params[params.length - 1] } : {}),
    };
    const rest = params.slice(0, -1);
    if (message instanceof Error) pino[level]({ ...fields, err: message });
    else if (message && typeof message === 'object') pino[level]({ ...fields, ...message });
    // Nest's exception handlers call error(message, stack, context).
    else if (level === 'error' && typeof rest[0] === 'string' && /\n\s*at /.test(rest[0])) {
      const err = new Error(String(message));
      err.stack = rest[0];
      pino.error({ ...fields, err });
    } else pino[level](fields, String(message), ...rest);
  }
}

@Global()
@Module({})
export class RequestLoggerModule implements NestModule {
  static forRoot(params: Params): DynamicModule {
    return { module: RequestLoggerModule, providers: [{ provide: PARAMS, useValue: params }, RootLog, Logger], exports: [Logger, RootLog] };
  }

  constructor(private readonly root: RootLog) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply((req: Request, res: ServerResponse, next: () => void) => this.root.handle(req, res, next))
      // `{/*splat}`: every path, the root included (path-to-regexp v8).
      .forRoutes({ path: '{/*splat}', method: RequestMethod.ALL });
  }
}
