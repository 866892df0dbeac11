import { parseApiKeys } from './config.js';

describe('JOURNEY_API_KEYS', () => {
  it.each([
    ['admin:secret-key-1', { role: 'admin', name: 'admin', key: 'secret-key-1' }],
    ['reader:bob:secret-key-2', { role: 'reader', name: 'bob', key: 'secret-key-2' }],
    ['service: ingest-1 :secret-key-3', { role: 'service', name: 'service', key: 'ingest-1 :secret-key-3' }],
    ['admin:ops@example.org:k3y:with:colons', { role: 'admin', name: 'ops@example.org', key: 'k3y:with:colons' }],
  ])('%s', (raw, expected) => {
    expect(parseApiKeys(raw)).toEqual([expected]);
  });

  it.each(['nobody:name:secret-key', 'admin:name:short', 'admin'])('rejects %s with its position', (raw) => {
    expect(() => parseApiKeys(raw)).toThrow(/JOURNEY_API_KEYS\[0\]/);
  });
});
