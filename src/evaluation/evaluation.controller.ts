import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/roles.js';
import { instantProblem } from '../contracts/instant.js';
import { invalid } from '../common/errors.js';
import { PROBLEM_SCHEMA } from '../common/openapi.js';
import { RuleIdPipe, UuidPipe } from '../common/pipes.js';
import { EvaluationService } from './evaluation.service.js';
import { EVALUATE_RESPONSE_SCHEMA, EXPLAIN_RESPONSE_SCHEMA } from './evaluation.dto.js';

function parseAsOf(asOf: string | undefined): number | undefined {
  if (asOf === undefined) return undefined;
  const problem = instantProblem(asOf);
  if (problem) throw invalid('asOf must be an ISO-8601 time', [{ path: 'asOf', reason: problem }]);
  return Date.parse(asOf);
}

@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('journey')
export class EvaluationController {
  constructor(private readonly evaluation: EvaluationService) {}

  @Post('flags/:userId/evaluate')
  @ApiTags('flags')
  @RequireRole('service')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Evaluate every active rule for a participant now',
    description:
      'evaluatedRules: the active rules evaluated; triggeredRules: those whose conditions hold now; changes: what this evaluation set, cleared or emitted (empty when nothing changed). With dryRun=true (and optionally asOf) nothing is written.',
  })
  @ApiQuery({ name: 'dryRun', required: false, type: Boolean })
  @ApiQuery({ name: 'asOf', required: false, description: 'ISO-8601 instant to evaluate at; only with dryRun=true' })
  @ApiResponse({ status: 200, schema: EVALUATE_RESPONSE_SCHEMA })
  @ApiResponse({ status: 400, schema: PROBLEM_SCHEMA })
  async evaluate(@Param('userId', UuidPipe) userId: string, @Query('dryRun') dryRun?: string, @Query('asOf') asOf?: string) {
    if (dryRun !== undefined && dryRun !== 'true' && dryRun !== 'false')
      throw invalid('dryRun must be true or false', [{ path: 'dryRun', reason: 'must be true or false' }]);
    const dry = dryRun === 'true';
    if (asOf !== undefined && !dry)
      throw invalid('asOf is only allowed with dryRun=true', [{ path: 'asOf', reason: 'only allowed with dryRun=true' }]);
    return this.evaluation.evaluateNow(userId, { dryRun: dry, asOf: parseAsOf(asOf) });
  }

  @Get('rules/:id/explain/:userId')
  @ApiTags('rules')
  @RequireRole('reader')
  @ApiOperation({
    summary: 'Why a rule does or does not match a participant, condition by condition, and when time alone will change that',
  })
  @ApiQuery({ name: 'asOf', required: false, description: 'ISO-8601 instant (default: now)' })
  @ApiResponse({ status: 200, schema: EXPLAIN_RESPONSE_SCHEMA })
  @ApiResponse({ status: 404, schema: PROBLEM_SCHEMA })
  explain(@Param('id', RuleIdPipe) ruleId: string, @Param('userId', UuidPipe) userId: string, @Query('asOf') asOf?: string) {
    return this.evaluation.explain(ruleId, userId, parseAsOf(asOf));
  }
}
