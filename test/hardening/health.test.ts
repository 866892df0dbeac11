/**
 * Liveness and readiness: what an orchestrator's probes see while the service starts, runs, loses its
 * database or has a component in trouble.
 */
import type { Response } from 'express';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { HealthController } from '../../src/health/health.controller.js';
import { HealthRegistry } from '../../src/health/health.registry.js';
import { backend, startApp, TEST_LOG_LEVEL, type TestApp } from '../support/app.js';

describe(`health probes (${backend})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  }, 90_000);
  afterAll(() => t.close());

  it('answers live, ready and the summary, open to all; the summary keeps its old shape', async () => {
    expect((await t.http.get('/health/live').expect(200)).body).toMatchObject({ status: 'ok', info: { process: { status: 'up' } } });
    expect((await t.http.get('/health/ready').expect(200)).body).toMatchObject({
      status: 'ok',
      checks: { startup: 'up', database: 'up' },
      info: { database: { status: 'up' } },
      error: {},
    });
    expect((await t.http.get('/health').expect(200)).body).toMatchObject({ status: 'ok', checks: { database: 'up' } });
  });

  it('is not ready while a registered component reports unhealthy or fails, and ready again once it recovers', async () => {
    let state: { healthy: boolean; lag?: number } = { healthy: false, lag: 12 };
    const registry = t.app.get(HealthRegistry);
    registry.register('probe', () => state);
    registry.register('broken', () => {
      if (!state.healthy) throw new Error('cannot reach the thing');
      return { healthy: true };
    });
    const down = await t.http.get('/health/ready').expect(503);
    expect(down.body).toMatchObject({
      status: 'error',
      checks: { database: 'up', probe: { healthy: false, lag: 12 }, broken: { healthy: false, message: 'cannot reach the thing' } },
      error: { probe: { status: 'down' }, broken: { status: 'down' } },
    });
    expect((await t.http.get('/health').expect(503)).body.status).toBe('error');
    // Liveness does not depend on others: restarting this process would not heal them.
    await t.http.get('/health/live').expect(200);
    state = { healthy: true };
    expect((await t.http.get('/health/ready').expect(200)).body.checks).toMatchObject({
      probe: { healthy: true },
      broken: { healthy: true },
    });
    expect(() => registry.register('database', () => state)).toThrow(/already/);
  });
});

describe(`readiness around start-up and the database (${backend})`, () => {
  /** Calls a probe handler directly, as the HTTP server does not listen before start-up is over. */
  const call = async (probe: (res: Response) => Promise<void>) => {
    const answer: { status?: number; body?: unknown } = {};
    const res = {
      status(code: number) {
        answer.status = code;
        return this;
      },
      json(body: unknown) {
        answer.body = body;
        return this;
      },
    };
    await probe(res as unknown as Response);
    return answer;
  };

  it('is not ready until start-up (migrations included) is over, nor once the database is gone', async () => {
    // The second app's embedded database starts in this process and may block its event loop for
    // seconds on a busy machine: that is not what this test is about.
    const t = await startApp({ JOURNEY_LIVE_MAX_STALL_MS: '120000' });
    // A second app, built (its migrations ran) but not started yet: its probes say so.
    const env = { NODE_ENV: 'test', LOG_LEVEL: TEST_LOG_LEVEL, JOURNEY_DATA_DIR: ':memory:', JOURNEY_SCHEDULER_INTERVAL_MS: '0' };
    const app = await createApp(loadConfig({ ...env, ...(t.config.databaseUrl ? { DATABASE_URL: t.config.databaseUrl } : {}) }));
    try {
      const health = app.get(HealthController);
      const starting = await call((res) => health.ready(res));
      expect(starting).toMatchObject({
        status: 503,
        body: { checks: { startup: 'down' }, error: { startup: { message: expect.stringContaining('migrations') } } },
      });
      await app.init();
      expect((await call((res) => health.ready(res))).status).toBe(200);
    } finally {
      await app.close();
    }

    await t.db.destroy();
    const lost = await t.http.get('/health/ready').expect(503);
    expect(lost.body).toMatchObject({
      status: 'error',
      checks: { database: 'down', startup: 'up' },
      error: { database: { status: 'down' } },
    });
    await t.http.get('/health').expect(503);
    await t.http.get('/health/live').expect(200);
    await t.close();
  }, 180_000);
});

describe(`liveness notices a stalled event loop (${backend})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ JOURNEY_LIVE_MAX_STALL_MS: '300' });
  }, 90_000);
  afterAll(() => t.close());

  /** Blocks the event loop as a runaway synchronous computation would. */
  const block = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };

  it('answers 503 after the loop was blocked beyond the limit, and 200 again once the window has passed', async () => {
    await t.http.get('/health/live').expect(200);
    block(900);
    const stalled = await t.http.get('/health/live').expect(503);
    expect(stalled.body).toMatchObject({
      status: 'error',
      error: { process: { status: 'down', eventLoop: { limitMs: 300, windowMs: 3000, stalledMs: expect.any(Number) } } },
    });
    expect(stalled.body.error.process.eventLoop.stalledMs).toBeGreaterThanOrEqual(700);
    // Short pauses (under the limit) are not stalls; the stall ages out after ten times the limit.
    const deadline = Date.now() + 10_000;
    let status = 503;
    while (status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await t.http.get('/health/live')).status;
    }
    expect(status).toBe(200);
    expect(Date.now()).toBeGreaterThan(deadline - 10_000 + 2_000);
  }, 30_000);
});
