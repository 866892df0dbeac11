/**
 * `npm run demo` against a started service, as a user runs it: a small population (50 participants)
 * fed through the public API with a service key. Every default rule fires for someone, and a second
 * run changes nothing.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { KEYS } from '../support/app.js';
import { ROOT, startService, type Service } from './service.js';

interface DemoResult {
  participants: number;
  events: number;
  accepted: number;
  duplicates: number;
  flags: Record<string, number>;
  milestones: Record<string, number>;
}

function demo(service: Service, args: string[]): Promise<DemoResult> {
  return new Promise((done, fail) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts/demo.ts'), '--url', service.url, '--participants', '50', '--json', ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', JOURNEY_API_KEY: KEYS.service }, timeout: 120_000 },
      (error, stdout, stderr) => (error ? fail(new Error(`demo failed: ${stderr}`)) : done(JSON.parse(stdout) as DemoResult)),
    ),
  );
}

describe('npm run demo', () => {
  let service: Service;
  beforeAll(async () => {
    service = await startService({ env: { JOURNEY_API_KEYS: `admin:${KEYS.admin},service:${KEYS.service},reader:${KEYS.reader}` } });
  }, 300_000);
  afterAll(async () => {
    await service?.stop();
  });

  it('fills the service so that every default rule fires for someone; a second run changes nothing', async () => {
    const first = await demo(service, []);
    expect(first.participants).toBe(50);
    expect(first.events).toBeGreaterThan(300);
    expect(first.accepted).toBe(first.events);
    expect(Object.keys(first.flags).sort()).toEqual(['followup_needed', 'language_support_needed', 'mentor_ready']);
    expect(Math.min(...Object.values(first.flags))).toBeGreaterThan(0);
    expect(first.flags.followup_needed).toBeLessThan(50); // not everyone: some are active lately
    expect(first.milestones.mentor_ready).toBeGreaterThan(0);

    const second = await demo(service, []);
    expect(second).toMatchObject({
      events: first.events,
      accepted: 0,
      duplicates: first.events,
      flags: first.flags,
      milestones: first.milestones,
    });

    // Another seed is another population.
    const other = await demo(service, ['--seed', '2']);
    expect(other.accepted).toBe(other.events);
  }, 300_000);
});
