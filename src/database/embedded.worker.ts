/**
 * The embedded database's thread (started by embedded.ts): PGlite and its socket server run here,
 * on the other core, instead of sharing the service's event loop with HTTP.
 *
 * It serves on the socket path it is given, answers `{}` once serving (or `{ error }`), and on a
 * stop message closes the server and the database, answers the same way and ends.
 */
import { chmodSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface WorkerData {
  /** PGlite's data directory; null keeps it in memory. */
  path: string | null;
  socket: string;
}

/** The answer to a start or a stop: the error's message when it failed, for embedded.ts to rethrow. */
export interface WorkerAnswer {
  error?: string;
}

const port = parentPort!;
const { path, socket } = workerData as WorkerData;
const failed = (e: unknown): WorkerAnswer => ({ error: e instanceof Error ? e.message : String(e) });

let stop: () => Promise<void>;
try {
  const db = await PGlite.create(path === null ? {} : { dataDir: path });
  // The pool holds one connection; a second slot lets its replacement (or another start's probe) in
  // while the closed one is still being released, instead of a "Too many connections" refusal.
  const server = new PGLiteSocketServer({ db, path: socket, maxConnections: 2 });
  try {
    await server.start();
    chmodSync(socket, 0o600);
  } catch (e) {
    await db.close();
    throw e;
  }
  stop = async () => {
    await server.stop(); // closing the listener removes the socket file
    await db.close(); // flushes the data
  };
} catch (e) {
  port.postMessage(failed(e));
  process.exit(1);
}
port.postMessage({} satisfies WorkerAnswer);
port.once('message', () => {
  void stop()
    .then(
      () => port.postMessage({} satisfies WorkerAnswer),
      (e: unknown) => port.postMessage(failed(e)),
    )
    .finally(() => process.exit()); // the parent port's listener would otherwise keep the thread alive
});
