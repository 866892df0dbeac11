import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/roles.js';
import { PROBLEM_SCHEMA } from '../common/openapi.js';
import { UuidPipe } from '../common/pipes.js';
import { TIMELINE_KINDS_DESCRIPTION, TIMELINE_RESPONSE_SCHEMA } from './timeline.dto.js';
import { DEFAULT_LIMIT, MAX_LIMIT, parseTimelineQuery } from './timeline.query.js';
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
  @ApiQuery({ name: 'limit', required: false, description: `Entries per page, 1–${MAX_LIMIT} (default ${DEFAULT_LIMIT})` })
  @ApiQuery({ name: 'before', required: false, description: 'The `next` of the previous page' })
  @ApiQuery({ name: 'kinds', required: false, description: TIMELINE_KINDS_DESCRIPTION, example: 'event,flag' })
  @ApiQuery({ name: 'from', required: false, description: 'Entries at or after this instant (ISO 8601)' })
  @ApiQuery({ name: 'to', required: false, description: 'Entries before this instant (ISO 8601); not before `from`' })
  @ApiResponse({ status: 200, schema: TIMELINE_RESPONSE_SCHEMA })
  @ApiResponse({ status: 400, description: 'A bad cursor, kind, limit or range: path and reason of each problem', schema: PROBLEM_SCHEMA })
  page(@Param('userId', UuidPipe) userId: string, @Query() query: Record<string, unknown>) {
    return this.timeline.page(userId, parseTimelineQuery(query));
  }
}
