/**
 * Bench key `startup.restart_s` (issue 15 item 3): `npm start` to /health with dist/ built and the
 * embedded database already initialised, as scripts/measure-startup.mjs measures it (its
 * `--restart-only` mode, run here as it is).
 */
import { spawnSync } from 'node:child_process';
import { freePort } from '../../test/support/database.js';
import { ROOT } from './harness.js';

export interface StartupResult {
  restart_s: number;
  load_average_1m: number;
  cpus: number;
}

export async function startupPart(log: (line: string) => void): Promise<StartupResult> {
  const r = spawnSync(process.execPath, ['scripts/measure-startup.mjs', '--restart-only'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(await freePort()) },
    encoding: 'utf8',
    timeout: 300_000,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{'))
    throw new Error(`measure-startup.mjs failed (${r.status ?? r.signal}): ${r.stderr.trim().slice(-300)}`);
  const result = JSON.parse(line) as StartupResult;
  log(`startup: restart to /health in ${result.restart_s} s (load average ${result.load_average_1m} on ${result.cpus} cores)`);
  return result;
}
