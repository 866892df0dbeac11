/**
 * The `journey` CLI as a user runs it: the real bin/journey.js, a child process with a pipe for a
 * terminal (so plain output), against the real service listening on a port.
 *
 * It runs the compiled CLI, as `npx journey` does, not the TypeScript sources: what is tested is what
 * ships (the bin shim, the ESM build, the package layout it finds the schema through). The build is
 * made here only when dist/ is missing or older than the sources the CLI is built from (CI builds first).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backend, KEYS, startApp, type TestApp } from '../support/app.js';
import { build } from '../firsthour/service.js';
import { freePort } from '../support/database.js';
import { daysAgo, ev } from '../support/events.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = 'test/cli/fixtures';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `journey ...args` in the repository root, with a clean environment (no colour, no inherited settings). */
function journey(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin/journey.js'), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The CLI built as `npm start` builds: nothing when dist/ is newer than the sources (CI builds first). */
async function ensureBuilt(): Promise<void> {
  await build();
  const main = join(ROOT, 'dist/src/cli/main.js');
  if (!existsSync(main)) throw new Error(`the build did not produce ${main}`);
}

let t: TestApp;
let url: string;
let work: string;
const admin = () => ({ JOURNEY_URL: url, JOURNEY_API_KEY: KEYS.admin });

beforeAll(async () => {
  await ensureBuilt();
  t = await startApp({ JOURNEY_BACKFILL_BATCH_SIZE: '0' });
  await t.app.listen(0, '127.0.0.1');
  url = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  work = mkdtempSync(join(tmpdir(), 'journey-cli-'));
}, 300_000);
afterAll(async () => {
  await t?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('journey rules validate (offline)', () => {
  it('exits 0 on valid files and folders', async () => {
    const run = await journey(['rules', 'validate', `${FIXTURES}/good`, 'seeds/mentor_ready_001.yaml'], {
      JOURNEY_URL: 'http://127.0.0.1:1',
    });
    expect(run).toEqual({ code: 0, stdout: '3 rules valid\n', stderr: '' });
  });

  it('prints every problem as file:line:column and exits 1', async () => {
    const run = await journey(['rules', 'validate', `${FIXTURES}/bad`], { JOURNEY_URL: 'http://127.0.0.1:1' });
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n')).toEqual([
      `${FIXTURES}/bad/a-valid-with-warning.yaml:8:1 warning actions: no action sets or clears the rule's own flag "cli_dup"`,
      `${FIXTURES}/bad/b-duplicate.yaml:2:1 id: rule cli_dup is also defined in ${FIXTURES}/bad/a-valid-with-warning.yaml`,
      `${FIXTURES}/bad/c-unknown-field.yaml:5:1 colour: is not allowed (unknown field)`,
      `${FIXTURES}/bad/c-unknown-field.yaml:7:5 conditions[0].count_value: is required`,
      `${FIXTURES}/bad/d-semantic.yaml:9:9 conditions[0].where[0].field: credentials has no field "rating" (fields: course_id, credential_type, occurred_at)`,
      `${FIXTURES}/bad/d-semantic.yaml:17:5 conditions[1].operator: > needs a numeric or time field; this field of kintell_sessions is text`,
      `${FIXTURES}/bad/d-semantic.yaml:23:5 conditions[2].value: must be a number (the field is numeric)`,
      `${FIXTURES}/bad/e-syntax.yaml:3:1 YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
      '7 problems in 4 of 5 files',
      '',
    ]);
  });

  it('says the same in JSON with --json, and exits 2 on wrong usage', async () => {
    const run = await journey(['rules', 'validate', '--json', `${FIXTURES}/bad/c-unknown-field.yaml`]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      valid: false,
      files: [
        {
          file: `${FIXTURES}/bad/c-unknown-field.yaml`,
          valid: false,
          problems: [
            { file: `${FIXTURES}/bad/c-unknown-field.yaml`, line: 5, column: 1, path: 'colour', reason: 'is not allowed (unknown field)' },
            { file: `${FIXTURES}/bad/c-unknown-field.yaml`, line: 7, column: 5, path: 'conditions[0].count_value', reason: 'is required' },
          ],
          warnings: [],
        },
      ],
    });
    const usage = await journey(['rules', 'validate']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: journey');
    expect((await journey(['rules', 'frobnicate', 'x'])).code).toBe(2);
    expect((await journey(['--nope'])).code).toBe(2);
  });
});

describe(`journey rules diff / apply / export against the service (${backend})`, () => {
  const versionsOf = async (id: string) => (await t.as('reader').get(`/journey/rules/${id}/versions`).expect(200)).body.count as number;

  it('exports every rule as a YAML file apply reads back as no change at all', async () => {
    const folder = join(work, 'exported');
    const run = await journey(['rules', 'export', folder], admin());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`wrote ${folder}/mentor_ready_001.yaml`);
    expect(run.stdout).toContain('exported 3 rules to');
    const text = readFileSync(join(folder, 'mentor_ready_001.yaml'), 'utf8');
    // The editor line points at the shipped schema, from wherever the folder is.
    const schemaRef = /^# yaml-language-server: \$schema=(.+)\n/.exec(text)![1];
    expect(resolve(folder, schemaRef)).toBe(join(ROOT, 'schemas/rule.schema.json'));
    expect(text).toContain('id: mentor_ready_001\nname: Mentor ready\n');

    expect(await journey(['rules', 'diff', folder], admin())).toMatchObject({
      code: 0,
      stdout: '0 to create, 0 to update, 0 to deactivate, 3 unchanged\n',
    });
    const apply = await journey(['rules', 'apply', folder, '--yes', '--prune'], admin());
    expect(apply).toMatchObject({
      code: 0,
      stdout: `0 to create, 0 to update, 0 to deactivate, 3 unchanged\nnothing to change: ${url} matches ${folder}\n`,
    });
    expect(await versionsOf('mentor_ready_001')).toBe(1);
  });

  it('exports a seed rule byte for byte as its seed file, and diffs an edited seed file by meaning: one line for one change', async () => {
    const folder = join(work, 'seed-order');
    expect((await journey(['rules', 'export', folder], admin())).code).toBe(0);
    const body = (text: string) => text.replace(/^# yaml-language-server: .*\n/, '');
    for (const f of readdirSync(join(ROOT, 'seeds')))
      expect([f, body(readFileSync(join(folder, f), 'utf8'))]).toEqual([f, body(readFileSync(join(ROOT, 'seeds', f), 'utf8'))]);

    // The seed files themselves, in their own key order (not the server's), one priority changed.
    const edited = join(work, 'seed-edit');
    mkdirSync(edited);
    for (const f of readdirSync(join(ROOT, 'seeds'))) writeFileSync(join(edited, f), readFileSync(join(ROOT, 'seeds', f)));
    const seedRule = join(edited, 'language_support_needed_001.yaml');
    writeFileSync(seedRule, readFileSync(seedRule, 'utf8').replace('priority: 15\n', 'priority: 16\n'));
    const diff = await journey(['rules', 'diff', edited], admin());
    expect(diff).toEqual({
      code: 0,
      stdout: [
        `~ update language_support_needed_001 (${seedRule})`,
        '    ~ priority: 15 → 16',
        '0 to create, 1 to update, 0 to deactivate, 2 unchanged',
        '',
      ].join('\n'),
      stderr: '',
    });
    const json = JSON.parse((await journey(['rules', 'diff', edited, '--json'], admin())).stdout) as { update: unknown[] };
    expect(json.update).toEqual([
      { id: 'language_support_needed_001', file: seedRule, changes: [{ path: 'priority', before: 15, after: 16 }] },
    ]);
  });

  it('checks the role before printing a plan: apply with a reader key fails at once, in one line', async () => {
    const folder = join(work, 'reader');
    mkdirSync(folder);
    writeFileSync(join(folder, 'cli_language_ready.yaml'), readFileSync(join(ROOT, FIXTURES, 'good/language_ready.yaml')));
    const run = await journey(['rules', 'apply', folder, '--yes'], { JOURNEY_URL: url, JOURNEY_API_KEY: KEYS.reader });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'error: apply needs an admin key (403 this route needs the admin role; the key has reader); nothing was changed\n',
    );
  });

  it('shows a readable diff, refuses to apply without --yes off a terminal, and applies creates, updates and (with --prune) deactivations', async () => {
    const folder = join(work, 'edited');
    await journey(['rules', 'export', folder], admin());
    const file = join(folder, 'mentor_ready_001.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('priority: 10\n', 'priority: 12\n'));
    unlinkSync(join(folder, 'followup_needed_001.yaml'));
    writeFileSync(join(folder, 'cli_language_ready.yaml'), readFileSync(join(ROOT, FIXTURES, 'good/language_ready.yaml')));

    const diff = await journey(['rules', 'diff', folder], admin());
    expect(diff.code).toBe(0);
    const lines = diff.stdout.split('\n');
    expect(lines[0]).toBe(`+ create cli_language_ready (${folder}/cli_language_ready.yaml)`);
    expect(lines).toContain('    + id: cli_language_ready');
    // By meaning: the one field that changed, nothing else.
    expect(diff.stdout).toContain(
      [`~ update mentor_ready_001 (${folder}/mentor_ready_001.yaml)`, '    ~ priority: 10 → 12', '  keep'].join('\n'),
    );
    expect(lines).toContain('  keep followup_needed_001: active on the server, not in the folder (--prune deactivates it)');
    expect(lines).toContain('1 to create, 1 to update, 0 to deactivate, 1 unchanged');

    const refused = await journey(['rules', 'apply', folder, '--prune'], admin());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refusing to apply 3 changes without --yes: there is no terminal to confirm on');
    await t.as('reader').get('/journey/rules/cli_language_ready').expect(404);

    const apply = await journey(['rules', 'apply', folder, '--yes', '--prune'], admin());
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('- deactivate followup_needed_001 (not in the folder)');
    expect(apply.stdout.split('\n').slice(-5)).toEqual([
      'created cli_language_ready (version 1)',
      'updated mentor_ready_001 (version 2)',
      'deactivated followup_needed_001',
      'applied: 1 created, 1 updated, 1 deactivated',
      '',
    ]);
    expect((await t.as('reader').get('/journey/rules/mentor_ready_001').expect(200)).body.priority).toBe(12);
    expect((await t.as('reader').get('/journey/rules/followup_needed_001').expect(200)).body.active).toBe(false);

    // Now the server matches the folder, and a fresh export of it applies as no change.
    expect((await journey(['rules', 'diff', folder, '--prune', '--json'], admin())).stdout).toBe(
      `${JSON.stringify({ create: [], update: [], deactivate: [], kept: [], unchanged: ['cli_language_ready', 'language_support_needed_001', 'mentor_ready_001'] }, null, 2)}\n`,
    );
    const again = join(work, 'again');
    await journey(['rules', 'export', again], admin());
    expect(readdirSync(again).sort()).toEqual([
      'cli_language_ready.yaml',
      'followup_needed_001.yaml',
      'language_support_needed_001.yaml',
      'mentor_ready_001.yaml',
    ]);
    expect(readFileSync(join(again, 'mentor_ready_001.yaml'), 'utf8')).toBe(readFileSync(file, 'utf8'));
    expect((await journey(['rules', 'apply', again, '--yes', '--prune'], admin())).stdout).toContain('nothing to change');
    expect(await versionsOf('mentor_ready_001')).toBe(2);
  });

  it('removes on the server an optional field the file no longer has', async () => {
    const folder = join(work, 'dropped');
    await journey(['rules', 'export', folder], admin());
    const file = join(folder, 'mentor_ready_001.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^description: .*\n/m, ''));
    const apply = await journey(['rules', 'apply', folder, '--yes'], admin());
    expect(apply.stdout).toContain('    - description: "Participant has completed');
    expect(apply.stdout).toContain('updated mentor_ready_001');
    expect((await t.as('reader').get('/journey/rules/mentor_ready_001').expect(200)).body).not.toHaveProperty('description');
  });

  it('refuses a folder with invalid rules before sending anything', async () => {
    const run = await journey(['rules', 'apply', `${FIXTURES}/bad`, '--yes'], admin());
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${FIXTURES}/bad/c-unknown-field.yaml:5:1 colour: is not allowed (unknown field)`);
    expect(run.stderr).toContain('has invalid rules (7 problems): nothing was sent');
  });

  it('answers a URL without a scheme, or an empty JOURNEY_URL, in one line (no stack trace)', async () => {
    const noScheme = await journey(['rules', 'diff', `${FIXTURES}/good`, '--url', '127.0.0.1:3009']);
    expect(noScheme).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: --url "127.0.0.1:3009" is not an http(s) URL: write it with its scheme, e.g. http://127.0.0.1:3009\n',
    });
    const bare = await journey(['evaluate', randomUUID()], { JOURNEY_URL: 'localhost:3009' });
    expect(bare.stderr).toBe(
      'error: JOURNEY_URL "localhost:3009" is not an http(s) URL: write it with its scheme, e.g. http://localhost:3009\n',
    );
    const empty = await journey(['rules', 'export', join(work, 'never')], { JOURNEY_URL: '' });
    expect(empty).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: JOURNEY_URL is empty: give the engine's URL, e.g. http://localhost:3009\n",
    });
  });

  it('explains API errors: a missing key, an unreachable service', async () => {
    const anonymous = await journey(['rules', 'diff', `${FIXTURES}/good`], { JOURNEY_URL: url });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('error: GET /journey/rules: 401');
    expect(anonymous.stderr).toContain('(set --key or JOURNEY_API_KEY)');
    const closed = await freePort();
    const away = await journey(['rules', 'diff', `${FIXTURES}/good`, '--url', `http://127.0.0.1:${closed}`]);
    expect(away.code).toBe(1);
    expect(away.stderr).toContain(`error: cannot reach http://127.0.0.1:${closed} (ECONNREFUSED); set --url or JOURNEY_URL`);
  });
});

