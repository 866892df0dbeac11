/**
 * Every route of the API, walked from the OpenAPI document: refused without a key (except the few
 * meant to be open) and refused to a key too weak for it. A route added without saying who may call it
 * is expected to be admin-only; a weaker or open route must be listed here, on purpose, to pass.
 */
import { randomUUID } from 'node:crypto';
import { backend, KEYS, startApp, type TestApp } from '../support/app.js';

type Role = 'reader' | 'service' | 'admin';
type Method = 'get' | 'post' | 'put' | 'delete' | 'patch';

/** Open to anyone: probes, and the metrics while JOURNEY_METRICS_PUBLIC is true (the default). */
const PUBLIC = new Set(['GET /health', 'GET /health/live', 'GET /health/ready', 'GET /metrics']);
/** The routes below admin; every other route must refuse reader and service keys. */
const WEAKER: Record<string, Exclude<Role, 'admin'>> = {
  'GET /journey/flags': 'reader',
  'GET /journey/flags/{userId}': 'reader',
  'GET /journey/flags/{userId}/history': 'reader',
  'GET /journey/milestones/{userId}': 'reader',
  'GET /journey/rules': 'reader',
  'GET /journey/rules/schema': 'reader',
  'POST /journey/rules/validate': 'reader',
  'GET /journey/rules/{id}': 'reader',
  'GET /journey/rules/{id}/versions': 'reader',
  'GET /journey/rules/{id}/backfill': 'reader',
  'GET /journey/rules/{id}/explain/{userId}': 'reader',
  'GET /journey/context/{userId}': 'reader',
  'GET /journey/participants/{userId}/timeline': 'reader',
  'GET /journey/stats/flags': 'reader',
  'GET /journey/whoami': 'reader',
  'GET /journey/stats/rules': 'reader',
  'POST /journey/events': 'service',
  'POST /journey/flags/{userId}/evaluate': 'service',
};
const RANK: Record<Role, number> = { reader: 1, service: 2, admin: 3 };

const METHODS: Method[] = ['get', 'post', 'put', 'delete', 'patch'];
const concrete = (path: string) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => (/user/i.test(name) ? randomUUID() : name === 'version' ? '1' : `probe-${name}`));

describe(`every route refuses missing and weak keys (${backend})`, () => {
  let t: TestApp;
  let operations: { key: string; method: Method; path: string }[];
  beforeAll(async () => {
    t = await startApp();
    const doc = (await t.http.get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((method) => ({ key: `${method.toUpperCase()} ${path}`, method, path })),
    );
  }, 90_000);
  afterAll(() => t.close());

  it('documents every route the server answers, so none escapes this walk', () => {
    const express = t.app.getHttpAdapter().getInstance() as {
      router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
    };
    const served = express.router.stack
      .filter((layer) => layer.route && !layer.route.path.includes('*') && !layer.route.path.startsWith('/docs'))
      .flatMap((layer) =>
        Object.keys(layer.route!.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`),
      );
    expect(served.length).toBeGreaterThan(10);
    expect(served.filter((route) => !operations.some((o) => o.key === route))).toEqual([]);
  });

  it('lists only routes that exist: the allow-lists are not stale', () => {
    const keys = new Set(operations.map((o) => o.key));
    expect([...PUBLIC, ...Object.keys(WEAKER)].filter((k) => !keys.has(k))).toEqual([]);
  });

  it('refuses every non-public route without a key (401), and a made-up key too', async () => {
    const open: string[] = [];
    for (const { key, method, path } of operations) {
      const url = concrete(path);
      const anonymous = await t.http[method](url);
      const madeUp = await t.http[method](url).set('X-API-Key', 'made-up-key-123456');
      if (PUBLIC.has(key)) {
        expect([key, anonymous.status]).toEqual([key, 200]);
        continue;
      }
      if (anonymous.status !== 401 || madeUp.status !== 401) open.push(`${key}: ${anonymous.status}/${madeUp.status}`);
    }
    expect(open).toEqual([]);
  });

  it('refuses each route to keys below its role (403) and lets the role through', async () => {
    const wrong: string[] = [];
    for (const { key, method, path } of operations) {
      if (PUBLIC.has(key)) continue;
      const needed: Role = WEAKER[key] ?? 'admin';
      for (const role of ['reader', 'service'] as const) {
        const res = await t.http[method](concrete(path)).set('Authorization', `Bearer ${KEYS[role]}`);
        const allowed = RANK[role] >= RANK[needed];
        const refused = res.status === 401 || res.status === 403;
        if (allowed === refused || (!allowed && res.status !== 403)) wrong.push(`${key} with a ${role} key: ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
