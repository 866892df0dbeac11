import { MANUAL_MILESTONE_EXAMPLE } from '../common/examples.js';
import type { MilestoneRow } from './milestones.repository.js';

export const MILESTONE_SCHEMA = {
  type: 'object',
  properties: {
    milestone: { type: 'string', example: 'mentor_ready' },
    reachedAt: { type: 'string', format: 'date-time', description: 'When the service decided' },
    occurredAt: {
      type: 'string',
      format: 'date-time',
      description:
        "Program time of the cause: the latest causing event's timestamp, a time flip's due instant, or the moment of a manual action",
    },
    triggeredByRule: { type: 'string', example: 'mentor_ready_001' },
    metadata: { type: 'object', example: { reason: 'Completed 3+ language sessions' } },
  },
};

export const MANUAL_MILESTONE_BODY = {
  type: 'object',
  properties: { metadata: { type: 'object' } },
  additionalProperties: false,
  example: MANUAL_MILESTONE_EXAMPLE,
};

export function toMilestoneResponse(m: MilestoneRow) {
  return {
    milestone: m.milestone,
    reachedAt: m.reachedAt.toISOString(),
    occurredAt: m.occurredAt.toISOString(),
    triggeredByRule: m.triggeredByRule,
    metadata: m.metadata,
  };
}
