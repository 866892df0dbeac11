import { AsyncLocalStorage } from 'node:async_hooks';
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
import type { DestinationStream, Level, Logger as Pino } from 'pino';
import { pinoHttp, type HttpLogger, type Options } from 'pino-http';

/**
 * pino for Nest: every Nest log line goes to pino, and a line logged while a request is handled
 * carries that request's id (pino-http's child logger, kept in AsyncLocalStorage).
 *
 * This is what nestjs-pino did for us; its releases for Nest 12 require Node ≥ 22.12 while we run on
 * Node 20.19+ (issue 16 item 6), and we used only this much of it.
 */
export interface Params {
  /** pino-http's options, or options and the stream to write to instead of stdout. */
  pinoHttp: Options | [Options, DestinationStream];
}

const PARAMS = Symbol('request logger params');
const current = new AsyncLocalStorage<Pino>();

/** The one pino-http instance: its `logger` is the root every line goes through. */
@Injectable()
export class HttpLog {
  readonly http: HttpLogger;
  constructor(@Inject(PARAMS) params: Params) {
    this.http = Array.isArray(params.pinoHttp) ? pinoHttp(params.pinoHttp[0], params.pinoHttp[1]) : pinoHttp(params.pinoHttp);
  }
}

/** Nest's LoggerService over pino: `logger.log(message, context)` → `{level: 30, context, msg}`. */
@Injectable()
export class Logger implements LoggerService {
  constructor(private readonly root: HttpLog) {}

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
    const pino = current.getStore() ?? this.root.http.logger;
    // Nest passes the context last.
    const fields: Record<string, unknown> = params.length ? { context: params[params.length - 1] } : {};
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
    return { module: RequestLoggerModule, providers: [{ provide: PARAMS, useValue: params }, HttpLog, Logger], exports: [Logger, HttpLog] };
  }

  constructor(private readonly log: HttpLog) {}

  configure(consumer: MiddlewareConsumer): void {
    const http = this.log.http;
    consumer
      .apply((req: IncomingMessage & { log: Pino }, res: ServerResponse, next: () => void) => {
        http(req, res);
        current.run(req.log, next);
      })
      // `{/*splat}`: every path, the root included (path-to-regexp v8).
      .forRoutes({ path: '{/*splat}', method: RequestMethod.ALL });
  }
}
