/**
 * The one backoff of the service: exponential from `baseMs`, doubling per failed attempt
 * (attempt 1 waits `baseMs`), capped at `maxMs`. Used by database retries, the Kafka consumer's
 * restarts and partition pauses, and the outbox relay.
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, attempt - 1), 30));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
