/**
 * The embedded default: PGlite (PostgreSQL in WASM) served over the PostgreSQL wire protocol,
 * so the same `pg` driver and the same migrations run as on a real server.
 *
 * PGlite has no authentication and every session is superuser, so it is served on a Unix socket
 * in a directory only the service's user can enter (`<dataDir>/socket`, mode 0700), never on TCP:
 * no other local user can connect, run a `pg_sleep` on the one session or read the data.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

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

/** Starts PGlite with its data in `<dataDir>/pglite` (in memory when dataDir is null), served on an owner-only Unix socket. */
export async function startEmbeddedPostgres(dataDir: string | null): Promise<EmbeddedPostgres> {
  const { socketDir, temporary } = privateSocketDir(dataDir);
  const socket = join(socketDir, SOCKET_NAME);
  await removeStaleSocket(socket);
  let path: string | undefined;
  if (dataDir !== null) {
    path = join(dataDir, 'pglite');
    mkdirSync(path, { recursive: true });
  }
  const db = await PGlite.create(path ? { dataDir: path } : {});
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
  return {
    url: `postgres://postgres@/postgres?host=${encodeURIComponent(socketDir)}`,
    socketDir,
    async stop() {
      await server.stop(); // closing the listener removes the socket file
      await db.close();
      if (temporary) rmSync(socketDir, { recursive: true, force: true });
    },
  };
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
