/**
 * The Swagger UI in a real (headless) Chromium: an admin authorises with a key, creates a rule through
 * "Try it out" and reads it back — the UI alone is enough to work with the service, under the
 * Content-Security-Policy the service sends. Needs Debian's chromium at /usr/bin/chromium (.ci/run
 * installs it); leaves a screenshot at test/artifacts/swagger.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumMissing, launchChromium, type Browser } from '../support/browser.js';
import { backend, KEYS, startApp, type TestApp } from '../support/app.js';

const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

const missing = chromiumMissing();
const available = !missing;
if (missing) console.warn(`Swagger UI browser test skipped: ${missing}`);

(available ? describe : describe.skip)(`the Swagger UI in Chromium (${backend})`, () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    t = await startApp();
    await t.app.listen(0, '127.0.0.1');
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    browser = await launchChromium();
    page = browser.page;
    page.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Opens an operation, presses "Try it out", lets `fill` enter the inputs, executes it; returns the status shown. */
  async function tryItOut(operationId: string, fill: (op: ReturnType<Page['locator']>) => Promise<void>): Promise<string> {
    const op = page.locator(`[id$="-${operationId}"]`);
    await op.locator('.opblock-summary').first().click();
    await op.locator('button.try-out__btn').click();
    await fill(op);
    await op.locator('button.execute').click();
    const status = op.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor({ timeout: 15_000 });
    return (await status.innerText()).trim();
  }

  it('authorises with the admin key, creates a rule with "Try it out", and reads it back', async () => {
    await page.goto(`${base}/docs`);
    await page.locator('.swagger-ui .opblock').first().waitFor({ timeout: 30_000 });

    await page.locator('button.authorize').first().click();
    const bearer = page.locator('.auth-container').filter({ has: page.locator('#auth-bearer-value') });
    await bearer.locator('#auth-bearer-value').fill(KEYS.admin);
    await bearer.locator('button.authorize').click();
    await page.locator('.modal-ux button.btn-done').first().click();

    const id = `swagger_ui_${Date.now()}`;
    const rule = {
      id,
      name: 'Created from the Swagger UI',
      flag: 'swagger_checked',
      priority: 5,
      conditions: [{ type: 'exists', entity: 'buddy_events' }],
      actions: [{ type: 'set_flag', flag: 'swagger_checked' }],
    };
    const created = await tryItOut('RulesController_create', async (op) => {
      await op.locator('textarea.body-param__text').fill(JSON.stringify(rule, null, 2));
    });
    expect(created).toBe('201');
    await page.locator('[id$="-RulesController_create"] .live-responses-table').scrollIntoViewIfNeeded();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('[id$="-RulesController_create"]').screenshot({ path: join(ARTIFACTS, 'swagger.png') });

    const read = await tryItOut('RulesController_get', async (op) => {
      await op.locator('input[placeholder="id"]').fill(id);
    });
    expect(read).toBe('200');
    await expect(page.locator('[id$="-RulesController_get"] .live-responses-table .microlight').first().innerText()).resolves.toContain(id);

    // The rule exists for the service, not only on screen.
    const stored = await t.as('reader').get(`/journey/rules/${id}`).expect(200);
    expect(stored.body).toMatchObject({ id, name: rule.name, flag: 'swagger_checked', active: true, version: 1 });
    expect(cspViolations).toEqual([]);
  }, 90_000);
});
