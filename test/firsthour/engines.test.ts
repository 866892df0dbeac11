/**
 * The Node we run on is one every installed package supports (issue 16 item 6): what `npm install`
 * would warn about as EBADENGINE. CI (.ci/run) also runs the script on its `npm ci` output.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './service.js';

const check = (args: string[] = []) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
    execFile(process.execPath, [join(ROOT, 'scripts/check-engines.mjs'), ...args], { cwd: ROOT }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );

describe('engines', () => {
  it('every installed package accepts this Node, as does package.json', async () => {
    const run = await check();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`^engines: node ${process.versions.node.replace(/\./g, '\\.')} satisfies every one of \\d+ installed packages\\n$`),
    );
  });

  it('fails on an EBADENGINE warning in an install log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'journey-engines-'));
    try {
      const log = join(dir, 'npm-ci.log');
      writeFileSync(log, "npm warn EBADENGINE Unsupported engine {\nnpm warn EBADENGINE   package: 'nestjs-pino@5.2.1',\n");
      const run = await check([log]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("npm: npm warn EBADENGINE   package: 'nestjs-pino@5.2.1',");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
