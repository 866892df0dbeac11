import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { Check, InstantField } from '../common/dto.js';
import { FlagResponse } from '../flags/flags.dto.js';

const MAX_REASON = 500;
export const MANUAL_FLAG_EXAMPLE = { value: true, expiresAt: '2026-03-01T00:00:00Z', reason: 'Coordinator confirmed readiness by phone' };

/** The body of PUT /journey/flags/:userId/:flag. */
export class ManualFlagBody {
  @ApiProperty({ type: Boolean, example: MANUAL_FLAG_EXAMPLE.value })
  @Check('value', (v) => typeof v === 'boolean', 'is required and must be a boolean')
  value!: boolean;

  @InstantField({
    nullable: true,
    description: 'When the flag falls back to false (optional, in the future)',
    example: MANUAL_FLAG_EXAMPLE.expiresAt,
  })
  expiresAt: number | null = null;

  @ApiProperty({
    type: String,
    minLength: 1,
    maxLength: MAX_REASON,
    description: 'Why the flag is set by hand',
    example: MANUAL_FLAG_EXAMPLE.reason,
  })
  @Check(
    'reason',
    (v) => typeof v === 'string' && v.length > 0 && v.length <= MAX_REASON,
    `is required: why the flag is set by hand (1–${MAX_REASON} characters)`,
  )
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  reason!: string;
}

/** PUT and DELETE /journey/flags/:userId/:flag. */
export class ManualFlagResponse {
  @ApiProperty({ format: 'uuid', example: '7d3f1c2e-0000-4000-8000-000000000001' })
  userId!: string;

  @ApiProperty({
    type: FlagResponse,
    nullable: true,
    description: 'The flag as readers see it now (null: no rule holds it after a hand-back)',
    example: {
      flag: 'mentor_ready',
      value: true,
      setByRule: 'manual',
      setAt: '2025-12-05T10:02:11.530Z',
      expiresAt: '2026-03-01T00:00:00.000Z',
    },
  })
  flag!: FlagResponse | null;
}
