import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/roles.js';
import { Clock } from '../common/clock.js';
import { UuidPipe } from '../common/pipes.js';
import { FlagsRepository } from './flags.repository.js';
import { FLAGS_RESPONSE_SCHEMA, HISTORY_RESPONSE_SCHEMA, toFlagResponse, toHistoryResponse } from './flags.dto.js';

@ApiTags('flags')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('journey/flags')
export class FlagsController {
  constructor(
    private readonly flags: FlagsRepository,
    private readonly clock: Clock,
  ) {}

  @Get(':userId')
  @RequireRole('reader')
  @ApiOperation({ summary: "A participant's journey flags with their current value (cleared and expired flags are false)" })
  @ApiResponse({ status: 200, schema: FLAGS_RESPONSE_SCHEMA })
  async list(@Param('userId', UuidPipe) userId: string) {
    const now = this.clock.now();
    const flags = (await this.flags.findByUser(userId)).map((f) => toFlagResponse(f, now));
    return { userId, flags, count: flags.length };
  }

  @Get(':userId/history')
  @RequireRole('reader')
  @ApiOperation({ summary: 'Every change of every flag of a participant, oldest first' })
  @ApiResponse({ status: 200, schema: HISTORY_RESPONSE_SCHEMA })
  async history(@Param('userId', UuidPipe) userId: string) {
    const history = (await this.flags.findHistory(userId)).map(toHistoryResponse);
    return { userId, history, count: history.length };
  }
}
