/**
 * Shared by the tests and the benchmarks: the built service as a child process on a local port.
 * It waits until the service is ready (failing with what the service printed), answers requests
 * with an API key, keeps the output, stops the service as a person would (SIGTERM, or Ctrl-C on a
 * terminal; SIGKILL if it hangs), can kill it for real and start it again, and reads its memory
 * and CPU time. Nothing from the app, so a benchmark can use it too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './database.js';
import { GiveUp, until } from './until.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** How a finished service process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceOptions {
  /** The script node runs, e.g. dist/src/main.js. */
  main: string;
  /** The child's whole environment (nothing is inherited), less PORT. */
  env: Record<string, string | undefined>;
  /** Before the script, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Under a pseudo-terminal (util-linux `script`), as on a developer's terminal; pid is then `script`'s. */
  tty?: boolean;
  /** The port it listens on (PORT); a free one when not given. Kept across restarts. */
  port?: number;
  /** Bearer key of request() and get(). */
  apiKey?: string;
  /** When the service counts as started (by default, when /health answers 2xx), within 90 s, polled every 100 ms. */
  ready?: { what?: string; check?: (service: ServiceProcess) => Promise<boolean>; timeoutMs?: number; everyMs?: number };
  /** Also appends the output to this file (kept as a CI artifact). */
  logFile?: string;
  /** How long stop() waits after SIGTERM (or Ctrl-C) before SIGKILL; 15 s by default. */
  graceMs?: number;
}

/** Output kept in memory: all of a test's, the recent part of a long benchmark's. */
const KEEP_CHARS = 4_000_000;

export class ServiceProcess {
  private child?: ChildProcess;
  private exit?: Promise<Exit>;
  private out = '';
  private assignedPort?: number;

  constructor(private readonly options: ServiceOptions) {
    this.assignedPort = options.port;
  }

  /** A new service, started and ready. */
  static async start(options: ServiceOptions): Promise<ServiceProcess> {
    const service = new ServiceProcess(options);
    await service.start();
    return service;
  }

  /** The port given, or the one picked at the first start. */
  get port(): number {
    if (this.assignedPort === undefined) throw new Error('the service has no port before its first start');
    return this.assignedPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Of the running process (`script` under a tty). */
  get pid(): number {
    return this.child!.pid!;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns the service (again, after a kill or a stop) and waits until it is ready; stops it if it never is. */
  async start(): Promise<void> {
    if (this.running) throw new Error('the service is already running');
    const { main, nodeArgs = [], tty = false, logFile } = this.options;
    this.assignedPort ??= await freePort();
    const env = { ...this.options.env, PORT: String(this.port) };
    const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
    const child = tty
      ? spawn('script', ['-qefc', [process.execPath, ...nodeArgs, main].map(quote).join(' '), '/dev/null'], {
          cwd: ROOT,
          env: { ...env, TERM: 'xterm' },
          stdio: ['pipe', 'pipe', 'pipe'],
        })
      : spawn(process.execPath, [...nodeArgs, main], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exit = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
    const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
    const keep = (d: Buffer) => {
      this.out += d.toString();
      if (this.out.length > KEEP_CHARS) this.out = this.out.slice(-KEEP_CHARS / 2);
      log?.write(d);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('close', () => log?.end());

    const {
      what = 'the service to answer /health',
      check = async (s: ServiceProcess) => (await fetch(`${s.url}/health`)).ok,
      ...ready
    } = this.options.ready ?? {};
    try {
      await until(
        what,
        async () => {
          if (child.exitCode !== null || child.signalCode !== null) {
            throw new GiveUp(`the service exited (${child.exitCode ?? child.signalCode}):\n${this.tail()}`);
          }
          return check(this);
        },
        ready.timeoutMs ?? 90_000,
        ready.everyMs ?? 100,
      );
    } catch (e) {
      await this.stop();
      if (e instanceof GiveUp) throw e;
      throw new Error(`${(e as Error).message}\nthe service printed:\n${this.tail()}`, { cause: e });
    }
  }

  /** Sends `signal`; how the process ended once it has gone. */
  kill(signal: NodeJS.Signals): Promise<Exit> {
    if (!this.child) return Promise.resolve({ code: null, signal: null });
    if (this.running) this.child.kill(signal);
    return this.exit!;
  }

  /** SIGTERM (Ctrl-C on a terminal), SIGKILL after the grace period; the exit code once it has gone. */
  async stop(): Promise<number | null> {
    if (!this.child) return null;
    const child = this.child;
    if (this.running) {
      if (this.options.tty) child.stdin!.write('\u0003');
      else child.kill('SIGTERM');
    }
    const hung = setTimeout(() => child.kill('SIGKILL'), this.options.graceMs ?? 15_000);
    const { code } = await this.exit!;
    clearTimeout(hung);
    return code;
  }

  /** A request with the API key; status and body (parsed when JSON). */
  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(this.url + path, {
      method,
      headers: {
        ...(this.options.apiKey ? { Authorization: `Bearer ${this.options.apiKey}` } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed };
  }

  /** GET with the API key; the JSON body, or an error on a non-2xx answer. */
  async get<T>(path: string): Promise<T> {
    const r = await fetch(this.url + path, { headers: this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {} });
    if (!r.ok) throw new Error(`${path}: ${r.status}`);
    return (await r.json()) as T;
  }

  /** Everything it wrote so far (over every start), stdout and stderr interleaved. */
  output(): string {
    return this.out;
  }

  /** The last `lines` lines it wrote. */
  tail(lines = 30): string {
    return this.out
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  }

  /** Resident memory of the process, MB. */
  rssMb(): number {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  }

  /** CPU time the process has used (user + system), ms. */
  cpuMs(): number {
    // /proc/<pid>/stat: utime and stime are the 14th and 15th fields, in clock ticks (100 a second);
    // the command name (2nd) is in parentheses and may hold spaces.
    const fields = readFileSync(`/proc/${this.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  }
}
