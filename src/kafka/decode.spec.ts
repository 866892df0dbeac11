import { randomUUID } from 'node:crypto';
import { decodeMessage } from './decode.js';

const session = (extra: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  type: 'kintell.session.completed',
  version: 'v1',
  timestamp: '2025-01-15T10:30:00Z',
  data: {
    sessionId: 's-1',
    sessionType: 'language',
    participantId: randomUUID(),
    volunteerId: 'v-1',
    completedAt: '2025-01-15T10:30:00Z',
    durationMinutes: 45,
    rating: 5,
  },
  ...extra,
});
const buf = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe('decodeMessage', () => {
  it.each([
    ['an empty message', null, 'not-json'],
    ['text that is not JSON', buf('{"id": '), 'not-json'],
    ['a JSON array', buf([session()]), 'not-an-envelope'],
    ['a JSON string', buf('"hello"'), 'not-an-envelope'],
    ['an object without id and data', buf({ type: 'kintell.session.completed', timestamp: '2025-01-15T10:30:00Z' }), 'not-an-envelope'],
    ['an unknown type', buf(session({ type: 'kintell.session.started' })), 'unknown-type'],
    ['a payload that breaks the schema', buf(session({ data: { ...session().data, rating: 9 } })), 'schema-invalid'],
    ['a bad id', buf(session({ id: 'not-a-uuid' })), 'schema-invalid'],
    ['another type than the topic', buf({ ...session(), type: 'kintell.rating.created' }), 'schema-invalid'],
  ])('%s is poison', (_name, value, code) => {
    const d = decodeMessage(value, 'kintell.session.completed');
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.code).toBe(code);
      expect(d.reason.length).toBeGreaterThan(0);
    }
  });

  it('a valid event on the topic of another type is poison (topic-mismatch)', () => {
    const d = decodeMessage(buf(session()), 'kintell.rating.created');
    expect(d).toMatchObject({ ok: false, code: 'topic-mismatch' });
  });

  it('a valid event of the topic type passes, unknown extra fields kept', () => {
    const e = session({ extra: 1 });
    const d = decodeMessage(buf(e), 'kintell.session.completed');
    expect(d).toEqual({ ok: true, event: e });
  });

  it('names the field and the reason of a schema problem', () => {
    const d = decodeMessage(buf(session({ data: { ...session().data, rating: 9 } })), 'kintell.session.completed');
    expect(d.ok || d.reason).toMatch(/data\.rating/);
  });
});
