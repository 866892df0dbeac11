#!/usr/bin/env node
/**
 * How long `npm start` takes to answer /health (issue 15 item 3): first from a clean build (no dist/,
 * an empty data folder), then a restart with nothing changed. Prints one JSON line:
 *   {"first_start_s": …, "restart_s": …}
 * Usage: node scripts/measure-startup.mjs   (uses port 3391 and a temporary data folder; removes dist/)
 *        node scripts/measure-startup.mjs --restart-only   (keeps dist/ as it is: a first start, not
 *        measured, then the restart; prints {"restart_s": …}; what `npm run bench` reports)
 */
/* global console, process, fetch, setTimeout, performance */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PORT = process.env.PORT ?? '3391';
const data = mkdtempSync(join(tmpdir(), 'journey-startup-'));

/**
 * `npm start` until /health answers; then SIGTERM and wait for it to exit.
 * @returns {Promise<number>} seconds to /health
 */
async function start() {
  const started = performance.now();
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, PORT, JOURNEY_DATA_DIR: data },
    stdio: 'ignore',
    detached: true, // its own process group: npm, the build and the service stop together
  });
  const exited = new Promise((done) => child.once('exit', done));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  if (child.pid) process.kill(-child.pid, 'SIGTERM');
  await exited;
  return Math.round(seconds * 10) / 10;
}

const restartOnly = process.argv.includes('--restart-only');
try {
  if (!restartOnly) rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
  const first = await start();
  const restart = await start();
  // On a shared machine the wall time says as much about the neighbours as about us: say how busy it was.
  const load = { load_average_1m: Math.round(loadavg()[0] * 10) / 10, cpus: cpus().length };
  console.log(JSON.stringify(restartOnly ? { restart_s: restart, ...load } : { first_start_s: first, restart_s: restart, ...load }));
} finally {
  rmSync(data, { recursive: true, force: true });
}