describe(`journey evaluate / explain (${backend})`, () => {
  const service = () => ({ JOURNEY_URL: url, JOURNEY_API_KEY: KEYS.service });

  it('explains a rule condition by condition, and evaluates a participant (dry or not)', async () => {
    const u = randomUUID();
    await t
      .as('service')
      .post('/journey/events')
      .send([1, 2, 3].map((i) => ev.session(u, `cli-${i}-${u}`, 5, daysAgo(i))))
      .expect(200);

    const explain = await journey(['explain', 'mentor_ready_001', u], service());
    expect(explain.code).toBe(0);
    const lines = explain.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^mentor_ready_001 matches ${u} as of \\d{4}-`));
    expect(lines[1]).toBe('  ✓ conditions[0] count kintell_sessions.count: 3 (expected >= 3)');
    expect(lines[2]).toBe('  ✓ conditions[1] value kintell_sessions.avg_rating: 5 (expected >= 4)');

    const dry = await journey(['evaluate', u, '--dry-run', '--as-of', '2030-01-01T00:00:00Z'], service());
    expect(dry.code).toBe(0);
    // Already flagged when its third session came in: nothing changes now.
    expect(dry.stdout).toMatch(new RegExp(`^${u}: \\d rules evaluated, 1 matching: mentor_ready_001\n  no changes\n`));
    expect(dry.stdout).toContain('dry run as of 2030-01-01T00:00:00.000Z: nothing was written');

    const json = JSON.parse((await journey(['evaluate', u, '--json'], service())).stdout);
    expect(json).toMatchObject({ userId: u, triggeredRules: ['mentor_ready_001'], changes: [] });

    expect((await journey(['evaluate', u, '--as-of', '2030-01-01T00:00:00Z'], service())).code).toBe(2);
    const bad = await journey(['evaluate', 'not-a-uuid'], service());
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error: POST /journey/flags/not-a-uuid/evaluate: 400');
  });
});
