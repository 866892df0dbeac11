import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { DomainError, type ErrorCode } from './errors.js';

const STATUS: Record<ErrorCode, number> = { invalid: 400, unauthorized: 401, forbidden: 403, not_found: 404, conflict: 409 };
const NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

/** Every error leaves as `{statusCode, error, message, problems?}`; unknown ones as a bare 500 with a request id. */
@Catch()
export class GlobalExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request & { id?: string }>();
    let status = 500;
    let body: Record<string, unknown>;
    if (exception instanceof DomainError) {
      status = STATUS[exception.code];
      body = { message: exception.message, ...(exception.problems ? { problems: exception.problems } : {}) };
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      const r = exception.getResponse();
      const message = typeof r === 'string' ? r : ((r as { message?: unknown }).message ?? exception.message);
      // A 400 always says why (Nest reports a malformed JSON body as a BadRequestException).
      const reason = typeof message === 'string' ? message : JSON.stringify(message);
      body = { message, ...(status === 400 ? { problems: [{ path: '', reason }] } : {}) };
    } else if (isBodyParserError(exception)) {
      status = exception.status;
      const message = exception.type === 'entity.parse.failed' ? `malformed JSON: ${exception.message}` : exception.message;
      body = { message, problems: [{ path: '', reason: message }] };
    } else {
      const requestId = String(req.id ?? randomUUID());
      this.logger.error({ err: exception, requestId, path: req.url }, 'unhandled error');
      body = { message: 'Internal server error', requestId };
    }
    res.status(status).json({ statusCode: status, error: NAMES[status] ?? 'Error', ...body });
  }
}

function isBodyParserError(e: unknown): e is { status: number; type: string; message: string } {
  const x = e as { status?: unknown; type?: unknown };
  return typeof x?.status === 'number' && x.status >= 400 && x.status < 500 && typeof x.type === 'string';
}
