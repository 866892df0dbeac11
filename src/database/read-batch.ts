import type { EntityManager } from 'typeorm';
import { joined } from './write-batch.js';

/**
 * What a read needs of a transaction: a statement and its parameters; its rows come back as JSON
 * (`JsonRow`), as readTogether returns them, so a timestamp is an ISO string.
 */
export interface Reader {
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
}

/** A row as it comes back through a Reader: JSON, so its timestamps are ISO strings. */
export type JsonRow<R> = { [K in keyof R]: R[K] extends Date ? string : R[K] extends Date | null ? string | null : R[K] };

/**
 * Runs the reads `start` makes, each through the Reader it is given, as ONE statement:
 * `SELECT (SELECT coalesce(json_agg(r), '[]') FROM (…) r) AS r0, …`, its parameters renumbered. An
 * evaluation's reads (records, flags, milestones; the participants themselves when the caller has
 * not read them) cost one round trip instead of three or four. A round trip, not the rows, was most
 * of a small ingest's cost (issue 15): the statement's write to the socket alone, about a tenth of
 * the service's time.
 *
 * The reads see one snapshot, so they belong together only where the rows cannot change between
 * them: the caller holds the participants' locks. Every parameter is cast in the statement's text
 * (`$1::uuid[]`). `start` must make its reads at once, before awaiting anything (an async function
 * does, up to its first await): they are sent when it returns.
 */
export async function readTogether<const T extends readonly unknown[]>(
  tx: EntityManager,
  start: (reader: Reader) => T,
): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const parts: { sql: string; params: unknown[]; resolve: (rows: never[]) => void; reject: (e: unknown) => void }[] = [];
  const reader: Reader = {
    query: <Row>(sql: string, params: unknown[] = []) =>
      new Promise<Row[]>((resolve, reject) => parts.push({ sql, params, resolve, reject })),
  };
  const reads = start(reader);
  if (parts.length > 0) {
    const { pieces, params } = joined(parts, (sql, i) => `(SELECT coalesce(json_agg(r), '[]') FROM (${sql}) r) AS r${i}`);
    try {
      const [row]: Record<string, never[]>[] = await tx.query(`SELECT ${pieces.join(',\n')}`, params);
      parts.forEach((p, i) => p.resolve(row[`r${i}`]));
    } catch (e) {
      // Each read fails with it; the caller learns it below, once.
      parts.forEach((p) => p.reject(e));
    }
  }
  return Promise.all(reads);
}
