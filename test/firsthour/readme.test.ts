/**
 * The README's runnable examples, replayed as a new user would paste them: each bash block of its
 * "Examples you can run" section, in order, with curl, against a freshly started service (built and
 * started as `npm start` does, no API keys, an empty database). Also: the files they use are there
 * and mean what they say, and every link in the README stays inside the repository and resolves.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT, startService, type Service } from './service.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const ANA = '7d3f1c2e-0000-4000-8000-000000000001';
const BEN = '7d3f1c2e-0000-4000-8000-000000000002';
const CLEO = '7d3f1c2e-0000-4000-8000-000000000003';
const DEV = '7d3f1c2e-0000-4000-8000-000000000004';

/** The bash blocks of a README section (from its heading to the next heading of the same or a higher level). */
function bashBlocks(heading: string): string[] {
  const level = /^#+/.exec(heading)![0].length;
  const blocks: string[] = [];
  let inSection = false;
  let block: string[] | null = null;
  let fence = false;
  for (const line of README.split('\n')) {
    if (line.startsWith('```')) {
      fence = !fence;
      if (inSection && fence && line === '```bash') block = [];
      else if (inSection && !fence && block) {
        blocks.push(block.join('\n'));
        block = null;
      }
      continue;
    }
    if (fence) {
      block?.push(line);
      continue;
    }
    const h = /^(#+) /.exec(line);
    if (line === heading) inSection = true;
    else if (h && h[1].length <= level) inSection = false;
  }
  if (blocks.length === 0) throw new Error(`README has no bash blocks under "${heading}"`);
  return blocks;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** One block in bash from the repository root, its curl failing on an HTTP error, aimed at the test's service. */
function runBlock(block: string, service: Service): Promise<Run> {
  const script = [
    'set -euo pipefail',
    'KEY=',
    'curl() { command curl --silent --show-error --fail-with-body "$@"; }',
    block.replaceAll('http://localhost:3009', service.url),
  ].join('\n');
  return new Promise((done) =>
    execFile('bash', ['-c', script], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe('README: the examples run as written against a fresh npm start', () => {
  let service: Service;
  beforeAll(async () => {
    service = await startService();
  }, 300_000);
  afterAll(async () => {
    await service?.stop();
  });

  const flagsOf = async (userId: string) => {
    const body = (await (await fetch(`${service.url}/journey/flags/${userId}`)).json()) as { flags: { flag: string; value: boolean }[] };
    return body.flags
      .filter((f) => f.value)
      .map((f) => f.flag)
      .sort();
  };

  it('runs every bash block of "Examples you can run", each exiting 0, and they do what the README says', async () => {
    const blocks = bashBlocks('### Examples you can run');
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const block of blocks) {
      const run = await runBlock(block, service);
      if (run.code !== 0)
        throw new Error(`this README block failed (exit ${run.code}):\n${block}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
      expect(run.stderr).toBe('');
    }
    expect(await flagsOf(ANA)).toEqual(['followup_needed', 'mentor_ready']);
    expect(await flagsOf(BEN)).toEqual(['followup_needed', 'language_support_needed']);
    expect(await flagsOf(CLEO)).toEqual(['followup_needed']);
    expect(await flagsOf(DEV)).toEqual(['custom_flag']);
    const milestones = (await (await fetch(`${service.url}/journey/milestones/${ANA}`)).json()) as { milestones: { milestone: string }[] };
    expect(milestones.milestones.map((m) => m.milestone)).toEqual(['mentor_ready']);
  }, 120_000);

  it('runs them again with the same effect: events are duplicates, only the rule creation answers 409', async () => {
    const [create, feed, read] = bashBlocks('### Examples you can run');
    const again = await runBlock(create, service);
    expect(again.code).not.toBe(0);
    expect(again.stdout).toContain('"statusCode":409');
    const fed = await runBlock(feed, service);
    expect(fed.code).toBe(0);
    expect(fed.stdout).not.toMatch(/"accepted":[1-9]/);
    expect((await runBlock(read, service)).code).toBe(0);
  }, 120_000);
});

describe('README: the files and links it names', () => {
  const documents = (dir: string) => readdirSync(join(ROOT, dir)).filter((f) => /\.(ya?ml|json)$/.test(f));
  const load = (file: string): unknown => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    return file.endsWith('.json') ? JSON.parse(text) : parse(text);
  };

  it('ships the default rules in examples/rules/ as JSON and YAML, each the same rule as its seed', () => {
    const seeds = documents('seeds');
    expect(seeds.length).toBeGreaterThan(0);
    for (const seed of seeds) {
      const id = seed.replace(/\.ya?ml$/, '');
      expect(load(`examples/rules/${id}.json`)).toEqual(load(`seeds/${seed}`));
      expect(load(`examples/rules/${id}.yaml`)).toEqual(load(`seeds/${seed}`));
    }
    expect(load('examples/custom_rule.json')).toEqual(load('examples/custom_rule.yaml'));
  });

  it('has an .http file whose request bodies are files that exist', () => {
    const http = readFileSync(join(ROOT, 'examples/journey.http'), 'utf8');
    const bodies = [...http.matchAll(/^< (.+)$/gm)].map((m) => m[1]);
    expect(bodies.length).toBeGreaterThan(3);
    for (const body of bodies) expect(existsSync(join(ROOT, 'examples', body))).toBe(true);
  });

  it('links only to files inside the repository, and they exist', () => {
    const links = [...README.matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^https?:/.test(l));
    expect(links).toContain('docs/events.md');
    for (const link of links) {
      expect(link).not.toMatch(/^\.\.\//);
      expect([link, existsSync(join(ROOT, link))]).toEqual([link, true]);
    }
  });
});
