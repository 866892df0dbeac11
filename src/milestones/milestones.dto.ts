import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { Check } from '../common/dto.js';
import { MANUAL_MILESTONE_EXAMPLE, MILESTONES_EXAMPLE } from '../common/examples.js';
import type { MilestoneRow } from './milestones.repository.js';

const [SEED_MILESTONE] = MILESTONES_EXAMPLE.milestones;

/** A milestone a participant has reached. */
export class MilestoneResponse {
  @ApiProperty({ example: SEED_MILESTONE.milestone })
  milestone!: string;

  @ApiProperty({ format: 'date-time', description: 'When the service decided', example: SEED_MILESTONE.reachedAt })
  reachedAt!: string;

  @ApiProperty({
    format: 'date-time',
    description:
      "Program time of the cause: the latest causing event's timestamp, a time flip's due instant, or the moment of a manual action",
    example: SEED_MILESTONE.reachedAt,
  })
  occurredAt!: string;

  @ApiProperty({ description: 'The rule that reached it, or manual', example: SEED_MILESTONE.triggeredByRule })
  triggeredByRule!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, example: SEED_MILESTONE.metadata })
  metadata!: Record<string, unknown>;
}

/** GET /journey/milestones/:userId. */
export class MilestonesResponse {
  @ApiProperty({ format: 'uuid', example: MILESTONES_EXAMPLE.userId })
  userId!: string;

  @ApiProperty({ type: [MilestoneResponse] })
  milestones!: MilestoneResponse[];

  @ApiProperty({ type: 'integer', example: MILESTONES_EXAMPLE.count })
  count!: number;
}

/** POST /journey/milestones/:userId/:milestone. */
export class ManualMilestoneResponse {
  @ApiProperty({ example: true })
  success!: boolean;

  @ApiProperty({ type: MilestoneResponse })
  milestone!: MilestoneResponse;
}

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

export function toMilestoneResponse(m: MilestoneRow): MilestoneResponse {
  return {
    milestone: m.milestone,
    reachedAt: m.reachedAt.toISOString(),
    occurredAt: m.occurredAt.toISOString(),
    triggeredByRule: m.triggeredByRule,
    metadata: m.metadata,
  };
}

export function toMilestonesResponse(userId: string, rows: MilestoneRow[]): MilestonesResponse {
  const milestones = rows.map(toMilestoneResponse);
  return { userId, milestones, count: milestones.length };
}
