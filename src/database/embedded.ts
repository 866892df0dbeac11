/**
 * The embedded default: PGlite (PostgreSQL in WASM) served over the PostgreSQL wire protocol,
 * so the same `pg` driver and the same migrations run as on a real server.
 *
 * PGlite has no authentication and every session is superuser, so it is served on a Unix socket
 * in a directory only the service's user can enter (`<dataDir>/socket`, mode 0700), never on TCP:
 * no other local user can connect, run a `pg_sleep` on the one session or read the data.
 *
 * PGlite runs in a worker thread (embedded.worker.ts): under load the WASM database takes about as
 * much CPU as HTTP handling, and there it gets the other core instead of the service's event loop.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WorkerAnswer, WorkerData } from './embedded.worker.js';

export interface EmbeddedPostgres {
  /** A `pg` connection string to the Unix socket. */
  url: string;
  /** The owner-only directory holding the socket. */
  socketDir: string;
  stop(): Promise<void>;
}

/** libpq's socket name for the default port: `host=<dir>` connects to `<dir>/.s.PGSQL.5432`. */
const SOCKET_NAME = '.s.PGSQL.5432';
/** sun_path holds 108 bytes on Linux, 104 on macOS, the terminating NUL included. */
const MAX_SOCKET_PATH = 103;
const FROM_SOURCE = import.meta.url.endsWith('.ts');
/** Beside this module: compiled in dist/, its TypeScript source under the tests (ts-jest). */
const WORKER = new URL(`./embedded.worker.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);

/** Starts PGlite with its data in `<dataDir>/pglite` (in memory when dataDir is null), served on an owner-only Unix socket. */
export async function startEmbeddedPostgres(dataDir: string | null): Promise<EmbeddedPostgres> {
  const { socketDir, temporary } = privateSocketDir(dataDir);
  const socket = join(socketDir, SOCKET_NAME);
  await removeStaleSocket(socket);
  let path: string | null = null;
  if (dataDir !== null) {
    path = join(dataDir, 'pglite');
    mkdirSync(path, { recursive: true });
  }
  // Not unref'd: the service does not exit with the database open; stop() ends the worker.
  const worker = startWorker({ path, socket });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    worker.once('message', (m: WorkerAnswer) => (m.error === undefined ? resolve() : reject(new Error(m.error))));
    // It could not run at all (its module failed to load). Once started, this listener keeps a crash
    // from being an unhandled 'error' event: stop() then finds the worker exited.
    worker.once('error', reject);
    void exited.then(() => reject(new Error('the embedded database exited while starting')));
  });
  return {
    url: `postgres://postgres@/postgres?host=${encodeURIComponent(socketDir)}`,
    socketDir,
    async stop() {
      let failure: string | undefined;
      worker.once('message', (m: WorkerAnswer) => (failure = m.error)); // answers come in before 'exit'
      worker.postMessage('stop');
      await exited; // at once when the worker has already ended
      if (temporary) rmSync(socketDir, { recursive: true, force: true });
      if (failure !== undefined) throw new Error(failure);
    },
  };
}

/**
 * The database's thread. From the TypeScript sources it loads through tsx's API: Node 20 ignores a
 * loader given in a worker's execArgv (`--import tsx`; nodejs/node#47747).
 */
function startWorker(workerData: WorkerData): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER, { workerData });
  const [tsx, worker] = [import.meta.resolve('tsx/esm/api'), WORKER.href].map((url) => JSON.stringify(url));
  return new Worker(`import(${tsx}).then((tsx) => tsx.tsImport(${worker}, ${worker}))`, { eval: true, workerData });
}

/**
 * `<dataDir>/socket`, created or tightened to 0700 (chmod fails if another user owns it). In memory,
 * or when that path is too long for a socket, a fresh private directory under the system's tmpdir.
 */
function privateSocketDir(dataDir: string | null): { socketDir: string; temporary: boolean } {
  if (dataDir !== null) {
    const socketDir = join(dataDir, 'socket');
    if (Buffer.byteLength(join(socketDir, SOCKET_NAME)) <= MAX_SOCKET_PATH) {
      mkdirSync(socketDir, { recursive: true, mode: 0o700 });
      chmodSync(socketDir, 0o700);
      return { socketDir, temporary: false };
    }
  }
  return { socketDir: mkdtempSync(join(tmpdir(), 'journey-pglite-')), temporary: true }; // mkdtemp: mode 0700
}

/**
 * A socket file left by a process that died without closing it is removed; one that still answers
 * belongs to a running instance, and two PGlite instances on one data directory would corrupt it.
 */
async function removeStaleSocket(socket: string): Promise<void> {
  if (!existsSync(socket)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(socket);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`the embedded database's data directory is in use by another running instance (${socket})`);
  unlinkSync(socket);
}
