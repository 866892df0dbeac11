import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/roles.js';
import { UuidPipe } from '../common/pipes.js';
import { ContextService } from './context.service.js';

@ApiTags('context')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('journey/context')
export class ContextController {
  constructor(private readonly context: ContextService) {}

  @Get(':userId')
  @RequireRole('reader')
  @ApiOperation({ summary: 'What the rules see for a participant: every entity with its records and derived fields' })
  @ApiResponse({
    status: 200,
    schema: {
      type: 'object',
      properties: {
        userId: { type: 'string', format: 'uuid' },
        known: { type: 'boolean', description: 'Whether any event of this participant was seen' },
        firstSeenAt: { type: 'string', format: 'date-time', nullable: true },
        entities: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            properties: { records: { type: 'array', items: { type: 'object' } }, derived: { type: 'object' } },
          },
        },
      },
    },
  })
  describe(@Param('userId', UuidPipe) userId: string) {
    return this.context.describe(userId);
  }
}
