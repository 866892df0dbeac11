#!/usr/bin/env node
/**
 * `npm run start:dev`: the service restarted on every change. An incremental `tsc --watch` rebuilds
 * dist/ (Nest's dependency injection needs the decorator metadata only tsc emits, so no esbuild-style
 * loader), and `node --watch` restarts the built service whenever dist/ changes. Ctrl-C stops both.
 */
/* global process */
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// A first build (the console too), so the service starts from a complete dist/.
const first = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
if (first.status !== 0) process.exit(first.status ?? 1);
const tsc = spawn(
  process.execPath,
  [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--watch', '--preserveWatchOutput'],
  { cwd: ROOT, stdio: 'inherit' },
);
const service = spawn(process.execPath, ['--watch', join(ROOT, 'dist/src/main.js')], { cwd: ROOT, stdio: 'inherit' });
const stop = () => {
  tsc.kill();
  service.kill();
};
process.on('SIGINT', stop).on('SIGTERM', stop);
service.on('exit', (code) => {
  tsc.kill();
  process.exit(code ?? 0);
});
