import { ConfigError, loadConfig } from './config.js';

describe('retention configuration', () => {
  it('keeps events 400 days, published outputs 7, the audit trail for ever, by default', () => {
    expect(loadConfig({}).retention).toEqual({ eventDays: 400, outboxDays: 7, historyDays: null, intervalMs: 3_600_000, batchSize: 5000 });
  });

  it('reads each variable', () => {
    const env = {
      JOURNEY_EVENT_RETENTION_DAYS: '30',
      JOURNEY_OUTBOX_RETENTION_DAYS: '1',
      JOURNEY_HISTORY_RETENTION_DAYS: '3650',
      JOURNEY_RETENTION_INTERVAL_MS: '0',
      JOURNEY_RETENTION_BATCH_SIZE: '100',
    };
    expect(loadConfig(env).retention).toEqual({ eventDays: 30, outboxDays: 1, historyDays: 3650, intervalMs: 0, batchSize: 100 });
  });

  it.each([
    ['JOURNEY_EVENT_RETENTION_DAYS', '0'],
    ['JOURNEY_OUTBOX_RETENTION_DAYS', 'a week'],
    ['JOURNEY_HISTORY_RETENTION_DAYS', '-1'],
    ['JOURNEY_RETENTION_BATCH_SIZE', '0'],
  ])('refuses %s=%s at start-up', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
