import type { EntityManager } from 'typeorm';

/**
 * Deletes up to `limit` rows of `table` matching `where` (its parameters are $1..$n; the limit is the
 * next one), picked by `key`; returns how many. Short statements keep locks and WAL bursts small.
 */
export async function deleteBatch(
  db: EntityManager,
  table: string,
  key: string,
  where: string,
  params: unknown[],
  limit: number,
): Promise<number> {
  const [{ n }]: { n: number }[] = await db.query(
    `WITH d AS (
       DELETE FROM ${table} WHERE ${key} IN (SELECT ${key} FROM ${table} WHERE ${where} LIMIT $${params.length + 1})
       RETURNING 1
     ) SELECT count(*)::int AS n FROM d`,
    [...params, limit],
  );
  return n;
}
