import { EVENT_TYPES, type EventEnvelope } from '../contracts/events.js';
import { formatProblems, validateEvent } from '../contracts/validation.js';

/** Why a message went to the dead-letter topic; the first word of its `x-dlq-reason` header. */
export type PoisonCode =
  'not-json' | 'not-an-envelope' | 'unknown-type' | 'schema-invalid' | 'topic-mismatch' | 'rejected-by-database' | 'failed-to-apply';

export type Decoded = { ok: true; event: EventEnvelope } | { ok: false; code: PoisonCode; reason: string };

const ENVELOPE_FIELDS = new Set(['id', 'type', 'timestamp', 'data']);

/**
 * One Kafka message → a valid input event of the topic's type, or why it is poison.
 * Decided here, before any handler: a message that can never be applied must not block its partition.
 */
export function decodeMessage(value: Buffer | null, topicType: string | undefined): Decoded {
  if (value === null || value.length === 0) return { ok: false, code: 'not-json', reason: 'empty message' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (e) {
    return { ok: false, code: 'not-json', reason: (e as Error).message };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return {
      ok: false,
      code: 'not-an-envelope',
      reason: `expected a JSON object, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}`,
    };
  }
  const type = (parsed as { type?: unknown }).type;
  if (typeof type === 'string' && !(EVENT_TYPES as string[]).includes(type)) {
    return { ok: false, code: 'unknown-type', reason: `unknown event type "${type}"` };
  }
  const result = validateEvent(parsed);
  if (!result.ok) {
    const envelopeBroken = result.problems.some((p) => p.path === '' || (ENVELOPE_FIELDS.has(p.path) && p.reason === 'is required'));
    return { ok: false, code: envelopeBroken ? 'not-an-envelope' : 'schema-invalid', reason: formatProblems(result.problems) };
  }
  if (result.event.type !== topicType) {
    return { ok: false, code: 'topic-mismatch', reason: `a ${result.event.type} event on the topic of ${topicType ?? 'another type'}` };
  }
  return { ok: true, event: result.event };
}

/** The `x-dlq-reason` header: `code: detail`, bounded. */
export function dlqReason(code: PoisonCode, reason: string): string {
  const text = `${code}: ${reason}`;
  return text.length > 1000 ? `${text.slice(0, 997)}...` : text;
}
