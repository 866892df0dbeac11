import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
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
   * The log is the dedupe: the ids among `events` it does not hold yet. In the same round trip, takes
   * the transaction-scoped locks named by `lockKeys` (the matches and sessions of owners.service.ts),
   * in one order so two batches never deadlock on them.
   *
   * A read, so two transactions may both find an id new; the second to `append` it then fails on the
   * log's unique index (`journey_event_log_event_id_key`), which database/retry.ts counts as
   * transient: on its retry, the id is a duplicate. Nothing is applied twice.
   */
  async unseen(tx: EntityManager, events: EventEnvelope[], lockKeys: string[] = []): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const rows: { ids: string[] | null }[] = await tx.query(
      `WITH locked AS (
         SELECT count(pg_advisory_xact_lock(h)) AS n FROM (SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest($2::text[]) AS k ORDER BY 1) s
       ) SELECT (SELECT n FROM locked) AS locks,
         (SELECT array_agg(l.event_id) FROM journey_event_log l WHERE l.event_id = ANY($1::uuid[]))::text[] AS ids`,
      [events.map((e) => e.id), lockKeys],
    );
    const seen = new Set(rows[0].ids ?? []);
    return new Set(events.map((e) => e.id).filter((id) => !seen.has(id)));
  }

  /**
   * Logs newly accepted events (`unseen` ones: one logged meanwhile by a concurrent batch fails the
   * statement, to be retried) and gives earlier pending events whose match or session arrived
   * (`assign`) their participant. Two independent writes (the rows assigned are never among those
   * inserted: those were pending before), so they may share a WriteBatch's statement (ingest's).
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
         kafka_topic text, kafka_partition int, kafka_offset bigint, data jsonb)`,
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
