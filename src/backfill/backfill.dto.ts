import { ApiProperty } from '@nestjs/swagger';
import { CUSTOM_RULE } from '../common/examples.js';
import type { BackfillStatus } from './backfill.entity.js';
import type { Backfill } from './backfill.repository.js';

/** POST /journey/rules/preview: what a rule would do now, over every known participant. */
export class PreviewResponse {
  @ApiProperty({ type: 'integer', description: 'Participants whose conditions hold now', example: 12 })
  matching!: number;

  @ApiProperty({ type: 'integer', description: 'Known participants evaluated', example: 2000 })
  evaluated!: number;

  @ApiProperty({ type: 'integer', description: 'Flags the rule would set (changes of value only)', example: 12 })
  wouldSet!: number;

  @ApiProperty({ type: 'integer', description: 'Flags the rule would clear', example: 0 })
  wouldClear!: number;

  @ApiProperty({
    type: [String],
    format: 'uuid',
    maxItems: 20,
    description: 'The first matching participants',
    example: ['7d3f1c2e-0000-4000-8000-000000000001', '7d3f1c2e-0000-4000-8000-000000000005'],
  })
  sample!: string[];
}

/** GET /journey/rules/:id/backfill. */
export class BackfillResponse {
  @ApiProperty({ example: CUSTOM_RULE.id })
  ruleId!: string;

  @ApiProperty({ enum: ['running', 'completed', 'failed'], example: 'completed' })
  status!: BackfillStatus;

  @ApiProperty({ type: 'integer', nullable: true, description: 'The rule version being backfilled', example: 1 })
  ruleVersion!: number | null;

  @ApiProperty({ type: 'integer', example: 2000 })
  processed!: number;

  @ApiProperty({ type: 'integer', description: 'Known participants when the backfill started', example: 2000 })
  total!: number;

  @ApiProperty({ format: 'date-time', example: '2025-12-05T09:41:07.118Z' })
  startedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2025-12-05T09:41:09.530Z' })
  finishedAt!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  error!: string | null;
}

export function toBackfillResponse(b: Backfill): BackfillResponse {
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
