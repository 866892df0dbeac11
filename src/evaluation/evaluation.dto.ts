import { BooleanParam, Check, Instant } from '../common/dto.js';

/** The query string of POST /journey/flags/:userId/evaluate. */
export class EvaluateQuery {
  @BooleanParam({ description: 'true: evaluate without writing anything (default false)', example: true })
  dryRun: boolean = false;

  // Checked after the instant itself (decorators register bottom-up).
  @Check('asOfDryRun', (_, { object }) => (object as EvaluateQuery).dryRun === true, 'only allowed with dryRun=true')
  @Instant({ description: 'The instant to evaluate at; only with dryRun=true', example: '2025-01-15T10:30:00Z' })
  asOf?: number;
}

/** The query string of GET /journey/rules/:id/explain/:userId. */
export class ExplainQuery {
  @Instant({ description: 'The instant to explain at (default: now)', example: '2025-01-15T10:30:00Z' })
  asOf?: number;
}

const change = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['flag_set', 'flag_cleared', 'milestone_reached', 'event_emitted'] },
    flag: { type: 'string' },
    value: { type: 'boolean' },
    previousValue: { type: 'boolean', nullable: true },
    milestone: { type: 'string' },
    event: { type: 'string' },
    ruleId: { type: 'string' },
    reason: { type: 'string' },
  },
};

export const EVALUATE_RESPONSE_SCHEMA = {
  type: 'object',
  properties: {
    userId: { type: 'string', format: 'uuid' },
    evaluatedRules: { type: 'array', items: { type: 'string' }, example: ['mentor_ready_001', 'followup_needed_001'] },
    triggeredRules: { type: 'array', items: { type: 'string' }, example: ['mentor_ready_001'] },
    changes: { type: 'array', items: change },
    timestamp: { type: 'string', format: 'date-time' },
    dryRun: { type: 'boolean' },
  },
};

const trace: Record<string, unknown> = {
  type: 'object',
  properties: {
    path: { type: 'string', example: 'conditions[0]' },
    type: { type: 'string' },
    entity: { type: 'string' },
    field: { type: 'string' },
    actual: {},
    expected: {},
    result: { type: 'boolean' },
    needs: { type: 'string', example: '2 more kintell_sessions where session_type = "language"' },
    becomesTrueAt: { type: 'string', format: 'date-time' },
    note: { type: 'string', example: 'no buddy_events; measured from the first known event' },
    conditions: { type: 'array', items: { type: 'object' } },
  },
};

export const EXPLAIN_RESPONSE_SCHEMA = {
  type: 'object',
  properties: {
    ruleId: { type: 'string' },
    userId: { type: 'string', format: 'uuid' },
    asOf: { type: 'string', format: 'date-time' },
    active: { type: 'boolean' },
    matched: { type: 'boolean' },
    conditions: { type: 'array', items: trace },
    nextChangeAt: { type: 'string', format: 'date-time', nullable: true },
  },
};
