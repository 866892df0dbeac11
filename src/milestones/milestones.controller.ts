import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { authorOf } from '../auth/api-key.guard.js';
import { RequireRole } from '../auth/roles.js';
import { PROBLEM_SCHEMA } from '../common/openapi.js';
import { NamePipe, UuidPipe } from '../common/pipes.js';
import { MilestonesService } from './milestones.service.js';
import {
  ManualMilestoneBody,
  ManualMilestoneResponse,
  MilestonesResponse,
  toMilestoneResponse,
  toMilestonesResponse,
} from './milestones.dto.js';

@ApiTags('milestones')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('journey/milestones')
export class MilestonesController {
  constructor(private readonly milestones: MilestonesService) {}

  @Get(':userId')
  @RequireRole('reader')
  @ApiOperation({ summary: 'Milestones a participant has reached' })
  @ApiResponse({ status: 200, type: MilestonesResponse })
  async list(@Param('userId', UuidPipe) userId: string): Promise<MilestonesResponse> {
    return toMilestonesResponse(userId, await this.milestones.list(userId));
  }

  @Post(':userId/:milestone')
  @RequireRole('admin')
  @ApiOperation({ summary: 'Record a milestone by hand (triggeredByRule: manual); a repeat returns the existing one' })
  @ApiBody({ type: ManualMilestoneBody, required: false })
  @ApiResponse({
    status: 201,
    description: 'Recorded now',
    type: ManualMilestoneResponse,
  })
  @ApiResponse({ status: 200, description: 'Already reached: the existing milestone', type: ManualMilestoneResponse })
  @ApiResponse({ status: 400, schema: PROBLEM_SCHEMA })
  async reach(
    @Param('userId', UuidPipe) userId: string,
    @Param('milestone', NamePipe) milestone: string,
    @Body() body: ManualMilestoneBody,
    @Res({ passthrough: true }) res: Response,
    @Req() req: Request,
  ) {
    const { created, milestone: m } = await this.milestones.reachManually(userId, milestone, body.metadata, authorOf(req));
    res.status(created ? 201 : 200);
    return { success: true, milestone: toMilestoneResponse(m) };
  }
}
