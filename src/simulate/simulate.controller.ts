import { Controller, HttpCode, Post } from '@nestjs/common';
import { RequiredBody } from '../common/pipes.js';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/roles.js';
import { PROBLEM_SCHEMA } from '../common/openapi.js';
import { SIMULATE_REQUEST_EXAMPLE, SIMULATE_REQUEST_SCHEMA, SIMULATE_RESPONSE_SCHEMA } from './simulate.dto.js';
import { parseSimulateRequest } from './simulate.request.js';
import { SimulateService } from './simulate.service.js';

@ApiTags('simulate')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('journey/simulate')
export class SimulateController {
  constructor(private readonly simulations: SimulateService) {}

  @Post()
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'The journey some events would produce, in program time, with the flips time alone causes; writes nothing',
    description:
      'Events are played in timestamp order, each as if it arrived when it happened, through the same projection and engine as POST /journey/events; between and after them, everyone due is evaluated at their due instant, as the scheduler does, up to `until` (default: the last event plus 90 days). Steps have the participant timeline’s entry shapes (oldest first) plus `userId`. `rules` (drafts allowed, all in play) replaces the active rules.',
  })
  @ApiBody({
    schema: SIMULATE_REQUEST_SCHEMA,
    examples: { followup: { summary: 'Enrolled, one buddy event, then silence', value: SIMULATE_REQUEST_EXAMPLE } },
  })
  @ApiResponse({ status: 200, schema: SIMULATE_RESPONSE_SCHEMA })
  @ApiResponse({
    status: 400,
    description: 'An invalid event, rule or `until`, or too many: path and reason of each problem',
    schema: PROBLEM_SCHEMA,
  })
  simulate(@RequiredBody() body: unknown) {
    return this.simulations.simulate(parseSimulateRequest(body));
  }
}
