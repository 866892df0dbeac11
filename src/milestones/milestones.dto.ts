import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { Check } from '../common/dto.js';
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

const MAX_METADATA = 10_000;
const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The body of POST /journey/milestones/:userId/:milestone (optional: no body is no metadata). */
export class ManualMilestoneBody {
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: MANUAL_MILESTONE_EXAMPLE.metadata })
  @Check('metadataSize', (v) => JSON.stringify(v).length <= MAX_METADATA, `must serialise to at most ${MAX_METADATA} characters`)
  @Check('metadata', isObject, 'must be an object')
  @Transform(({ value }: { value: unknown }) => value ?? {})
  metadata: Record<string, unknown> = {};
}

export function toMilestoneResponse(m: MilestoneRow) {
  return {
    milestone: m.milestone,
    reachedAt: m.reachedAt.toISOString(),
    occurredAt: m.occurredAt.toISOString(),
    triggeredByRule: m.triggeredByRule,
    metadata: m.metadata,
  };
}
