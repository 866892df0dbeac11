/**
 * The embedded PGlite is reachable only by the service: a Unix socket in a directory only its
 * owner can enter, no TCP listener another local user could connect to as superuser.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded.js';
import { startApp } from '../support/app.js';

/** Inodes of the TCP sockets this process listens on (Linux /proc). */
function tcpListeners(): Set<string> {
  const listening = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A') listening.add(cols[9]); // state LISTEN, inode
    }
  }
  const mine = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m && listening.has(m[1])) mine.add(m[1]);
    } catch {
      // the fd closed while listing
    }
  }
  return mine;
}

const linux = existsSync('/proc/self/fd');
const onLinux = linux ? it : it.skip;

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as unknown[];
  } finally {
    await client.end();
  }
}

// Each start of PGlite (WASM) takes seconds, more on a loaded machine.
jest.setTimeout(120_000);

describe('embedded database', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'journey-embedded-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  onLinux('opens no TCP port; the service reaches it through an owner-only Unix socket', async () => {
    const before = tcpListeners();
    const embedded = await startEmbeddedPostgres(dataDir);
    try {
      const added = [...tcpListeners()].filter((inode) => !before.has(inode));
      expect(added).toEqual([]);
      expect(embedded.socketDir.startsWith(dataDir)).toBe(true);
      expect(statSync(embedded.socketDir).mode & 0o777).toBe(0o700);
      expect(await query(embedded.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await embedded.stop();
    }
    expect(existsSync(join(embedded.socketDir, '.s.PGSQL.5432'))).toBe(false);
  });

  onLinux('in memory, the socket lives in a private temporary directory removed at stop', async () => {
    const before = tcpListeners();
    const embedded = await startEmbeddedPostgres(null);
    expect([...tcpListeners()].filter((inode) => !before.has(inode))).toEqual([]);
    expect(statSync(embedded.socketDir).mode & 0o777).toBe(0o700);
    expect(await query(embedded.url, 'SELECT 2 AS two')).toEqual([{ two: 2 }]);
    await embedded.stop();
    expect(existsSync(embedded.socketDir)).toBe(false);
  });

  it('starts again after a kill -9 left its socket file behind', async () => {
    const socketDir = join(dataDir, 'socket');
    mkdirSync(socketDir, { mode: 0o700 });
    const socket = join(socketDir, '.s.PGSQL.5432');
    // A process that listens on the socket path, then dies without removing it.
    const child = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(socket)}, () => console.log('up'))`,
    ]);
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(existsSync(socket)).toBe(true);

    const embedded = await startEmbeddedPostgres(dataDir);
    try {
      expect(await query(embedded.url, 'SELECT 3 AS three')).toEqual([{ three: 3 }]);
    } finally {
      await embedded.stop();
    }
  });

  it('refuses a data directory another running instance serves', async () => {
    const first = await startEmbeddedPostgres(dataDir);
    try {
      await expect(startEmbeddedPostgres(dataDir)).rejects.toThrow(/in use/);
      expect(await query(first.url, 'SELECT 4 AS four')).toEqual([{ four: 4 }]);
    } finally {
      await first.stop();
    }
  });

  onLinux('the service still works on it, with no TCP listener for the database', async () => {
    const before = tcpListeners();
    const t = await startApp({ JOURNEY_DATA_DIR: dataDir, DATABASE_URL: '' }); // the embedded default even under TEST_PG_URL
    try {
      expect([...tcpListeners()].filter((inode) => !before.has(inode))).toEqual([]);
      const res = await t.as('reader').get('/journey/rules');
      expect(res.status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
