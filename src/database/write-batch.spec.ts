import type { EntityManager } from 'typeorm';
import { WriteBatch } from './write-batch.js';

/** A transaction that records what it is sent. */
function recorder() {
  const sent: { sql: string; params: unknown[] }[] = [];
  const tx = { query: (sql: string, params: unknown[] = []) => (sent.push({ sql, params }), Promise.resolve([])) };
  return { sent, tx: tx as unknown as EntityManager };
}

describe('WriteBatch', () => {
  it('sends the queued writes as one statement, each a CTE with its parameters renumbered', async () => {
    const { sent, tx } = recorder();
    const batch = new WriteBatch(tx);
    await batch.query('INSERT INTO a (x, y) SELECT * FROM unnest($1::int[], $2::text[])', [[1], ['one']]);
    await batch.query('INSERT INTO b (z) SELECT * FROM unnest($1::int[]) ON CONFLICT (z) DO UPDATE SET z = b.z + $2::int', [[2], 10]);
    expect(sent).toEqual([]);
    await batch.flush();
    expect(sent).toEqual([
      {
        sql:
          'WITH w0 AS (INSERT INTO a (x, y) SELECT * FROM unnest($1::int[], $2::text[])),\n' +
          'w1 AS (INSERT INTO b (z) SELECT * FROM unnest($3::int[]) ON CONFLICT (z) DO UPDATE SET z = b.z + $4::int)\nSELECT 1',
        params: [[1], ['one'], [2], 10],
      },
    ]);
  });

  it('sends a single write as it is, nothing when empty, and forgets what it flushed', async () => {
    const { sent, tx } = recorder();
    const batch = new WriteBatch(tx);
    await batch.flush();
    await batch.query('UPDATE a SET x = $1::int WHERE x > $10::int', [1, 2]);
    await batch.flush();
    await batch.flush();
    expect(sent).toEqual([{ sql: 'UPDATE a SET x = $1::int WHERE x > $10::int', params: [1, 2] }]);
  });
});
