#!/usr/bin/env node
/**
 * `npm run build` and `npm start`'s build: an incremental tsc (its tsbuildinfo lands in the output folder: dist/, or the --outDir a test builds into), and with
 * --if-stale nothing at all when dist/ was built after the last change to what it is built from, so a
 * restart goes straight to the service (issue 15 item 3). The admin console (console/, Vite) is built into
 * dist/console the same way: only when its sources are newer than its last build (issue 14).
 */
/* global process, console */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = join(ROOT, 'dist/.build-stamp');
const INPUTS = ['src', 'migrations', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
const CONSOLE_SRC = join(ROOT, 'console');
// Vite writes its manifest last: its time is the console build's.
const CONSOLE_STAMP = join(ROOT, 'dist/console/.vite/manifest.json');
const VITE = join(ROOT, 'node_modules/vite/bin/vite.js');

/**
 * The newest modification time under a path (0 when it does not exist).
 * @param {string} path
 * @returns {number}
 */
function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((f) => newest(join(path, f))));
}

/** Builds the console unless its build is newer than its sources (and package.json, for its dependencies). */
function buildConsole() {
  if (!existsSync(CONSOLE_SRC)) return;
  if (existsSync(CONSOLE_STAMP) && Math.max(newest(CONSOLE_SRC), newest(join(ROOT, 'package.json'))) <= statSync(CONSOLE_STAMP).mtimeMs)
    return;
  if (!existsSync(VITE)) {
    console.warn('console not built: Vite is missing (npm install installs it); /console will answer 404');
    return;
  }
  // Built beside, then swapped in: a service (or a second build) never reads a half-written console.
  const out = join(ROOT, 'dist/console');
  const next = `${out}.${process.pid}`;
  const vite = spawnSync(
    process.execPath,
    [VITE, 'build', '--config', join(CONSOLE_SRC, 'vite.config.ts'), '--outDir', next, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (vite.status !== 0) {
    rmSync(next, { recursive: true, force: true });
    process.exit(vite.status ?? 1);
  }
  rmSync(out, { recursive: true, force: true });
  try {
    renameSync(next, out);
  } catch {
    // Another build swapped its own in first: the same sources, so it will do.
    rmSync(next, { recursive: true, force: true });
  }
}

buildConsole();
if (process.argv.includes('--if-stale') && existsSync(STAMP)) {
  const built = statSync(STAMP).mtimeMs;
  if (INPUTS.every((p) => newest(join(ROOT, p)) <= built)) process.exit(0);
}
const started = Date.now();
const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], {
  cwd: ROOT,
  stdio: 'inherit',
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
// The stamp takes the time the build started: a source saved during the build is seen as newer next time.
writeFileSync(STAMP, `${new Date(started).toISOString()}\n`);
utimesSync(STAMP, new Date(started), new Date(started));
