/**
 * The service as a new user starts it: `npm start`'s build (skipped when dist/ is fresh), then
 * `node dist/src/main.js` as a child process on a free port, on an in-memory embedded database, with
 * no API keys unless asked. Its output is kept for the test to read.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { until } from '../kafka/support.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A port nothing listens on. */
export function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

/** What `npm start` does before starting: build what changed, nothing when dist/ is newer than the sources. */
export async function build(): Promise<void> {
  await promisify(execFile)(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--if-stale'], { cwd: ROOT, timeout: 300_000 });
}

export interface Service {
  url: string;
  port: number;
  /** Everything it wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** SIGTERM (or Ctrl-C on a terminal), and its exit code once it has gone. */
  stop(): Promise<number | null>;
}

/**
 * Starts the built service. `tty`: under a pseudo-terminal (util-linux `script`), as on a developer's
 * terminal, where the service prints for a person rather than for a log collector.
 */
export async function startService({ env = {}, tty = false }: { env?: Record<string, string>; tty?: boolean } = {}): Promise<Service> {
  await build();
  const port = await freePort();
  const childEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), JOURNEY_DATA_DIR: ':memory:', ...env };
  const main = join(ROOT, 'dist/src/main.js');
  const child: ChildProcess = tty
    ? spawn('script', ['-qefc', `'${process.execPath}' '${main}'`, '/dev/null'], {
        cwd: ROOT,
        env: { ...childEnv, TERM: 'xterm' },
        stdio: ['pipe', 'pipe', 'pipe'],
      })
    : spawn(process.execPath, [main], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = `http://127.0.0.1:${port}`;
  await until(
    'the service to answer /health',
    async () => {
      if (child.exitCode !== null) throw new Error(`the service exited (${child.exitCode}):\n${out}`);
      return (await fetch(`${url}/health`)).ok;
    },
    120_000,
    100,
  );
  return {
    url,
    port,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        if (tty) child.stdin!.write('\u0003');
        else child.kill('SIGTERM');
      }
      return exited;
    },
  };
}
