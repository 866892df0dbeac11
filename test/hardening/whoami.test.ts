/**
 * GET /journey/whoami: a client (the console) learns what its key may do from the API itself.
 */
import { startApp, type TestApp } from '../support/app.js';

describe('GET /journey/whoami', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  }, 90_000);
  afterAll(() => t.close());

  it('answers the role and name of the key, and 401 without a known key', async () => {
    for (const role of ['reader', 'service', 'admin'] as const)
      expect((await t.as(role).get('/journey/whoami').expect(200)).body).toEqual({ role, name: role });
    await t.http.get('/journey/whoami').expect(401);
    await t.http.get('/journey/whoami').set('X-API-Key', 'made-up-key-123456').expect(401);
  });

  it('says admin (open) when no keys are configured: everything is allowed then', async () => {
    const open = await startApp({ JOURNEY_API_KEYS: '' });
    try {
      expect((await open.http.get('/journey/whoami').expect(200)).body).toEqual({ role: 'admin', name: 'open' });
    } finally {
      await open.close();
    }
  }, 90_000);
});
