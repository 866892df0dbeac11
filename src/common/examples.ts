/**
 * The examples the OpenAPI document shows: taken from the seed (Journey_Engine.md) and the contract
 * (EVENTS.md), never generated. The event examples live with their schemas (contracts/events.ts).
 */
import { EVENT_DATA_SCHEMAS, type EventType } from '../contracts/events.js';

/** The participant of every example. */
export const EXAMPLE_USER = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const AT = '2025-01-15T10:30:00Z';

/** The seed's "Creating Custom Rules" rule. */
export const CUSTOM_RULE = {
  id: 'custom_rule_001',
  name: 'Custom Rule',
  description: 'Description of what triggers this rule',
  flag: 'custom_flag',
  priority: 10,
  active: true,
  conditions: [{ type: 'count', entity: 'buddy_matches', count: '>=', count_value: 5 }],
  actions: [
    { type: 'set_flag', flag: 'custom_flag', value: true },
    { type: 'emit_event', event: 'orchestration.custom.event', payload: { message: 'Custom event triggered' } },
  ],
};

/** The same rule as YAML, as the seed writes it. */
export const CUSTOM_RULE_YAML = `id: custom_rule_001
name: Custom Rule
description: Description of what triggers this rule
flag: custom_flag
priority: 10
active: true
conditions:
  - type: count
    entity: buddy_matches
    count: '>='
    count_value: 5
actions:
  - type: set_flag
    flag: custom_flag
    value: true
  - type: emit_event
    event: orchestration.custom.event
    payload:
      message: Custom event triggered
`;

/** An input event of a type, with the contract's example data (EVENTS.md's envelope example for kintell.session.completed). */
export function exampleEvent(type: EventType, id = '5b1d3c1e-8a55-4d0e-9d7f-2f7f3f0a9c11') {
  return { id, type, version: 'v1', timestamp: AT, data: (EVENT_DATA_SCHEMAS[type].examples as unknown[])[0] };
}

/** The request body examples of POST /journey/events. */
export const EVENTS_BODY_EXAMPLES = {
  one: { summary: 'One event (EVENTS.md)', value: exampleEvent('kintell.session.completed') },
  batch: {
    summary: 'A batch',
    value: [
      exampleEvent('program.enrollment.created', '0c2b6a43-1f7e-4c55-9a3f-6a2d1e0b9c01'),
      exampleEvent('kintell.session.completed', '5b1d3c1e-8a55-4d0e-9d7f-2f7f3f0a9c11'),
      exampleEvent('kintell.rating.created', '9e4f7d21-3b6a-4f0c-8d2e-1a5b7c9d0e12'),
    ],
  },
};

/** A 400 as the service answers it. */
export const INVALID_EVENTS_EXAMPLE = {
  statusCode: 400,
  error: 'Bad Request',
  message: '1 of 2 events are invalid; nothing was stored',
  problems: [
    { index: 1, path: 'version', reason: 'must be "v1"' },
    { index: 1, path: 'data.rating', reason: 'must be <= 5' },
  ],
};

/** The seed's response examples. */
export const FLAGS_EXAMPLE = {
  userId: EXAMPLE_USER,
  flags: [{ flag: 'mentor_ready', value: true, setByRule: 'mentor_ready_001', setAt: AT, expiresAt: null }],
  count: 1,
};
export const MILESTONES_EXAMPLE = {
  userId: EXAMPLE_USER,
  milestones: [
    {
      milestone: 'mentor_ready',
      reachedAt: AT,
      triggeredByRule: 'mentor_ready_001',
      metadata: { reason: 'Completed 3+ language sessions' },
    },
  ],
  count: 1,
};
export const MANUAL_MILESTONE_EXAMPLE = { metadata: { reason: 'Manual override', triggeredBy: 'admin@example.com' } };
