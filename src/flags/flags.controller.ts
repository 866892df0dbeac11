import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/roles.js';
import { Clock } from '../common/clock.js';
import { UuidPipe } from '../common/pipes.js';
import { FlagsRepository } from './flags.repository.js';
import { FlagHistoryResponse, FlagsResponse, toFlagsResponse, toHistoryResponse } from './flags.dto.js';

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
  @ApiResponse({ status: 200, type: FlagsResponse })
  async list(@Param('userId', UuidPipe) userId: string): Promise<FlagsResponse> {
    return toFlagsResponse(userId, await this.flags.findByUser(userId), this.clock.now());
  }

  @Get(':userId/history')
  @RequireRole('reader')
  @ApiOperation({ summary: 'Every change of every flag of a participant, oldest first' })
  @ApiResponse({ status: 200, type: FlagHistoryResponse })
  async history(@Param('userId', UuidPipe) userId: string): Promise<FlagHistoryResponse> {
    return toHistoryResponse(userId, await this.flags.findHistory(userId));
  }
}
