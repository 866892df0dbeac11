import type { Logger } from '@nestjs/common';
import { backoffMs, sleep } from '../common/backoff.js';

/** PostgreSQL errors worth another try: serialization failure, deadlock, lost or refused connections. */
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '57P01', '57P03', '08000', '08003', '08006', '53300']);
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

export function isTransient(e: unknown): boolean {
  const err = e as { code?: string; driverError?: { code?: string }; message?: string };
  const code = err?.driverError?.code ?? err?.code;
  return (
    (code !== undefined && (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_CODES.has(code))) ||
    /Connection terminated|connection .*closed/i.test(err?.message ?? '')
  );
}

/** Retries `work` on transient failures with exponential backoff (50 ms … 5 s), `attempts` times. */
export async function withRetry<T>(work: () => Promise<T>, logger: Logger, attempts = 8): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (e) {
      if (!isTransient(e) || i >= attempts) throw e;
      const delay = backoffMs(i, 50, 5000);
      logger.warn(`transient database failure (${(e as Error).message}); retry ${i} in ${delay} ms`);
      await sleep(delay);
    }
  }
}
