/**
 * The built service (node dist/src/main.js, compiled into test/artifacts) as a child process of a
 * test, so it can be killed for real (SIGKILL) and started again.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KEYS } from '../support/app.js';
import { ROOT, until } from './support.js';

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

export class Service {
  private child?: ChildProcess;
  constructor(
    private readonly main: string,
    private readonly env: Record<string, string>,
    private readonly logFile: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.env.PORT}`;
  }

  async start(): Promise<void> {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    this.child = spawn(process.execPath, [this.main], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.pipe(log);
    this.child.stderr!.pipe(log);
    await until(
      'the service to answer /health with its consumer running',
      async () => {
        if (this.child?.exitCode !== null) throw new Error(`service exited: ${this.tail()}`);
        const r = await fetch(`${this.url}/health`);
        const body = (await r.json()) as { checks?: { kafka?: { consumer?: { state?: string } } } };
        return body.checks?.kafka?.consumer?.state === 'running';
      },
      90_000,
      200,
    );
  }

  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: string | null }> {
    const child = this.child!;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
    return new Promise((resolve) => {
      child.once('exit', (code, sig) => resolve({ code, signal: sig }));
      child.kill(signal);
    });
  }

  async get<T>(path: string): Promise<T> {
    const r = await fetch(`${this.url}${path}`, { headers: { authorization: `Bearer ${KEYS.admin}` } });
    if (!r.ok) throw new Error(`${path}: ${r.status}`);
    return (await r.json()) as T;
  }

  tail(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8').split('\n').slice(-30).join('\n') : '';
  }
}
