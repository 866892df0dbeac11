/**
 * The service as a new user starts it: `npm start`'s build (skipped when dist/ is fresh), then
 * `node dist/src/main.js` as a child process on a free port, on an in-memory embedded database, with
 * no API keys unless asked. Its output is kept for the test to read.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, ServiceProcess } from '../support/service.js';

export { ROOT };

/** What `npm start` does before starting: build what changed, nothing when dist/ is newer than the sources. */
export async function build(): Promise<void> {
  await promisify(execFile)(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--if-stale'], { cwd: ROOT, timeout: 300_000 });
}

/** url, port, output() (stdout and stderr interleaved), stop(): SIGTERM (or Ctrl-C on a terminal) and the exit code. */
export type Service = ServiceProcess;

/**
 * Starts the built service. `tty`: under a pseudo-terminal (util-linux `script`), as on a developer's
 * terminal, where the service prints for a person rather than for a log collector.
 */
export async function startService({ env = {}, tty = false }: { env?: Record<string, string>; tty?: boolean } = {}): Promise<Service> {
  await build();
  const service = await ServiceProcess.start({
    main: join(ROOT, 'dist/src/main.js'),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', JOURNEY_DATA_DIR: ':memory:', ...env },
    tty,
    // Ready when a person would say so: /health answers and the ready line is on the screen. The line
    // follows listen(), and under a pseudo-terminal it arrives later still.
    ready: {
      what: 'the service to answer /health and print its ready line',
      check: async (s) => /ready: http/.test(s.output()) && (await fetch(`${s.url}/health`)).ok,
      timeoutMs: 120_000,
    },
  });
  started.push(service);
  return service;
}

// Whatever a test file started is stopped when it ends, even after a failed expectation skipped the
// test's own stop(): a service left running keeps its pipes open, and Jest would never exit.
const started: Service[] = [];
afterAll(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});
