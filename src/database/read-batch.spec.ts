import type { EntityManager } from 'typeorm';
import { readTogether, type Reader } from './read-batch.js';

/** A transaction that records what it is sent and answers with `answer`. */
function recorder(answer: () => Promise<unknown[]>) {
  const sent: { sql: string; params: unknown[] }[] = [];
  const tx = { query: (sql: string, params: unknown[] = []) => (sent.push({ sql, params }), answer()) };
  return { sent, tx: tx as unknown as EntityManager };
}

/** A loader as the repositories write them: reads, then maps its rows. */
async function names(reader: Reader, ids: number[]): Promise<string[]> {
  const rows = await reader.query<{ name: string }>('SELECT name FROM a WHERE id = ANY($1::int[]) AND kind = $2::text', [ids, 'x']);
  return rows.map((r) => r.name.toUpperCase());
}

describe('readTogether', () => {
  it('sends the reads as one statement, each a JSON column with its parameters renumbered, and hands each its rows', async () => {
    const { sent, tx } = recorder(() => Promise.resolve([{ r0: [{ name: 'ann' }], r1: [{ n: 2 }, { n: 3 }] }]));
    const [first, second] = await readTogether(tx, (r) => [names(r, [1, 2]), r.query<{ n: number }>('SELECT n FROM b WHERE n > $1::int', [1])]);
    expect(first).toEqual(['ANN']);
    expect(second).toEqual([{ n: 2 }, { n: 3 }]);
    expect(sent).toEqual([
      {
        sql:
          `SELECT (SELECT coalesce(json_agg(r), '[]') FROM (SELECT name FROM a WHERE id = ANY($1::int[]) AND kind = $2::text) r) AS r0,\n` +
          `(SELECT coalesce(json_agg(r), '[]') FROM (SELECT n FROM b WHERE n > $3::int) r) AS r1`,
        params: [[1, 2], 'x', 1],
      },
    ]);
  });

  it('sends nothing when every value is at hand', async () => {
    const { sent, tx } = recorder(() => Promise.resolve([]));
    expect(await readTogether(tx, () => [1, Promise.resolve('two')])).toEqual([1, 'two']);
    expect(sent).toEqual([]);
  });

  it('fails once with the statement’s error, leaving no read’s failure unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { tx } = recorder(() => Promise.reject(new Error('connection lost')));
      await expect(readTogether(tx, (r) => [names(r, [1]), names(r, [2])])).rejects.toThrow('connection lost');
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
