/**
 * `journey`: rules as code from the command line. Validates rule files offline with the server's own
 * validator, and talks to a running engine over its HTTP API for the rest.
 *
 * Being an entry point, it reads its settings from the environment itself (the server reads its
 * configuration in config.ts): JOURNEY_URL, JOURNEY_API_KEY, NO_COLOR / FORCE_COLOR.
 */
import { parseArgs } from 'node:util';
import { ApiError, JourneyClient } from './client.js';
import * as commands from './commands.js';
import { EXIT, type Context } from './commands.js';
import { createOutput } from './output.js';

export const DEFAULT_URL = 'http://localhost:3009';

export const USAGE = `usage: journey <command> [options]

Rules as code:
  journey rules validate <files or folders...>   check rule files offline; every problem as file:line:column
  journey rules diff <folder> [--prune]          what apply would create, update or deactivate
  journey rules apply <folder> [--yes] [--prune] make the server's rules match the folder
                                                 (--prune: deactivate active rules missing from it)
  journey rules export <folder>                  write every rule on the server as <id>.yaml

Participants:
  journey evaluate <userId> [--dry-run] [--as-of ISO]   evaluate every active rule now (or, dry, as of a time)
  journey explain <ruleId> <userId> [--as-of ISO]       why a rule does or does not match, condition by condition

Options:
  --url URL      the engine (default: JOURNEY_URL or ${DEFAULT_URL})
  --key KEY      an API key (default: JOURNEY_API_KEY); apply needs an admin key, evaluate a service key
  --json         machine-readable output
  -y, --yes      apply without asking
  -h, --help     this help

Exit status: 0 done (validate: all valid), 1 invalid rules, refused or failed, 2 wrong usage.`;

const OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean', default: false },
  yes: { type: 'boolean', short: 'y', default: false },
  prune: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  'as-of': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The engine's URL from --url or JOURNEY_URL; a clear one-line error (ApiError) when it cannot be one. */
export function engineUrl(flag: string | undefined, env: string | undefined): string {
  const [given, from] = flag !== undefined ? [flag, '--url'] : env !== undefined ? [env, 'JOURNEY_URL'] : [DEFAULT_URL, 'the default'];
  if (given.trim() === '') throw new ApiError(`${from} is empty: give the engine's URL, e.g. ${DEFAULT_URL}`);
  let url: URL | undefined;
  try {
    url = new URL(given);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    const fix = /^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? '' : `: write it with its scheme, e.g. http://${given}`;
    throw new ApiError(`${from} ${JSON.stringify(given)} is not an http(s) URL${fix}`);
  }
  return given;
}

export interface Io {
  argv: string[];
  env: Readonly<Record<string, string | undefined>>;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Runs one command; resolves to the exit status. */
export async function run(io: Io): Promise<number> {
  const o = createOutput(io);
  let parsed;
  try {
    parsed = parseArgs({ args: io.argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    o.err(`journey: ${(e as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const { values: v, positionals: args } = parsed;
  if (v.help || args.length === 0) {
    if (v.help) o.out(USAGE);
    else o.err(USAGE);
    return v.help ? EXIT.ok : EXIT.usage;
  }
  const ctx: Context = {
    o,
    json: v.json,
    client: () => new JourneyClient(engineUrl(v.url, io.env.JOURNEY_URL), v.key ?? io.env.JOURNEY_API_KEY),
    stdin: io.stdin,
    stdout: io.stdout,
  };
  const usage = (message: string) => {
    o.err(`journey: ${message}\n\n${USAGE}`);
    return EXIT.usage;
  };
  const [command, sub, ...rest] = args;
  try {
    if (command === 'rules') {
      switch (sub) {
        case 'validate':
          return rest.length ? commands.validate(ctx, rest) : usage('rules validate needs files or folders');
        case 'diff':
          return rest.length === 1 ? await commands.diff(ctx, rest[0], v.prune) : usage('rules diff needs one folder');
        case 'apply':
          return rest.length === 1
            ? await commands.apply(ctx, rest[0], { yes: v.yes, prune: v.prune })
            : usage('rules apply needs one folder');
        case 'export':
          return rest.length === 1 ? await commands.exportRules(ctx, rest[0]) : usage('rules export needs one folder');
        default:
          return usage(`unknown command: rules ${sub ?? ''}`.trim());
      }
    }
    if (command === 'evaluate') {
      if (!sub || rest.length) return usage('evaluate needs one userId');
      if (v['as-of'] && !v['dry-run']) return usage('--as-of needs --dry-run (only a dry run can look at another time)');
      return await commands.evaluate(ctx, sub, { dryRun: v['dry-run'], asOf: v['as-of'] });
    }
    if (command === 'explain') {
      if (!sub || rest.length !== 1) return usage('explain needs a ruleId and a userId');
      return await commands.explain(ctx, sub, rest[0], v['as-of']);
    }
    return usage(`unknown command: ${command}`);
  } catch (e) {
    return commands.reportError(ctx, e);
  }
}

/** Sets the exit status and lets pending output drain (process.exit could cut a piped stdout short). */
export async function main(): Promise<void> {
  // `journey ... | head`: the reader has gone, so has the point of writing.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  process.exitCode = await run({
    argv: process.argv.slice(2),
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
  });
}
