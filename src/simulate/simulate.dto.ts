/** POST /journey/simulate in the OpenAPI document: the body, the steps, and a real example from the seed's rules. */
import { ref } from '../common/openapi.js';
import { DEFAULT_HORIZON_DAYS, MAX_SIMULATED_EVENTS, MAX_SIMULATED_RULES } from './simulate.request.js';

const U = '7d3f1c2e-0000-4000-8000-000000000001';

/** Ana enrols and meets her buddy once; then nothing (the seed's followup_needed_001). */
export const SIMULATE_REQUEST_EXAMPLE = {
  events: [
    {
      id: '5b1d3c1e-8a55-4d0e-9d7f-2f7f3f0a9c01',
      type: 'program.enrollment.created',
      timestamp: '2025-01-06T09:00:00Z',
      data: { enrollmentId: 'enr-1', userId: U, programType: 'buddy', status: 'active', enrolledAt: '2025-01-06T09:00:00Z' },
    },
    {
      id: '5b1d3c1e-8a55-4d0e-9d7f-2f7f3f0a9c02',
      type: 'buddy.event.attended',
      timestamp: '2025-01-08T17:00:00Z',
      data: { eventId: 'evt-1', userId: U, eventType: 'coffee', attendedAt: '2025-01-08T17:00:00Z' },
    },
  ],
  until: '2025-02-01T00:00:00Z',
};

export const SIMULATE_REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['events'],
  properties: {
    events: { type: 'array', minItems: 1, maxItems: MAX_SIMULATED_EVENTS, items: ref('EventEnvelope') },
    rules: {
      type: 'array',
      maxItems: MAX_SIMULATED_RULES,
      items: ref('Rule'),
      description: 'Rule documents to play instead of the active rules (drafts allowed; all are in play whatever their `active`)',
    },
    until: {
      type: 'string',
      format: 'date-time',
      description: `Where the journey stops (default: the last event plus ${DEFAULT_HORIZON_DAYS} days)`,
    },
  },
  example: SIMULATE_REQUEST_EXAMPLE,
};

/** What the seed's rules make of it: followup_needed, 14 days after the last activity, time alone. */
export const SIMULATE_RESPONSE_EXAMPLE = {
  until: '2025-02-01T00:00:00.000Z',
  steps: [
    {
      kind: 'event',
      at: '2025-01-06T09:00:00.000Z',
      userId: '7d3f1c2e-0000-4000-8000-000000000001',
      id: '5b1d3c1e-8a55-4d0e-9d7f-2f7f3f0a9c01',
      type: 'program.enrollment.created',
      occurredAt: '2025-01-06T09:00:00.000Z',
      data: {
        enrollmentId: 'enr-1',
        userId: '7d3f1c2e-0000-4000-8000-000000000001',
        programType: 'buddy',
        status: 'active',
        enrolledAt: '2025-01-06T09:00:00Z',
      },
    },
    {
      kind: 'event',
      at: '2025-01-08T17:00:00.000Z',
      userId: '7d3f1c2e-0000-4000-8000-000000000001',
      id: '5b1d3c1e-8a55-4d0e-9d7f-2f7f3f0a9c02',
      type: 'buddy.event.attended',
      occurredAt: '2025-01-08T17:00:00.000Z',
      data: {
        eventId: 'evt-1',
        userId: '7d3f1c2e-0000-4000-8000-000000000001',
        eventType: 'coffee',
        attendedAt: '2025-01-08T17:00:00Z',
      },
    },
    {
      kind: 'flag',
      at: '2025-01-22T17:00:00.000Z',
      userId: '7d3f1c2e-0000-4000-8000-000000000001',
      flag: 'followup_needed',
      value: true,
      previousValue: null,
      ruleId: 'followup_needed_001',
      ruleVersion: 1,
      reason: 'conditions hold',
      expiresAt: null,
      explanation: {
        ruleId: 'followup_needed_001',
        ruleVersion: 1,
        conditions: [
          {
            path: 'conditions[0]',
            type: 'exists',
            entity: 'program_enrollments',
            field: 'count',
            actual: 1,
            expected: '>= 1',
            result: true,
          },
          {
            path: 'conditions[1]',
            type: 'time_since',
            entity: 'buddy_events',
            field: 'last_activity',
            actual: '2025-01-08T17:00:00.000Z',
            expected: '>= 14 days ago',
            result: true,
          },
          {
            path: 'conditions[2]',
            type: 'time_since',
            entity: 'buddy_checkins',
            field: 'last_activity',
            actual: '2025-01-06T09:00:00.000Z',
            expected: '>= 14 days ago',
            result: true,
            note: 'no buddy_checkins; measured from the first known event',
          },
          {
            path: 'conditions[3]',
            type: 'time_since',
            entity: 'kintell_sessions',
            field: 'last_activity',
            actual: '2025-01-06T09:00:00.000Z',
            expected: '>= 14 days ago',
            result: true,
            note: 'no kintell_sessions; measured from the first known event',
          },
          {
            path: 'conditions[4]',
            type: 'time_since',
            entity: 'learning_progress',
            field: 'last_activity',
            actual: '2025-01-06T09:00:00.000Z',
            expected: '>= 14 days ago',
            result: true,
            note: 'no learning_progress; measured from the first known event',
          },
        ],
      },
      causedBy: {
        trigger: 'time',
        dueAt: '2025-01-22T17:00:00.000Z',
      },
    },
    {
      kind: 'output',
      at: '2025-01-22T17:00:00.000Z',
      userId: '7d3f1c2e-0000-4000-8000-000000000001',
      type: 'orchestration.flag.updated',
      data: {
        userId: '7d3f1c2e-0000-4000-8000-000000000001',
        flag: 'followup_needed',
        value: true,
        previousValue: null,
        ruleId: 'followup_needed_001',
        reason: 'conditions hold',
      },
    },
  ],
  truncated: false,
};

export const SIMULATE_RESPONSE_SCHEMA = {
  type: 'object',
  required: ['until', 'steps', 'truncated'],
  properties: {
    until: { type: 'string', format: 'date-time' },
    truncated: { type: 'boolean', description: 'The journey was cut short (too many steps) before `until`' },
    steps: {
      type: 'array',
      description:
        'Oldest first, in the timeline’s entry shapes plus `userId`: event (with `pending: true` while its match or session never came), flag (causedBy: the events, or the due instant time reached), milestone, output',
      items: {
        type: 'object',
        required: ['at', 'kind'],
        properties: {
          at: { type: 'string', format: 'date-time' },
          kind: { type: 'string', enum: ['event', 'flag', 'milestone', 'output'] },
        },
        additionalProperties: true,
      },
    },
  },
  example: SIMULATE_RESPONSE_EXAMPLE,
};
