import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/roles.js';
import { Clock } from '../common/clock.js';
import { PROBLEM_SCHEMA } from '../common/openapi.js';
import { FLAG_STATS_SCHEMA, MAX_POINTS, parseStatsQuery, RULE_STATS_SCHEMA } from './stats.dto.js';
import { StatsService } from './stats.service.js';

const from = { name: 'from', required: false, example: '2026-05-01T00:00:00Z', description: 'Default: 7 days before `to`' };
const to = { name: 'to', required: false, example: '2026-05-03T00:00:00Z', description: 'Default: now' };
const bucket = { name: 'bucket', required: false, enum: ['hour', 'day', 'week'], description: 'Default: day (UTC; weeks start on Monday)' };
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
  constructor(
    private readonly stats: StatsService,
    private readonly clock: Clock,
  ) {}

  @Get('flags')
  @RequireRole('reader')
  @ApiOperation({
    summary: 'Flag trends: holders at the end of each bucket, sets and clears within it',
    description: 'Hourly resolution: from is floored and to rounded up to their buckets. Read from rollups kept in each decision.',
  })
  @ApiQuery(from)
  @ApiQuery(to)
  @ApiQuery(bucket)
  @ApiResponse({ status: 200, schema: FLAG_STATS_SCHEMA })
  @ApiResponse(bad)
  flags(@Query() query: Record<string, unknown>) {
    return this.stats.flags(parseStatsQuery(query, this.clock.now()));
  }

  @Get('rules')
  @RequireRole('reader')
  @ApiOperation({ summary: 'Rule trends: how often each rule (per version) rose and ran its actions, per bucket' })
  @ApiQuery(from)
  @ApiQuery(to)
  @ApiQuery(bucket)
  @ApiResponse({ status: 200, schema: RULE_STATS_SCHEMA })
  @ApiResponse(bad)
  rules(@Query() query: Record<string, unknown>) {
    return this.stats.rules(parseStatsQuery(query, this.clock.now()));
  }
}
