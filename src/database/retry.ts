import type { Logger } from '@nestjs/common';
import { backoffMs, sleep } from '../common/backoff.js';

/** PostgreSQL errors worth another try: serialization failure, deadlock, lost or refused connections (and RACED_CONSTRAINTS). */
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '57P01', '57P03', '08000', '08003', '08006', '53300']);
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * Unique indexes a concurrent transaction may win a race on, where the retry sees the winner's row:
 * the event log's (EventLogRepository.unseen), whose loser finds the event a duplicate the second time.
 */
const RACED_CONSTRAINTS = new Set(['journey_event_log_event_id_key']);

export function isTransient(e: unknown): boolean {
  const err = e as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string }; message?: string };
  const code = err?.driverError?.code ?? err?.code;
  const constraint = err?.driverError?.constraint ?? err?.constraint;
  return (
    (code !== undefined && (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_CODES.has(code))) ||
    (code === '23505' && constraint !== undefined && RACED_CONSTRAINTS.has(constraint)) ||
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
