import { Body, Controller, Delete, Param, Put, Req } from '@nestjs/common';
import type { Request } from 'express';
import { authorOf } from '../auth/api-key.guard.js';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/roles.js';
import { PROBLEM_SCHEMA } from '../common/openapi.js';
import { NamePipe, UuidPipe } from '../common/pipes.js';
import { ManualFlagBody, ManualFlagResponse } from './manual-flags.dto.js';
import { ManualFlagsService } from './manual-flags.service.js';

@ApiTags('flags')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('journey/flags')
export class ManualFlagsController {
  constructor(private readonly manual: ManualFlagsService) {}

  @Put(':userId/:flag')
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Set a flag by hand (setByRule: manual): the rules leave it alone until it is handed back',
    description: 'Writes the flag, a history row and an orchestration.flag.updated event with ruleId "manual", in one transaction.',
  })
  @ApiResponse({ status: 200, type: ManualFlagResponse })
  @ApiResponse({ status: 400, description: 'A bad body or flag name: path and reason', schema: PROBLEM_SCHEMA })
  set(@Param('userId', UuidPipe) userId: string, @Param('flag', NamePipe) flag: string, @Body() body: ManualFlagBody, @Req() req: Request) {
    return this.manual.set(userId, flag, body, authorOf(req));
  }

  @Delete(':userId/:flag')
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Hand a manual flag back to the rules: the participant is re-evaluated at once, in the same transaction',
    description: 'A rule whose conditions hold sets the flag; if none does, a set flag falls back to false (history row and event).',
  })
  @ApiResponse({ status: 200, type: ManualFlagResponse })
  @ApiResponse({ status: 404, description: 'The flag is not set by hand', schema: PROBLEM_SCHEMA })
  handBack(@Param('userId', UuidPipe) userId: string, @Param('flag', NamePipe) flag: string, @Req() req: Request) {
    return this.manual.handBack(userId, flag, authorOf(req));
  }
}
