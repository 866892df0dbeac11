import { FLAGS_EXAMPLE } from '../common/examples.js';
import type { FlagRow, HistoryRow } from './flags.repository.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const FLAG_SCHEMA = {
  type: 'object',
  properties: {
    flag: { type: 'string', example: 'mentor_ready' },
    value: { type: 'boolean' },
    setByRule: { type: 'string', example: 'mentor_ready_001' },
    setAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time', nullable: true },
  },
};
export const FLAGS_RESPONSE_SCHEMA = {
  type: 'object',
  properties: { userId: { type: 'string', format: 'uuid' }, flags: { type: 'array', items: FLAG_SCHEMA }, count: { type: 'integer' } },
  example: FLAGS_EXAMPLE,
};
export const HISTORY_RESPONSE_SCHEMA = {
  type: 'object',
  properties: {
    userId: { type: 'string', format: 'uuid' },
    history: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          flag: { type: 'string' },
          value: { type: 'boolean' },
          previousValue: { type: 'boolean', nullable: true },
          setByRule: { type: 'string', description: 'The rule that decided, or manual' },
          ruleVersion: { type: 'integer', nullable: true },
          reason: { type: 'string' },
          causedBy: { type: 'string', format: 'uuid', nullable: true, description: 'The input event behind the change' },
          explanation: { type: 'object', description: 'Condition trace of the deciding rule, or why the flag was cleared' },
          changedAt: { type: 'string', format: 'date-time', description: 'When the service decided' },
          occurredAt: {
            type: 'string',
            format: 'date-time',
            description:
              "Program time of the cause: the latest causing event's timestamp, a time flip's due instant, or the moment of a manual action",
          },
        },
      },
    },
    count: { type: 'integer' },
  },
};

/** A flag as readers see it: an expired flag is never reported as set. */
export function toFlagResponse(f: FlagRow, now: number) {
  const expired = f.expiresAt !== null && f.expiresAt.getTime() <= now;
  return { flag: f.flag, value: f.value && !expired, setByRule: f.setByRule, setAt: iso(f.setAt), expiresAt: iso(f.expiresAt) };
}

export function toHistoryResponse(h: HistoryRow) {
  return { ...h, changedAt: iso(h.changedAt), occurredAt: iso(h.occurredAt) };
}
