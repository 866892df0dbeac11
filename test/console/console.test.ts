/**
 * The admin console (/console) in a real (headless) Chromium on the real service: a reader sees no edit
 * control; an admin writes a rule in the editor (a typo shows at its line), previews its impact, saves it
 * and watches the backfill finish, finds a matching participant through the flag's holders, reads the
 * flag change with its explanation on the timeline, and rolls the rule back. Each page passes axe-core
 * (no serious or critical violation) and is photographed into .data/screenshots/. Needs Debian's
 * chromium at /usr/bin/chromium (.ci/run installs it), like the Swagger UI test.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumMissing, launchChromium, type Browser } from '../support/browser.js';
import { backend, KEYS, startApp, type TestApp } from '../support/app.js';
import { daysAgo, ev } from '../support/events.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SHOTS = join(ROOT, '.data', 'screenshots');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const missing = chromiumMissing();
const available = !missing;
if (missing) console.warn(`console browser test skipped: ${missing}`);

const RULE_ID = `console_rule_${Date.now()}`;
const ruleYaml = (entity: string, countValue: number) => `id: ${RULE_ID}
name: Two language sessions
description: Written in the console test
flag: console_checked
priority: 5
active: true
conditions:
  - type: count
    entity: ${entity}
    count: '>='
    count_value: ${countValue}
actions:
  - type: set_flag
    flag: console_checked
    value: true
`;

(available ? describe : describe.skip)(`the admin console in Chromium (${backend})`, () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];
  const twoSessions = randomUUID();
  const oneSession = randomUUID();
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    // The console is static files built by the build step; build them if they are older than their sources.
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
    expect(build.status).toBe(0);
    t = await startApp();
    await t.app.listen(0, '127.0.0.1');
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    await t.ingest([
      ev.session(twoSessions, `s-${randomUUID()}`, 5, daysAgo(3)),
      ev.session(twoSessions, `s-${randomUUID()}`, 4, daysAgo(2)),
      ev.session(oneSession, `s-${randomUUID()}`, 5, daysAgo(1)),
    ]);
    // 200 more rules, as the console must work with (none matches anyone: they change no count below).
    for (let i = 0; i < 200; i += 20)
      await Promise.all(
        Array.from({ length: 20 }, (_, k) =>
          t
            .as('admin')
            .post('/journey/rules')
            .send({
              id: `bulk_rule_${i + k}`,
              name: `Bulk rule ${i + k}`,
              flag: `bulk_flag_${(i + k) % 20}`,
              priority: 100 + i + k,
              conditions: [{ type: 'exists', entity: 'credentials' }],
              actions: [{ type: 'set_flag', flag: `bulk_flag_${(i + k) % 20}` }],
            })
            .expect(201),
        ),
      );
    browser = await launchChromium();
    page = browser.page;
    page.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    mkdirSync(SHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (Object.keys(timings).length) console.info(`console page timings with 203 rules (ms): ${JSON.stringify(timings)}`);
  });

  /** Opens a console route and waits until `ready` shows and nothing loads; records how long that took. */
  async function open(route: string, ready: string, name: string) {
    const started = Date.now();
    await page.goto(`${base}/console/#/${route}`);
    await page.locator(ready).first().waitFor({ timeout: 20_000 });
    // Shown: nothing on the page is loading any more.
    await page.getByRole('status').filter({ hasText: 'Loading…' }).first().waitFor({ state: 'detached', timeout: 20_000 });
    timings[name] = Date.now() - started;
  }

  /** axe-core on the page as it is: no serious or critical violation. */
  async function accessible(name: string) {
    // Evaluated through the DevTools protocol, which the page's CSP (script-src 'self') does not govern.
    if (!(await page.evaluate<boolean>(`'axe' in window`))) await page.evaluate(AXE);
    const found = await page.evaluate<{ id: string; impact: string; help: string; nodes: { target: string[] }[] }[]>(
      `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)`,
    );
    const violations = found
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect({ page: name, violations }).toEqual({ page: name, violations: [] });
  }

  async function shoot(name: string) {
    await page.screenshot({ path: join(SHOTS, `console-${name}.png`), fullPage: true });
  }

  async function signIn(role: keyof typeof KEYS) {
    await page.goto(`${base}/console/`);
    const signOut = page.getByRole('button', { name: 'Sign out' });
    await page.getByLabel('API key').or(signOut).waitFor();
    if (await signOut.isVisible()) await signOut.click();
    // By keyboard: the key field is the first stop, Enter signs in.
    await page.keyboard.press('Tab');
    await expect(page.evaluate<string | undefined>('document.activeElement?.id')).resolves.toBe('api-key');
    await page.keyboard.type(KEYS[role]);
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('role').innerText()).resolves.toBe(role === 'admin' ? 'admin' : 'reader');
  }

  /** Replaces the editor's whole text, as typing would. */
  async function typeInEditor(text: string) {
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(text);
  }

  it('a reader sees every page read-only: no switch, no new rule, no save, no manual flag', async () => {
    await page.goto(`${base}/console/`);
    await accessible('sign-in');
    await shoot('sign-in');
    await signIn('reader');
    expect(page.url()).not.toContain(KEYS.reader);
    await expect(page.evaluate<string | null>(`sessionStorage.getItem('journey.apiKey')`)).resolves.toBe(KEYS.reader);

    await open('', 'h2:has-text("Holders per flag")', 'overview');
    await accessible('overview (reader)');

    await open('rules', 'table tbody tr', 'rules');
    await expect(page.getByRole('switch').count()).resolves.toBe(0);
    await expect(page.getByRole('link', { name: 'New rule' }).count()).resolves.toBe(0);
    await accessible('rules (reader)');

    await open('rules/mentor_ready_001', '.cm-content', 'rule (reader)');
    await expect(page.locator('.cm-content').getAttribute('contenteditable')).resolves.toBe('false');
    await expect(page.getByRole('button', { name: /Save|Preview impact|Roll back/ }).count()).resolves.toBe(0);

    await open(`participants/${twoSessions}`, 'h2:has-text("Timeline")', 'participant (reader)');
    await expect(page.getByRole('button', { name: 'Set by hand' }).count()).resolves.toBe(0);
  }, 120_000);

  it('an admin writes a rule: typo at its line, fix, preview, save, backfill done; the participant shows why; rollback', async () => {
    await signIn('admin');
    await open('rules', 'role=switch', 'rules (admin)');
    // The switch turns a rule off and on, for the service and not only on screen.
    const toggle = page.getByRole('switch', { name: 'bulk_rule_0 active' });
    await toggle.click();
    await page.getByRole('switch', { name: 'bulk_rule_0 active', checked: false }).waitFor();
    expect((await t.as('reader').get('/journey/rules/bulk_rule_0').expect(200)).body.active).toBe(false);
    await toggle.click();
    await page.getByRole('switch', { name: 'bulk_rule_0 active', checked: true }).waitFor();
    await shoot('rules');

    // A typo in the entity on line 9: the server's validator says so, at that line, as it is typed.
    await open('rules/+new', '.cm-content', 'editor');
    // Completion knows the schema: after `entity: ` the entities.
    await typeInEditor('conditions:\n  - type: count\n    entity: kin');
    await page.keyboard.press('Control+Space');
    await page.locator('.cm-tooltip-autocomplete li', { hasText: 'kintell_sessions' }).waitFor({ timeout: 10_000 });
    await page.keyboard.press('Escape');
    await typeInEditor(ruleYaml('kintell_sesions', 2));
    const problem = page.locator('ul.problems li').first();
    await problem.waitFor({ timeout: 15_000 });
    await expect(problem.innerText()).resolves.toMatch(/^Line 9 conditions\[0\]\.entity: must be one of: .*kintell_sessions/);
    await expect(page.locator('.cm-lintRange-error').first().innerText()).resolves.toContain('kintell_sesions');
    await accessible('editor with a problem');
    await shoot('editor-problem');

    await typeInEditor(ruleYaml('kintell_sessions', 2));
    await page.getByTestId('valid').waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Preview impact' }).click();
    const preview = page.getByTestId('preview');
    await preview.waitFor({ timeout: 15_000 });
    await expect(preview.innerText()).resolves.toMatch(/^1 of 2 participants match now; it would set the flag for 1/);
    await expect(preview.getByRole('link', { name: twoSessions }).count()).resolves.toBe(1);

    await page.getByRole('button', { name: 'Create' }).click();
    const bar = page.locator('.backfill[data-status="completed"]');
    await bar.waitFor({ timeout: 30_000 });
    await expect(bar.innerText()).resolves.toContain('Backfill of version 1: done');
    expect(page.url()).toContain(`#/rules/${RULE_ID}`);
    await accessible('rule after save');
    await shoot('editor-saved');
    // The rule exists for the service, not only on screen.
    const stored = await t.as('reader').get(`/journey/rules/${RULE_ID}`).expect(200);
    expect(stored.body).toMatchObject({ id: RULE_ID, flag: 'console_checked', version: 1 });

    // The flag's holders, then the participant holding it.
    await open('cohorts/console_checked', '[data-testid="holders-count"]', 'cohorts');
    await expect(page.getByTestId('holders-count').innerText()).resolves.toBe('1');
    await page.getByLabel('Step 1').selectOption('console_checked');
    await page.getByRole('button', { name: 'Count' }).click();
    await expect(page.locator('table', { hasText: 'Of the first step' }).locator('tbody tr').first().innerText()).resolves.toMatch(
      /^console_checked\s+1\s+100 %/,
    );
    await accessible('cohorts');
    await shoot('cohorts');
    await page.getByRole('link', { name: twoSessions }).click();
    const change = page.locator('.timeline li.t-flag', { hasText: 'console_checked' });
    await change.waitFor({ timeout: 20_000 });
    await expect(change.innerText()).resolves.toMatch(/flag console_checked .*→ true by/);
    await expect(change.getByRole('link', { name: RULE_ID }).count()).resolves.toBe(1);
    await expect(change.locator('details.explanation').innerText()).resolves.toMatch(/true conditions\[0\] count kintell_sessions/);
    // Explain, for the rule: matched, condition by condition.
    await page.locator('details summary', { hasText: RULE_ID }).click();
    await page.locator('details[open] p', { hasText: 'Matches as of' }).waitFor({ timeout: 15_000 });
    // A flag set by hand shows who set it.
    await page.getByLabel('Flag', { exact: true }).fill('console_vip');
    await page.getByLabel('Reason').fill('checked in the console test');
    await page.getByRole('button', { name: 'Set by hand' }).click();
    await page.locator('tr', { hasText: 'console_vip' }).getByText('hand (manual)').waitFor();
    await accessible('participant');
    await shoot('participant');

    // A second version, then back to the first.
    await open(`rules/${RULE_ID}`, '.cm-content', 'rule');
    await page.locator('.cm-content', { hasText: RULE_ID }).waitFor();
    await typeInEditor(ruleYaml('kintell_sessions', 3));
    await page.getByTestId('valid').waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Diff with current' }).click();
    const diff = page.getByRole('region', { name: /Current version/ });
    await diff.locator('.cm-changedLine', { hasText: 'count_value: 3' }).waitFor();
    await diff.locator('.cm-changedLine', { hasText: 'count_value: 2' }).waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.backfill[data-status="completed"]', { hasText: 'version 2' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Roll back to v1' }).click();
    await page.locator('.backfill[data-status="completed"]', { hasText: 'version 3' }).waitFor({ timeout: 30_000 });
    await page.getByRole('cell', { name: 'v3', exact: true }).waitFor();
    await expect(page.locator('table', { hasText: 'Written by' }).locator('tbody tr').count()).resolves.toBe(3);
    await accessible('rule versions');
    await shoot('rule-versions');
    await expect(page.locator('.backfill').getAttribute('data-status')).resolves.toBe('completed');
    const rolledBack = await t.as('reader').get(`/journey/rules/${RULE_ID}`).expect(200);
    expect(rolledBack.body).toMatchObject({ version: 3, conditions: [{ count_value: 2 }] });

    // The overview with a flag held and a rule fired.
    await open('', 'h2:has-text("Holders per flag")', 'overview');
    await page.locator('.chart').first().waitFor();
    await expect(page.locator('.tile', { hasText: 'participants known' }).innerText()).resolves.toMatch(/^2\s/);
    await accessible('overview');
    await shoot('overview');

    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
