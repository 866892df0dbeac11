import type { EventSource } from '../eventlog/event-source.js';
import type { TimelineRow } from './timeline.repository.js';

const iso = (d: Date) => d.toISOString();

/** What caused a flag change: input events (they appear as `event` entries), a time flip, a manual action, or a re-evaluation. */
export type CausedBy =
  | { trigger: 'events'; eventIds: string[] }
  | { trigger: 'time'; dueAt: string }
  | { trigger: 'manual'; by?: string }
  | { trigger: 'evaluation' };

function causedBy(r: Extract<TimelineRow, { kind: 'flag' }>): CausedBy {
  switch (r.trigger) {
    case 'events':
      return { trigger: 'events', eventIds: r.causedByEvents ?? [] };
    case 'time':
      return { trigger: 'time', dueAt: iso(r.at) };
    case 'manual':
      // by: the key behind a manual flag; absent for a manual evaluation, which records no author.
      return r.actor ? { trigger: 'manual', by: r.actor } : { trigger: 'manual' };
    case 'evaluation':
      return { trigger: 'evaluation' };
  }
}

function sourceOf(r: Extract<TimelineRow, { kind: 'event' }>): EventSource {
  return r.source === 'kafka'
    ? { kind: 'kafka', topic: r.topic ?? '', partition: r.partition ?? 0, offset: r.offset ?? '' }
    : { kind: 'http' };
}

/** One timeline entry as readers see it; `at` is the program time. */
export function toTimelineEntry(r: TimelineRow) {
  const at = iso(r.at);
  switch (r.kind) {
    case 'event':
      return {
        kind: r.kind,
        at,
        id: r.eventId,
        type: r.type,
        occurredAt: at,
        receivedAt: iso(r.receivedAt),
        source: sourceOf(r),
        data: r.data,
      };
    case 'flag':
      return {
        kind: r.kind,
        at,
        flag: r.flag,
        value: r.value,
        previousValue: r.previousValue,
        ruleId: r.ruleId,
        ruleVersion: r.ruleVersion,
        reason: r.reason,
        explanation: r.explanation,
        causedBy: causedBy(r),
        decidedAt: iso(r.decidedAt),
      };
    case 'milestone':
      return {
        kind: r.kind,
        at,
        milestone: r.milestone,
        ruleId: r.ruleId,
        metadata: r.metadata,
        by: r.actor,
        decidedAt: iso(r.decidedAt),
      };
    case 'output':
      return { kind: r.kind, at, id: r.eventId, type: r.type, status: r.published ? ('published' as const) : ('pending' as const) };
  }
}

const U = '7d3f1c2e-0000-4000-8000-000000000001';
const E3 = '5b1d3c1e-8a55-4d0e-9d7f-2f7f3f0a9c13';

/** A real page: Ana's third good language session sets mentor_ready (newest first). */
export const TIMELINE_EXAMPLE = {
  userId: U,
  entries: [
    {
      kind: 'output',
      at: '2025-02-10T10:30:00.000Z',
      id: '0e6f3a8c-3f0e-4c55-9a51-3d0f6f2d1a02',
      type: 'orchestration.milestone.reached',
      status: 'published',
    },
    {
      kind: 'output',
      at: '2025-02-10T10:30:00.000Z',
      id: '0e6f3a8c-3f0e-4c55-9a51-3d0f6f2d1a01',
      type: 'orchestration.flag.updated',
      status: 'published',
    },
    {
      kind: 'milestone',
      at: '2025-02-10T10:30:00.000Z',
      milestone: 'mentor_ready',
      ruleId: 'mentor_ready_001',
      metadata: { reason: 'Completed 3+ language sessions with good ratings' },
      decidedAt: '2025-12-05T09:41:07.118Z',
    },
    {
      kind: 'flag',
      at: '2025-02-10T10:30:00.000Z',
      flag: 'mentor_ready',
      value: true,
      previousValue: null,
      ruleId: 'mentor_ready_001',
      ruleVersion: 1,
      reason: 'Completed 3+ language sessions with good ratings',
      explanation: { matched: true, conditions: [{ type: 'count', entity: 'kintell_sessions', actual: 3, expected: '>= 3', ok: true }] },
      causedBy: { trigger: 'events', eventIds: [E3] },
      decidedAt: '2025-12-05T09:41:07.118Z',
    },
    {
      kind: 'event',
      at: '2025-02-10T10:30:00.000Z',
      id: E3,
      type: 'kintell.session.completed',
      occurredAt: '2025-02-10T10:30:00.000Z',
      receivedAt: '2025-12-05T09:41:07.102Z',
      source: { kind: 'kafka', topic: 'kintell.session.completed', partition: 2, offset: '1841' },
      data: {
        sessionId: 'ses-ana-3',
        sessionType: 'language',
        participantId: U,
        volunteerId: 'vol-9',
        completedAt: '2025-02-10T10:30:00Z',
        durationMinutes: 45,
        rating: 5,
      },
    },
  ],
  next: 'WzE3Mzg4NDM4MDAwMDAsImV2ZW50IiwiMyJd',
};

