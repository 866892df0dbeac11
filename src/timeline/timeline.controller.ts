import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/roles.js';
import { PROBLEM_SCHEMA } from '../common/openapi.js';
import { UuidPipe } from '../common/pipes.js';
import { TIMELINE_RESPONSE_SCHEMA } from './timeline.dto.js';
import { TimelineQuery } from './timeline.query.js';
import { TimelineService } from './timeline.service.js';

@ApiTags('participants')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('journey/participants')
export class TimelineController {
  constructor(private readonly timeline: TimelineService) {}

  @Get(':userId/timeline')
  @RequireRole('reader')
  @ApiOperation({
    summary: 'What happened to a participant, in program time, newest first: events, flag changes (and why), milestones, outputs',
  })
  @ApiResponse({ status: 200, schema: TIMELINE_RESPONSE_SCHEMA })
  @ApiResponse({ status: 400, description: 'A bad cursor, kind, limit or range: path and reason of each problem', schema: PROBLEM_SCHEMA })
  page(@Param('userId', UuidPipe) userId: string, @Query() query: TimelineQuery) {
    return this.timeline.page(userId, query);
  }
}
