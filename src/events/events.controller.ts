import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { EVENT_TYPES } from '../contracts/events.js';
import { validateEvent, type Problem } from '../contracts/validation.js';
import type { EventEnvelope } from '../contracts/events.js';
import { RequireRole } from '../auth/roles.js';
import { invalid } from '../common/errors.js';
import { EVENTS_BODY_EXAMPLES, INVALID_EVENTS_EXAMPLE } from '../common/examples.js';
import { PROBLEM_SCHEMA, ref } from '../common/openapi.js';
import { RequiredBody } from '../common/pipes.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { GroupCommitService } from './group-commit.service.js';

export const MAX_BATCH = 1000;

/** Validates one envelope or an array of them; any invalid event refuses the whole request. */
export function validateBatch(body: unknown): EventEnvelope[] {
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0) throw invalid('no events given', [{ path: '', reason: 'must be an event or a non-empty array of events' }]);
  if (list.length > MAX_BATCH) throw invalid(`too many events`, [{ path: '', reason: `at most ${MAX_BATCH} events per request` }]);
  const problems: (Problem & { index: number })[] = [];
  const events: EventEnvelope[] = [];
  list.forEach((item, index) => {
    const r = validateEvent(item);
    if (r.ok) events.push(r.event);
    else problems.push(...r.problems.map((p) => ({ index, ...p })));
  });
  if (problems.length)
    throw invalid(`${new Set(problems.map((p) => p.index)).size} of ${list.length} events are invalid; nothing was stored`, problems);
  return events;
}

@ApiTags('events')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('journey/events')
export class EventsController {
  constructor(
    private readonly ingest: GroupCommitService,
    private readonly metrics: MetricsService,
  ) {}

  @Post()
  @RequireRole('service')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Ingest program events (one envelope or an array)',
    description: `Every event is validated first (types: ${EVENT_TYPES.join(', ')}); if any is invalid nothing is stored. Events are deduplicated by id, applied to the participants' records and the participants evaluated before the answer (concurrent requests may share a transaction; each is answered after the commit that carried its events, with its own counts). pending = events waiting for their match or session.`,
  })
  @ApiBody({
    schema: { oneOf: [ref('EventEnvelope'), { type: 'array', items: ref('EventEnvelope'), maxItems: MAX_BATCH }] },
    examples: EVENTS_BODY_EXAMPLES,
  })
  @ApiResponse({
    status: 200,
    schema: {
      type: 'object',
      properties: { accepted: { type: 'integer' }, duplicates: { type: 'integer' }, pending: { type: 'integer' } },
      example: { accepted: 3, duplicates: 0, pending: 0 },
    },
  })
  @ApiResponse({
    status: 400,
    description: 'Invalid events: index, path and reason of each problem (envelope and data alike), or an empty body',
    schema: { ...PROBLEM_SCHEMA, example: INVALID_EVENTS_EXAMPLE },
  })
  async post(@RequiredBody() body: unknown) {
    let events: EventEnvelope[];
    try {
      events = validateBatch(body);
    } catch (e) {
      this.metrics.rejected(Array.isArray(body) ? body : [body]);
      throw e;
    }
    return this.ingest.submit(events);
  }
}
