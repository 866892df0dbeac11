/**
 * Benchmark part `console` (issue 14): how long each page of the admin console takes to show in a real
 * (headless) Chromium — a full load of /console, until nothing on the page is loading — with
 * `participants` known participants (10 flag changes each, as the stats part writes them) and `rules`
 * rules, on PostgreSQL. Baseline in the same run: GET /health/live from the same browser.
 */
import { chromiumMissing, launchChromium } from '../../test/support/browser.js';
import { summarize, type Summary } from '../stats.js';
import { ADMIN_KEY, createDatabase, startService, type Service } from './harness.js';
import { seedFlagPopulation } from './stats.js';

type Log = (line: string) => void;

export { chromiumMissing };

export interface ConsoleResult {
  participants: number;
  rules: number;
  /** Per page: a full load until shown, ms. */
  pages: Record<string, Summary>;
  health_ms: Summary;
}

export async function consolePart(opts: { participants: number; rules: number; loads: number; log: Log }): Promise<ConsoleResult> {
  const { log } = opts;
  const db = await createDatabase();
  let service: Service | undefined;
  try {
    // No backfills: a rule created here would otherwise re-evaluate the whole population.
    service = await startService({ DATABASE_URL: db.url, JOURNEY_BACKFILL_BATCH_SIZE: '0', JOURNEY_RATE_LIMIT: '0' });
    const someone = await seedFlagPopulation(db, opts.participants);
    for (let i = 0; i < opts.rules; i++) {
      const res = await service.request('POST', '/journey/rules', {
        id: `bench_rule_${i}`,
        name: `Bench rule ${i}`,
        flag: `flag_${i % 20}`,
        priority: 1000 + i,
        conditions: [{ type: 'exists', entity: 'credentials' }],
        actions: [{ type: 'set_flag', flag: `flag_${i % 20}` }],
      });
      if (res.status !== 201) throw new Error(`creating a rule answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    log(`console: ${opts.participants} participants, ${opts.rules} rules (and the seed's)`);

    const browser = await launchChromium();
    try {
      const { page } = browser;
      await page.goto(`${service.base}/console/`);
      await page.getByLabel('API key').fill(ADMIN_KEY);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('role').waitFor();
      const routes: [name: string, route: string, ready: string][] = [
        ['overview', '', '.chart'],
        ['rules', 'rules', 'role=switch'],
        ['rule editor', 'rules/bench_rule_7', '.cm-content'],
        ['cohort flag_3', 'cohorts/flag_3', '[data-testid="holders-count"]'],
        ['participant', `participants/${someone}`, 'h2:has-text("Timeline")'],
      ];
      const samples: Record<string, number[]> = {};
      for (let i = 0; i < opts.loads; i++)
        for (const [name, route, ready] of routes) {
          await page.goto('about:blank');
          const s = performance.now();
          await page.goto(`${service.base}/console/#/${route}`);
          await page.locator(ready).first().waitFor({ timeout: 60_000 });
          await page.getByRole('status').filter({ hasText: 'Loading…' }).first().waitFor({ state: 'detached', timeout: 60_000 });
          (samples[name] ??= []).push(performance.now() - s);
        }
      const health: number[] = [];
      for (let i = 0; i < opts.loads; i++) {
        const s = performance.now();
        await page.goto(`${service.base}/health/live`);
        health.push(performance.now() - s);
      }
      const pages = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
      const result = { participants: opts.participants, rules: opts.rules, pages, health_ms: summarize(health) };
      log(
        `console: ${Object.entries(pages)
          .map(([k, v]) => `${k} p50 ${v.p50.toFixed(0)} ms`)
          .join(', ')} (GET /health/live in the browser p50 ${result.health_ms.p50.toFixed(0)} ms)`,
      );
      return result;
    } finally {
      await browser.close();
    }
  } finally {
    await service?.stop();
    await db.drop();
  }
}
