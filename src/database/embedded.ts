/**
 * The embedded default: PGlite (PostgreSQL in WASM) served over the PostgreSQL wire protocol,
 * so the same `pg` driver and the same migrations run as on a real server.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/** Starts PGlite with its data in `<dataDir>/pglite` (in memory when dataDir is null) on a free loopback port. */
export async function startEmbeddedPostgres(dataDir: string | null): Promise<EmbeddedPostgres> {
  let path: string | undefined;
  if (dataDir !== null) {
    path = join(dataDir, 'pglite');
    mkdirSync(path, { recursive: true });
  }
  const db = await PGlite.create(path ? { dataDir: path } : {});
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 });
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgres://postgres@${address}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
