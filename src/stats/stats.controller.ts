import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/roles.js';
import { PROBLEM_SCHEMA } from '../common/openapi.js';
import { FlagStatsResponse, MAX_POINTS, RuleStatsResponse, StatsQuery } from './stats.dto.js';
import { StatsService } from './stats.service.js';

const bad = {
  status: 400,
  description: `from after to, an unknown bucket or parameter, a bad date, more than ${MAX_POINTS} points: path and reason`,
  schema: PROBLEM_SCHEMA,
};

@ApiTags('stats')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('journey/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get('flags')
  @RequireRole('reader')
  @ApiOperation({
    summary: 'Flag trends: holders at the end of each bucket, sets and clears within it',
    description: 'Hourly resolution: from is floored and to rounded up to their buckets. Read from rollups kept in each decision.',
  })
  @ApiResponse({ status: 200, type: FlagStatsResponse })
  @ApiResponse(bad)
  flags(@Query() query: StatsQuery) {
    return this.stats.flags(query);
  }

  @Get('rules')
  @RequireRole('reader')
  @ApiOperation({ summary: 'Rule trends: how often each rule (per version) rose and ran its actions, per bucket' })
  @ApiResponse({ status: 200, type: RuleStatsResponse })
  @ApiResponse(bad)
  rules(@Query() query: StatsQuery) {
    return this.stats.rules(query);
  }
}
