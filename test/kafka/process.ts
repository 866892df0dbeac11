/**
 * The built service (node dist/src/main.js, compiled into test/artifacts) as a child process of a
 * test, so it can be killed for real (SIGKILL) and started again.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KEYS } from '../support/app.js';
import { ServiceProcess } from '../support/service.js';
import { ROOT } from './support.js';

export const ARTIFACTS = join(ROOT, 'test/artifacts');
const BUILD = join(ARTIFACTS, 'kafka-dist');

/** The service as the user runs it: compiled (into test/artifacts, not the shared dist/). */
export async function build(): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const main = join(BUILD, 'src/main.js');
  try {
    await promisify(execFile)(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', BUILD], { cwd: ROOT });
  } catch (e) {
    // Type errors elsewhere in a tree under edit still emit JavaScript; only a missing build is fatal.
    if (!existsSync(main)) throw e;
  }
  return main;
}

/** Started when its consumer is running, on env.PORT; its output also goes to `logFile`; get() as admin. */
export class Service extends ServiceProcess {
  constructor(main: string, env: Record<string, string>, logFile: string) {
    super({
      main,
      env: { PATH: process.env.PATH, ...env },
      port: Number(env.PORT),
      apiKey: KEYS.admin,
      logFile,
      ready: {
        what: 'the service to answer /health with its consumer running',
        check: async (s) => {
          const body = (await (await fetch(`${s.url}/health`)).json()) as { checks?: { kafka?: { consumer?: { state?: string } } } };
          return body.checks?.kafka?.consumer?.state === 'running';
        },
        timeoutMs: 90_000,
        everyMs: 200,
      },
    });
  }
}