const at = {
  type: 'string',
  format: 'date-time',
  description: 'Program time: when it happened (an event) or when what caused it happened',
};
const decidedAt = { type: 'string', format: 'date-time', description: 'When the service decided' };

const EVENT_ENTRY = {
  type: 'object',
  title: 'event',
  properties: {
    kind: { type: 'string', enum: ['event'] },
    at,
    id: { type: 'string', format: 'uuid' },
    type: { type: 'string' },
    occurredAt: { type: 'string', format: 'date-time', description: "The envelope's timestamp" },
    receivedAt: { type: 'string', format: 'date-time' },
    source: {
      type: 'object',
      properties: {
        kind: { type: 'string', enum: ['http', 'kafka'] },
        topic: { type: 'string' },
        partition: { type: 'integer' },
        offset: { type: 'string' },
      },
    },
    data: { type: 'object' },
  },
};
const FLAG_ENTRY = {
  type: 'object',
  title: 'flag',
  properties: {
    kind: { type: 'string', enum: ['flag'] },
    at,
    flag: { type: 'string' },
    value: { type: 'boolean' },
    previousValue: { type: 'boolean', nullable: true },
    ruleId: { type: 'string', description: 'The rule that decided, or manual' },
    ruleVersion: { type: 'integer', nullable: true },
    reason: { type: 'string' },
    explanation: { type: 'object', nullable: true },
    causedBy: {
      type: 'object',
      description:
        'events: the input events behind the change (they are `event` entries); time: a due instant; manual: an action by hand; evaluation: a re-evaluation (rule change, reconciliation)',
      properties: {
        trigger: { type: 'string', enum: ['events', 'time', 'manual', 'evaluation'] },
        eventIds: { type: 'array', items: { type: 'string', format: 'uuid' } },
        dueAt: { type: 'string', format: 'date-time' },
        by: { type: 'string', description: 'manual flag: the name of the API key that set it (JOURNEY_API_KEYS role:name:KEY)' },
      },
    },
    decidedAt,
  },
};
const MILESTONE_ENTRY = {
  type: 'object',
  title: 'milestone',
  properties: {
    kind: { type: 'string', enum: ['milestone'] },
    at,
    milestone: { type: 'string' },
    ruleId: { type: 'string' },
    metadata: { type: 'object' },
    by: {
      type: 'string',
      nullable: true,
      description: 'A milestone recorded by hand: the name of the API key; null when a rule reached it',
    },
    decidedAt,
  },
};
const OUTPUT_ENTRY = {
  type: 'object',
  title: 'output',
  properties: {
    kind: { type: 'string', enum: ['output'] },
    at,
    id: { type: 'string', format: 'uuid' },
    type: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'published'] },
  },
};

export const TIMELINE_RESPONSE_SCHEMA = {
  type: 'object',
  required: ['userId', 'entries', 'next'],
  properties: {
    userId: { type: 'string', format: 'uuid' },
    entries: {
      type: 'array',
      description: 'Newest first (by `at`; at one instant an output, milestone and flag change come after the event behind them)',
      items: {
        oneOf: [EVENT_ENTRY, FLAG_ENTRY, MILESTONE_ENTRY, OUTPUT_ENTRY],
      },
    },
    next: { type: 'string', nullable: true, description: 'Pass as `before` for the next (older) page; null at the end' },
  },
  example: TIMELINE_EXAMPLE,
};
