import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { EventEnvelope } from '../contracts/events.js';
import { deleteBatch } from '../database/batched-delete.js';
import type { EventSource } from './event-source.js';

export interface LoggedEvent {
  event: EventEnvelope;
  /** Null while the event waits for its match or session. */
  userId: string | null;
  source: EventSource;
}

/** The event log: written in the ingest's transaction, read by the timeline, trimmed by retention. */
@Injectable()
export class EventLogRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Logs newly accepted events (ids already logged are left as they are) and, in the same round trip,
   * gives earlier pending events whose match or session arrived (`assign`) their participant.
   */
  async append(tx: EntityManager, rows: LoggedEvent[], assign: { eventId: string; userId: string }[] = []): Promise<void> {
    if (rows.length === 0 && assign.length === 0) return;
    const kafka = (r: LoggedEvent) => (r.source.kind === 'kafka' ? r.source : undefined);
    // Two independent writes: the rows assigned are never among those inserted (those were pending before).
    await tx.query(
      `WITH assigned AS (
         UPDATE journey_event_log l SET user_id = x.u FROM unnest($10::uuid[], $11::uuid[]) AS x(e, u) WHERE l.event_id = x.e
       )
       INSERT INTO journey_event_log (event_id, user_id, type, occurred_at, source, kafka_topic, kafka_partition, kafka_offset, data)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::int[], $8::bigint[], $9::jsonb[])
       ON CONFLICT (event_id) DO NOTHING`,
      [
        rows.map((r) => r.event.id),
        rows.map((r) => r.userId),
        rows.map((r) => r.event.type),
        rows.map((r) => new Date(Date.parse(r.event.timestamp)).toISOString()),
        rows.map((r) => r.source.kind),
        rows.map((r) => kafka(r)?.topic ?? null),
        rows.map((r) => kafka(r)?.partition ?? null),
        rows.map((r) => kafka(r)?.offset ?? null),
        rows.map((r) => JSON.stringify(r.event.data)),
        assign.map((r) => r.eventId),
        assign.map((r) => r.userId),
      ],
    );
  }

  /** Deletes up to `limit` events received before `cutoff`; how many. */
  deleteReceivedBefore(cutoff: Date, limit: number): Promise<number> {
    return deleteBatch(this.db.manager, 'journey_event_log', 'id', 'received_at < $1', [cutoff.toISOString()], limit);
  }
}
