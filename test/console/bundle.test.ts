/**
 * The console as files: built by the build step, its first page (index.html, the entry script and its
 * CSS — pages past the first load on demand) under 300 KB gzipped, served by the service at /console
 * with a Content-Security-Policy of its own (own scripts only, no eval) and nothing else of the build.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startApp, type TestApp } from '../support/app.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BUILT = join(ROOT, 'dist', 'console');

interface Chunk {
  file: string;
  css?: string[];
  imports?: string[];
  isEntry?: boolean;
}

describe('the console build', () => {
  let t: TestApp;
  beforeAll(async () => {
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
    expect(build.status).toBe(0);
    t = await startApp();
  }, 180_000);
  afterAll(() => t?.close());

  it('loads its first page in under 300 KB gzipped', () => {
    const manifest = JSON.parse(readFileSync(join(BUILT, '.vite', 'manifest.json'), 'utf8')) as Record<string, Chunk>;
    const files = new Set<string>(['index.html']);
    const visit = (key: string) => {
      const c = manifest[key];
      files.add(c.file);
      c.css?.forEach((f) => files.add(f));
      c.imports?.forEach(visit);
    };
    Object.keys(manifest)
      .filter((k) => manifest[k].isEntry)
      .forEach(visit);
    const gzipped = [...files].reduce((n, f) => n + gzipSync(readFileSync(join(BUILT, f))).length, 0);
    console.info(`console first page: ${[...files].join(', ')}: ${(gzipped / 1024).toFixed(1)} KB gzipped`);
    expect(gzipped).toBeLessThan(300 * 1024);
  });

  it('is served at /console with its own CSP; the build manifest is not', async () => {
    const page = await t.http.get('/console/').expect(200);
    expect(page.text).toContain('<div id="app"></div>');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page.text)?.[1];
    await t.http
      .get(script!)
      .expect(200)
      .expect('Content-Type', /javascript/);
    await t.http.get('/console/.vite/manifest.json').expect(404);
    // The API keeps its own policy.
    expect((await t.http.get('/journey/rules').expect(401)).headers['content-security-policy']).toContain("default-src 'none'");
  });
});
