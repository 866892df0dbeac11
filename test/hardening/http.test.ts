/**
 * HTTP hardening: rate limits per API key with Retry-After, security headers, CORS only when configured.
 */
import { randomUUID } from 'node:crypto';
import { backend, KEYS, startApp, type TestApp } from '../support/app.js';

describe(`rate limit, security headers, CORS off by default (${backend})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ JOURNEY_RATE_LIMIT: '3', JOURNEY_RATE_TTL_MS: '60000' });
  }, 90_000);
  afterAll(() => t.close());

  it('answers 429 with Retry-After once a key has spent its budget; other keys keep theirs', async () => {
    const url = `/journey/flags/${randomUUID()}`;
    for (let i = 0; i < 3; i++) await t.as('reader').get(url).expect(200);
    const refused = await t.as('reader').get(url).expect(429);
    expect(refused.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: expect.stringContaining('too many requests') });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 60).toBe(true);
    // The budget is the key's, across routes and whichever header carries the key.
    await t.http.get('/journey/rules').set('X-API-Key', KEYS.reader).expect(429);
    // Another key is another budget.
    await t.as('admin').get(url).expect(200);
  });

  it('limits requests without a (known) key per client: made-up keys do not buy new budgets', async () => {
    const url = `/journey/flags/${randomUUID()}`;
    for (let i = 0; i < 3; i++) await t.http.get(url).set('X-API-Key', `made-up-key-${i}`).expect(401);
    const refused = await t.http.get(url).set('X-API-Key', 'made-up-key-9').expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('never limits health, metrics or the docs', async () => {
    for (let i = 0; i < 5; i++) {
      await t.http.get('/health').expect(200);
      await t.http.get('/metrics').expect(200);
      await t.http.get('/docs-json').expect(200);
    }
  });

  it('sends security headers; the API forbids loading anything, the Swagger UI may use its inline styles', async () => {
    const api = await t.http.get('/health');
    expect(api.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN' });
    expect(api.headers['content-security-policy']).toContain("default-src 'none'");
    expect(api.headers['x-powered-by']).toBeUndefined();
    const docs = await t.http.get('/docs/').expect(200);
    expect(docs.headers['content-security-policy']).toMatch(/style-src 'self' 'unsafe-inline'/);
    expect(docs.headers['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
    expect(docs.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });

  it('answers no CORS preflight when JOURNEY_CORS_ORIGINS is not set', async () => {
    const res = await t.http
      .options('/journey/rules')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe(`CORS with JOURNEY_CORS_ORIGINS (${backend})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ JOURNEY_CORS_ORIGINS: 'https://app.example, https://admin.example' });
  }, 90_000);
  afterAll(() => t.close());

  it('allows the configured origins, with the key headers, and no other', async () => {
    const preflight = await t.http
      .options('/journey/rules')
      .set('Origin', 'https://admin.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://admin.example');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/);
    const other = await t.http.get('/health').set('Origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const allowed = await t.as('reader').get('/journey/rules').set('Origin', 'https://app.example').expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
  });
});
