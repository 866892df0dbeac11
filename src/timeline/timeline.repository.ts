import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { OutputEnvelope } from '../contracts/events.js';
import type { Trigger } from '../flags/flags.repository.js';
import { KIND_RANK, TIMELINE_KINDS, type Cursor, type TimelineKind, type TimelineQuery } from './timeline.query.js';

interface Base {
  at: Date;
  /** Row id (bigint or uuid) as text: orders entries of one kind at one instant. */
  rowId: string;
}
export interface EventRow extends Base {
  kind: 'event';
  eventId: string;
  type: string;
  receivedAt: Date;
  source: 'http' | 'kafka';
  topic: string | null;
  partition: number | null;
  offset: string | null;
  data: Record<string, unknown>;
}
export interface FlagChangeRow extends Base {
  kind: 'flag';
  flag: string;
  value: boolean;
  previousValue: boolean | null;
  ruleId: string;
  ruleVersion: number | null;
  reason: string;
  explanation: unknown;
  trigger: Trigger;
  causedByEvents: string[] | null;
  decidedAt: Date;
  actor: string | null;
}
export interface MilestoneEntryRow extends Base {
  kind: 'milestone';
  milestone: string;
  ruleId: string;
  metadata: Record<string, unknown>;
  decidedAt: Date;
  actor: string | null;
}
export interface OutputRow extends Base {
  kind: 'output';
  eventId: string;
  type: string;
  published: boolean;
  envelope: OutputEnvelope;
}
export type TimelineRow = EventRow | FlagChangeRow | MilestoneEntryRow | OutputRow;

/** Per kind: its table, the SQL type of its row id, and the columns it contributes. */
const SOURCES: Record<TimelineKind, { table: string; idType: 'bigint' | 'uuid'; columns: string }> = {
  event: {
    table: 'journey_event_log',
    idType: 'bigint',
    columns: `event_id AS "eventId", type, received_at AS "receivedAt", source, kafka_topic AS topic, kafka_partition AS partition,
      kafka_offset::text AS "offset", data`,
  },
  flag: {
    table: 'journey_flag_history',
    idType: 'bigint',
    columns: `flag, value, previous_value AS "previousValue", rule_id AS "ruleId", rule_version AS "ruleVersion", reason, explanation,
      trigger, caused_by_events::text[] AS "causedByEvents", changed_at AS "decidedAt", actor`,
  },
  milestone: {
    table: 'journey_milestones',
    idType: 'uuid',
    columns: `milestone, triggered_by_rule AS "ruleId", metadata, reached_at AS "decidedAt", actor`,
  },
  output: {
    table: 'journey_outbox',
    idType: 'bigint',
    columns: `event_id AS "eventId", type, NOT EXISTS (SELECT 1 FROM journey_outbox_pending p WHERE p.id = journey_outbox.id) AS published,
      envelope`,
  },
};

/** Newest first: by program time, then kind (effects after their cause), then row id. */
export function compareDesc(a: { at: number; kind: TimelineKind; id: string }, b: { at: number; kind: TimelineKind; id: string }): number {
  if (a.at !== b.at) return b.at - a.at;
  if (a.kind !== b.kind) return KIND_RANK[b.kind] - KIND_RANK[a.kind];
  if (a.id === b.id) return 0;
  // Row ids of one kind: bigints by value, uuids as PostgreSQL orders them (their lower-case text).
  if (/^\d+$/.test(a.id)) return BigInt(b.id) > BigInt(a.id) ? 1 : -1;
  return b.id > a.id ? 1 : -1;
}

/**
 * A participant's timeline, read from the tables that hold each kind of entry (the event log, flag
 * history, milestones, outbox). Each is read newest first along its (user_id, occurred_at, id)
 * index, at most one page past the cursor, and the pages are merged: a page costs the same at the
 * 10th entry as at the 10,000th.
 */
@Injectable()
export class TimelineRepository {
  constructor(private readonly db: DataSource) {}

  async page(userId: string, q: TimelineQuery): Promise<TimelineRow[]> {
    const pages = await Promise.all((q.kinds ?? TIMELINE_KINDS).map((kind) => this.kindPage(kind, userId, q)));
    return pages
      .flat()
      .sort((a, b) => compareDesc(key(a), key(b)))
      .slice(0, q.limit + 1);
  }

  private async kindPage(kind: TimelineKind, userId: string, q: TimelineQuery): Promise<TimelineRow[]> {
    const { table, idType, columns } = SOURCES[kind];
    const params: unknown[] = [userId];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where = ['user_id = $1'];
    if (q.from !== null) where.push(`occurred_at >= ${p(new Date(q.from).toISOString())}`);
    if (q.to !== null) where.push(`occurred_at < ${p(new Date(q.to).toISOString())}`);
    if (q.before) where.push(keyset(kind, q.before, idType, p));
    const rows: Omit<TimelineRow, 'kind'>[] = await this.db.query(
      `SELECT occurred_at AS at, id::text AS "rowId", ${columns} FROM ${table}
       WHERE ${where.join(' AND ')} ORDER BY occurred_at DESC, id DESC LIMIT ${p(q.limit + 1)}`,
      params,
    );
    return rows.map((r) => ({ ...r, kind }) as TimelineRow);
  }
}

const key = (r: TimelineRow) => ({ at: r.at.getTime(), kind: r.kind, id: r.rowId });

/** The rows of `kind` strictly after the cursor in newest-first order. */
function keyset(kind: TimelineKind, c: Cursor, idType: string, p: (v: unknown) => string): string {
  const at = p(new Date(c.at).toISOString());
  const rank = KIND_RANK[kind];
  const theirs = KIND_RANK[c.kind];
  if (rank < theirs) return `occurred_at <= ${at}`;
  if (rank > theirs) return `occurred_at < ${at}`;
  return `(occurred_at, id) < (${at}::timestamptz, ${p(c.id)}::${idType})`;
}
