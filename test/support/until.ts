/**
 * Shared by the tests and the benchmarks: a poll with a deadline, where a sleep would guess.
 * No imports, so anything can use it.
 */

/** Thrown by an `until` check when what it waits for can no longer happen: the wait ends at once. */
export class GiveUp extends Error {}

/**
 * Polls `check` until it returns a truthy value; fails with `what` (and the last value and error) at
 * the deadline. Other errors count as "not yet" (a service still starting refuses connections).
 */
export async function until<T>(what: string, check: () => Promise<T> | T, timeoutMs = 30_000, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let error: unknown;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      if (e instanceof GiveUp) throw e;
      error = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  const cause = error instanceof Error ? `; error: ${error.message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}${cause}`);
}
