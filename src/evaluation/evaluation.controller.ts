import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/roles.js';
import { PROBLEM_SCHEMA } from '../common/openapi.js';
import { RuleIdPipe, UuidPipe } from '../common/pipes.js';
import { EvaluationService } from './evaluation.service.js';
import { EVALUATE_RESPONSE_SCHEMA, EvaluateQuery, EXPLAIN_RESPONSE_SCHEMA, ExplainQuery } from './evaluation.dto.js';

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
  @ApiResponse({ status: 200, schema: EVALUATE_RESPONSE_SCHEMA })
  @ApiResponse({ status: 400, schema: PROBLEM_SCHEMA })
  evaluate(@Param('userId', UuidPipe) userId: string, @Query() query: EvaluateQuery) {
    return this.evaluation.evaluateNow(userId, query);
  }

  @Get('rules/:id/explain/:userId')
  @ApiTags('rules')
  @RequireRole('reader')
  @ApiOperation({
    summary: 'Why a rule does or does not match a participant, condition by condition, and when time alone will change that',
  })
  @ApiResponse({ status: 200, schema: EXPLAIN_RESPONSE_SCHEMA })
  @ApiResponse({ status: 404, schema: PROBLEM_SCHEMA })
  explain(@Param('id', RuleIdPipe) ruleId: string, @Param('userId', UuidPipe) userId: string, @Query() query: ExplainQuery) {
    return this.evaluation.explain(ruleId, userId, query.asOf);
  }
}
