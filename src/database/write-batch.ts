import type { EntityManager } from 'typeorm';

/** What a write needs of a transaction: a statement and its parameters; the result is not read. */
export interface Writer {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/**
 * Writes of one transaction sent as one statement: each becomes a data-modifying CTE of
 * `WITH w0 AS (…), w1 AS (…) SELECT 1`, its parameters renumbered. An ingest's nine writes (event
 * log, records, participants, flags, history, outbox, two rollups) cost one round trip instead of
 * nine: on a small ingest (one event per HTTP request) round trips, not rows, were most of the cost
 * (issue 15).
 *
 * Only for writes whose result nobody reads in the transaction, none touching a row another writes:
 * PostgreSQL runs a statement's CTEs on one snapshot, so one cannot see another's rows, nor safely
 * modify them again. Every parameter is cast in the statement's text (`$1::uuid[]`), as PostgreSQL
 * cannot infer types across CTEs, and a write is a single statement (no WITH of its own).
 */
export class WriteBatch implements Writer {
  private readonly parts: { sql: string; params: unknown[] }[] = [];

  constructor(private readonly tx: EntityManager) {}

  /** Queues the write; it runs at the next flush(). */
  query(sql: string, params: unknown[] = []): Promise<void> {
    this.parts.push({ sql, params });
    return Promise.resolve();
  }

  /** Runs the queued writes, in one statement. */
  async flush(): Promise<void> {
    const parts = this.parts.splice(0);
    if (parts.length === 0) return;
    if (parts.length === 1) {
      await this.tx.query(parts[0].sql, parts[0].params);
      return;
    }
    const { pieces, params } = joined(parts, (sql, i) => `w${i} AS (${sql})`);
    await this.tx.query(`WITH ${pieces.join(',\n')}\nSELECT 1`, params);
  }
}

/**
 * Statements made pieces of one: each `sql` wrapped by `piece`, its parameters $1..$n renumbered to
 * follow the earlier statements', all parameters in one list (the write batch's CTEs, the read batch's columns).
 */
export function joined(
  parts: readonly { sql: string; params: unknown[] }[],
  piece: (sql: string, i: number) => string,
): { pieces: string[]; params: unknown[] } {
  const params: unknown[] = [];
  const pieces = parts.map(({ sql, params: own }, i) => {
    const offset = params.length;
    params.push(...own);
    return piece(
      sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`),
      i,
    );
  });
  return { pieces, params };
}
