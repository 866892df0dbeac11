import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EventEnvelope } from '../contracts/events.js';
import { deleteBatch } from '../database/batched-delete.js';
import type { EventSource } from './event-source.js';
import type { Writer } from '../database/write-batch.js';

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
   * Logs newly accepted events (ids already logged are left as they are) and gives earlier pending
   * events whose match or session arrived (`assign`) their participant. Two independent writes (the
   * rows assigned are never among those inserted: those were pending before), so they may share a
   * WriteBatch's statement (ingest's).
   */
  async append(tx: Writer, rows: LoggedEvent[], assign: { eventId: string; userId: string }[] = []): Promise<void> {
    const kafka = (r: LoggedEvent) => (r.source.kind === 'kafka' ? r.source : undefined);
    if (assign.length > 0)
      await tx.query(`UPDATE journey_event_log l SET user_id = x.u FROM unnest($1::uuid[], $2::uuid[]) AS x(e, u) WHERE l.event_id = x.e`, [
        assign.map((r) => r.eventId),
        assign.map((r) => r.userId),
      ]);
    if (rows.length === 0) return;
    await tx.query(
      `INSERT INTO journey_event_log (event_id, user_id, type, occurred_at, source, kafka_topic, kafka_partition, kafka_offset, data)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(event_id uuid, user_id uuid, type text, occurred_at timestamptz, source text,
         kafka_topic text, kafka_partition int, kafka_offset bigint, data jsonb)
       ON CONFLICT (event_id) DO NOTHING`,
      [
        JSON.stringify(
          rows.map((r) => ({
            event_id: r.event.id,
            user_id: r.userId,
            type: r.event.type,
            occurred_at: new Date(Date.parse(r.event.timestamp)).toISOString(),
            source: r.source.kind,
            kafka_topic: kafka(r)?.topic ?? null,
            kafka_partition: kafka(r)?.partition ?? null,
            kafka_offset: kafka(r)?.offset ?? null,
            data: r.event.data,
          })),
        ),
      ],
    );
  }

  /** Deletes up to `limit` events received before `cutoff`; how many. */
  deleteReceivedBefore(cutoff: Date, limit: number): Promise<number> {
    return deleteBatch(this.db.manager, 'journey_event_log', 'id', 'received_at < $1', [cutoff.toISOString()], limit);
  }
}
