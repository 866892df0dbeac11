import { Body, Controller, Delete, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/roles.js';
import { Clock } from '../common/clock.js';
import { PROBLEM_SCHEMA } from '../common/openapi.js';
import { UuidPipe } from '../common/pipes.js';
import { checkFlagName, MANUAL_FLAG_BODY_SCHEMA, MANUAL_FLAG_RESPONSE_SCHEMA, parseManualFlagBody } from './manual-flags.dto.js';
import { ManualFlagsService } from './manual-flags.service.js';

@ApiTags('flags')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('journey/flags')
export class ManualFlagsController {
  constructor(
    private readonly manual: ManualFlagsService,
    private readonly clock: Clock,
  ) {}

  @Put(':userId/:flag')
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Set a flag by hand (setByRule: manual): the rules leave it alone until it is handed back',
    description: 'Writes the flag, a history row and an orchestration.flag.updated event with ruleId "manual", in one transaction.',
  })
  @ApiBody({ schema: MANUAL_FLAG_BODY_SCHEMA })
  @ApiResponse({ status: 200, schema: MANUAL_FLAG_RESPONSE_SCHEMA })
  @ApiResponse({ status: 400, description: 'A bad body or flag name: path and reason', schema: PROBLEM_SCHEMA })
  set(@Param('userId', UuidPipe) userId: string, @Param('flag') flag: string, @Body() body: unknown) {
    return this.manual.set(userId, checkFlagName(flag), parseManualFlagBody(body, this.clock.now()));
  }

  @Delete(':userId/:flag')
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Hand a manual flag back to the rules: the participant is re-evaluated at once, in the same transaction',
    description: 'A rule whose conditions hold sets the flag; if none does, a set flag falls back to false (history row and event).',
  })
  @ApiResponse({ status: 200, schema: MANUAL_FLAG_RESPONSE_SCHEMA })
  @ApiResponse({ status: 404, description: 'The flag is not set by hand', schema: PROBLEM_SCHEMA })
  handBack(@Param('userId', UuidPipe) userId: string, @Param('flag') flag: string) {
    return this.manual.handBack(userId, checkFlagName(flag));
  }
}
