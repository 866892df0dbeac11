import { ConfigError, loadConfig } from './config.js';

describe('Kafka lanes configuration', () => {
  const brokers = { KAFKA_BROKERS: '127.0.0.1:9092' };

  it('runs two transactions at once on PostgreSQL and one on the embedded database (one connection)', () => {
    expect(loadConfig({ ...brokers, DATABASE_URL: 'postgres://db/journey' }).kafka!.lanes).toBe(2);
    expect(loadConfig(brokers).kafka!.lanes).toBe(1);
  });

  it('reads JOURNEY_KAFKA_LANES, and refuses what is not a positive integer', () => {
    expect(loadConfig({ ...brokers, JOURNEY_KAFKA_LANES: '4' }).kafka!.lanes).toBe(4);
    expect(() => loadConfig({ ...brokers, JOURNEY_KAFKA_LANES: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...brokers, JOURNEY_KAFKA_LANES: 'two' })).toThrow(/JOURNEY_KAFKA_LANES/);
  });
});
