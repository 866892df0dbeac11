import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/roles.js';
import { RequiredBody, RuleIdPipe } from '../common/pipes.js';
import { PROBLEM_SCHEMA } from '../common/openapi.js';
import { parseRuleBody, RuleDocumentBody } from '../rules/rule-body.js';
import { BackfillService } from './backfill.service.js';
import { BackfillResponse, PreviewResponse, toBackfillResponse } from './backfill.dto.js';
import { PreviewService } from './preview.service.js';

/** A rule's impact on the population: before it goes live (preview) and once it has (backfill). */
@ApiTags('rules')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('journey/rules')
export class BackfillController {
  constructor(
    private readonly previews: PreviewService,
    private readonly backfills: BackfillService,
  ) {}

  @Post('preview')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'What a rule would do over every known participant now, without saving it (JSON or YAML body)',
    description:
      'The rule alone is evaluated against each participant’s real records, flags and rule state: matching counts those whose conditions hold, wouldSet / wouldClear the flag values it would change.',
  })
  @RuleDocumentBody()
  @ApiResponse({ status: 200, type: PreviewResponse })
  @ApiResponse({ status: 400, description: 'Invalid rule: each problem with its JSON path and reason', schema: PROBLEM_SCHEMA })
  preview(@RequiredBody() body: unknown) {
    return this.previews.preview(parseRuleBody(body));
  }

  @Get(':id/backfill')
  @RequireRole('reader')
  @ApiOperation({
    summary: 'Progress of the re-evaluation of every participant that followed the rule’s last creation, activation or change',
  })
  @ApiResponse({ status: 200, type: BackfillResponse })
  @ApiResponse({ status: 404, description: 'The rule has never been backfilled', schema: PROBLEM_SCHEMA })
  async backfill(@Param('id', RuleIdPipe) id: string) {
    return toBackfillResponse(await this.backfills.status(id));
  }
}
