import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequireRole } from '../auth/roles.js';
import { invalid } from '../common/errors.js';
import { MILESTONES_EXAMPLE } from '../common/examples.js';
import { PROBLEM_SCHEMA } from '../common/openapi.js';
import { UuidPipe } from '../common/pipes.js';
import { MilestonesService } from './milestones.service.js';
import { MANUAL_MILESTONE_BODY, MILESTONE_SCHEMA, toMilestoneResponse } from './milestones.dto.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

@ApiTags('milestones')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('journey/milestones')
export class MilestonesController {
  constructor(private readonly milestones: MilestonesService) {}

  @Get(':userId')
  @RequireRole('reader')
  @ApiOperation({ summary: 'Milestones a participant has reached' })
  @ApiResponse({
    status: 200,
    schema: {
      type: 'object',
      properties: { userId: { type: 'string' }, milestones: { type: 'array', items: MILESTONE_SCHEMA }, count: { type: 'integer' } },
      example: MILESTONES_EXAMPLE,
    },
  })
  async list(@Param('userId', UuidPipe) userId: string) {
    const milestones = (await this.milestones.list(userId)).map(toMilestoneResponse);
    return { userId, milestones, count: milestones.length };
  }

  @Post(':userId/:milestone')
  @RequireRole('admin')
  @ApiOperation({ summary: 'Record a milestone by hand (triggeredByRule: manual); a repeat returns the existing one' })
  @ApiBody({ schema: MANUAL_MILESTONE_BODY, required: false })
  @ApiResponse({
    status: 201,
    description: 'Recorded now',
    schema: { type: 'object', properties: { success: { type: 'boolean' }, milestone: MILESTONE_SCHEMA } },
  })
  @ApiResponse({ status: 200, description: 'Already reached: the existing milestone' })
  @ApiResponse({ status: 400, schema: PROBLEM_SCHEMA })
  async reach(
    @Param('userId', UuidPipe) userId: string,
    @Param('milestone') milestone: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (!NAME.test(milestone))
      throw invalid('invalid milestone name', [
        { path: 'milestone', reason: 'must be 1–100 letters, digits, _ . - (starting with a letter or digit)' },
      ]);
    const metadata = manualMetadata(body);
    const { created, milestone: m } = await this.milestones.reachManually(userId, milestone, metadata);
    res.status(created ? 201 : 200);
    return { success: true, milestone: toMilestoneResponse(m) };
  }
}

function manualMetadata(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0))
    return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw invalid('the body must be a JSON object', [{ path: '', reason: 'must be an object' }]);
  const extra = Object.keys(body).filter((k) => k !== 'metadata');
  if (extra.length)
    throw invalid(
      'unknown fields',
      extra.map((k) => ({ path: k, reason: 'is not allowed (unknown field)' })),
    );
  const metadata = (body as { metadata?: unknown }).metadata ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    throw invalid('metadata must be an object', [{ path: 'metadata', reason: 'must be an object' }]);
  if (JSON.stringify(metadata).length > 10_000)
    throw invalid('metadata is too large', [{ path: 'metadata', reason: 'must serialise to at most 10000 characters' }]);
  return metadata as Record<string, unknown>;
}
