import type { Backfill } from './backfill.repository.js';

export const PREVIEW_RESPONSE_SCHEMA = {
  type: 'object',
  properties: {
    matching: { type: 'integer', description: 'Participants whose conditions hold now' },
    evaluated: { type: 'integer', description: 'Known participants evaluated' },
    wouldSet: { type: 'integer', description: 'Flags the rule would set (changes of value only)' },
    wouldClear: { type: 'integer', description: 'Flags the rule would clear' },
    sample: { type: 'array', maxItems: 20, items: { type: 'string', format: 'uuid' }, description: 'The first matching participants' },
  },
};

export const BACKFILL_RESPONSE_SCHEMA = {
  type: 'object',
  properties: {
    ruleId: { type: 'string' },
    status: { type: 'string', enum: ['running', 'completed', 'failed'] },
    ruleVersion: { type: 'integer', nullable: true, description: 'The rule version being backfilled' },
    processed: { type: 'integer' },
    total: { type: 'integer', description: 'Known participants when the backfill started' },
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time', nullable: true },
    error: { type: 'string', nullable: true },
  },
};

export function toBackfillResponse(b: Backfill) {
  return {
    ruleId: b.ruleId,
    status: b.status,
    ruleVersion: b.ruleVersion,
    processed: b.processed,
    total: b.total,
    startedAt: b.startedAt.toISOString(),
    finishedAt: b.finishedAt ? b.finishedAt.toISOString() : null,
    error: b.error,
  };
}
