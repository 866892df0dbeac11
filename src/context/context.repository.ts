import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EntityName } from '../contracts/entities.js';
import type { RowOf } from '../database/row.js';
import type { JsonRow, Reader } from '../database/read-batch.js';
import type { EventEnvelope } from '../contracts/events.js';
import type { EntityRecord, ParticipantContext } from '../engine/types.js';
import { ParticipantEntity, type ParticipantRecordEntity } from './participant.entity.js';
import type { StoredRecord } from './projection.js';
import type { Writer } from '../database/write-batch.js';

export interface RecordRef {
  entity: EntityName;
  key: string;
}
export interface RecordRow extends RecordRef {
  userId: string;
  record: StoredRecord;
}
export interface ParticipantRow {
  userId: string;
  firstSeenAt: number | null;
  matchedRules: string[];
  nextDueAt: number | null;
}
export interface LoadedParticipant {
  context: ParticipantContext;
  matchedRules: string[];
  known: boolean;
}

const refKey = (entity: string, key: string) => `${entity}\u0000${key}`;
const ms = (d: Date | null) => (d ? d.getTime() : null);

/** The participants' read model: records per entity, pending events, per-participant state. */
@Injectable()
export class ContextRepository {
  /** Who owns each match or session already seen (the partial index covers only those two entities: OwnerEntity). */
  async findOwners(tx: EntityManager, refs: RecordRef[]): Promise<Map<string, string>> {
    if (refs.length === 0) return new Map();
    const unique = [...new Map(refs.map((r) => [refKey(r.entity, r.key), r])).values()];
    const rows: Pick<RowOf<ParticipantRecordEntity>, 'entity' | 'record_key' | 'user_id'>[] = await tx.query(
      `SELECT r.entity, r.record_key, r.user_id FROM participant_records r
       JOIN unnest($1::text[], $2::text[]) AS k(entity, record_key) USING (entity, record_key)
       WHERE r.entity IN ('buddy_matches', 'kintell_sessions')`,
      [unique.map((r) => r.entity), unique.map((r) => r.key)],
    );
    return new Map(rows.map((r) => [refKey(r.entity, r.record_key), r.user_id]));
  }

  async addPending(tx: EntityManager, rows: { event: EventEnvelope; waitFor: RecordRef }[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.query(
      `INSERT INTO pending_events (event_id, wait_entity, wait_key, envelope)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(event_id uuid, wait_entity text, wait_key text, envelope jsonb) ON CONFLICT DO NOTHING`,
      [
        JSON.stringify(
          rows.map((r) => ({ event_id: r.event.id, wait_entity: r.waitFor.entity, wait_key: r.waitFor.key, envelope: r.event })),
        ),
      ],
    );
  }

  /** Removes and returns the events that were waiting for these matches or sessions. */
  async takePending(tx: EntityManager, refs: RecordRef[]): Promise<EventEnvelope[]> {
    if (refs.length === 0) return [];
    const rows: { envelope: EventEnvelope }[] = await tx.query(
      `WITH taken AS (
         DELETE FROM pending_events p USING unnest($1::text[], $2::text[]) AS k(entity, record_key)
         WHERE p.wait_entity = k.entity AND p.wait_key = k.record_key RETURNING p.envelope, p.received_at, p.event_id
       ) SELECT envelope FROM taken ORDER BY received_at, event_id`,
      [refs.map((r) => r.entity), refs.map((r) => r.key)],
    );
    return rows.map((r) => r.envelope);
  }

  /**
   * Locks the participants touched by events until commit, creating those never seen, and returns
   * what is stored about each (with this batch's events counted in `firstSeenAt`): the evaluation
   * needs it and the lock already reads it. A known participant's row is written once per
   * transaction, by `saveStates`, which also records when its events happened.
   */
  async touchParticipants(
    tx: EntityManager,
    seen: Map<string, { first: number; last: number }>,
  ): Promise<Map<string, { firstSeenAt: number | null; matchedRules: string[] }>> {
    if (seen.size === 0) return new Map();
    const ids = [...seen.keys()].sort();
    type Row = Pick<RowOf<ParticipantEntity>, 'user_id' | 'first_seen_at' | 'matched_rules'>;
    // New rows first, then the known ones locked in id order (the snapshot does not see the new rows).
    const rows: Row[] = await tx.query(
      `WITH created AS (
         INSERT INTO participants (user_id, first_seen_at, last_event_at)
         SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[])
         ON CONFLICT (user_id) DO NOTHING
         RETURNING user_id, first_seen_at, matched_rules
       ), known AS (
         SELECT user_id, first_seen_at, matched_rules FROM participants WHERE user_id = ANY($1::uuid[]) ORDER BY user_id FOR UPDATE
       ) SELECT * FROM created UNION ALL SELECT * FROM known`,
      [ids, ids.map((id) => new Date(seen.get(id)!.first).toISOString()), ids.map((id) => new Date(seen.get(id)!.last).toISOString())],
    );
    const found = new Set(rows.map((r) => r.user_id));
    const missed = ids.filter((id) => !found.has(id));
    // Created by a transaction that committed after this statement's snapshot: lock them now.
    if (missed.length)
      rows.push(
        ...(await tx.query<Row[]>(
          `SELECT user_id, first_seen_at, matched_rules FROM participants WHERE user_id = ANY($1::uuid[]) ORDER BY user_id FOR UPDATE`,
          [missed],
        )),
      );
    return new Map(
      rows.map((r) => {
        const stored = ms(r.first_seen_at);
        const first = seen.get(r.user_id)!.first;
        return [r.user_id, { firstSeenAt: stored === null ? first : Math.min(stored, first), matchedRules: r.matched_rules }];
      }),
    );
  }

  /** Locks existing participants for an evaluation without events (manual, scheduled, backfill). */
  async lockParticipants(tx: EntityManager, userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    await tx.query(`SELECT 1 FROM participants WHERE user_id = ANY($1::uuid[]) ORDER BY user_id FOR UPDATE`, [userIds]);
  }

  /** Every record of these participants. */
  async loadRecords(reader: Reader, userIds: string[]): Promise<RecordRow[]> {
    if (userIds.length === 0) return [];
    const rows = await reader.query<JsonRow<RowOf<ParticipantRecordEntity>> & { entity: EntityName }>(
      `SELECT user_id, entity, record_key, fields, occurred_at FROM participant_records WHERE user_id = ANY($1::uuid[])`,
      [userIds],
    );
    return rows.map((r) => ({
      userId: r.user_id,
      entity: r.entity,
      key: r.record_key,
      record: { fields: r.fields, occurredAt: Date.parse(r.occurred_at) },
    }));
  }

  /**
   * Writes merged records: `added` ones as plain inserts, `changed` ones as updates. The caller holds
   * the participants' locks (touchParticipants) and read their records after taking them, so it knows
   * which exist: no speculative insert or row lock per record, as ON CONFLICT would cost. Two
   * independent writes (different rows), so they may share a WriteBatch's statement.
   */
  async writeRecords(tx: Writer, { added, changed }: { added: RecordRow[]; changed: RecordRow[] }): Promise<void> {
    const doc = (rows: RecordRow[]) =>
      JSON.stringify(
        rows.map((r) => ({
          user_id: r.userId,
          entity: r.entity,
          record_key: r.key,
          fields: r.record.fields,
          occurred_at: new Date(r.record.occurredAt).toISOString(),
        })),
      );
    const columns = `x(user_id uuid, entity text, record_key text, fields jsonb, occurred_at timestamptz)`;
    if (added.length > 0)
      await tx.query(
        `INSERT INTO participant_records (user_id, entity, record_key, fields, occurred_at) SELECT * FROM jsonb_to_recordset($1::jsonb) AS ${columns}`,
        [doc(added)],
      );
    if (changed.length > 0)
      await tx.query(
        `UPDATE participant_records r SET fields = x.fields, occurred_at = x.occurred_at FROM jsonb_to_recordset($1::jsonb) AS ${columns}
         WHERE r.user_id = x.user_id AND r.entity = x.entity AND r.record_key = x.record_key`,
        [doc(changed)],
      );
  }

  /** Contexts and engine state of these participants (an unknown one gets an empty context). */
  async loadParticipants(reader: Reader, userIds: string[]): Promise<Map<string, LoadedParticipant>> {
    if (userIds.length === 0) return new Map();
    const [people, records] = await Promise.all([
      reader.query<JsonRow<Pick<RowOf<ParticipantEntity>, 'user_id' | 'first_seen_at' | 'matched_rules'>>>(
        `SELECT user_id, first_seen_at, matched_rules FROM participants WHERE user_id = ANY($1::uuid[])`,
        [userIds],
      ),
      this.loadRecords(reader, userIds),
    ]);
    const stored = new Map(
      people.map((p) => [
        p.user_id,
        { firstSeenAt: p.first_seen_at === null ? null : Date.parse(p.first_seen_at), matchedRules: p.matched_rules },
      ]),
    );
    return participantsOf(userIds, stored, records);
  }

  /**
   * Saves the engine's per-participant state after an evaluation, and for an evaluation caused by
   * events when they happened (`seen`: the earliest and latest; the stored bounds only widen).
   */
  async saveStates(
    tx: Writer,
    rows: {
      userId: string;
      matchedRules: string[];
      nextDueAt: number | null;
      evaluatedAt: number;
      seen?: { first: number; last: number };
    }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const iso = (t: number | null | undefined) => (t === null || t === undefined ? null : new Date(t).toISOString());
    await tx.query(
      `INSERT INTO participants (user_id, matched_rules, next_due_at, evaluated_at, first_seen_at, last_event_at)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(user_id uuid, matched_rules text[], next_due_at timestamptz, evaluated_at timestamptz,
         first_seen_at timestamptz, last_event_at timestamptz)
       ON CONFLICT (user_id) DO UPDATE SET matched_rules = EXCLUDED.matched_rules, next_due_at = EXCLUDED.next_due_at,
         evaluated_at = EXCLUDED.evaluated_at,
         first_seen_at = LEAST(participants.first_seen_at, EXCLUDED.first_seen_at),
         last_event_at = GREATEST(participants.last_event_at, EXCLUDED.last_event_at)`,
      [
        JSON.stringify(
          rows.map((r) => ({
            user_id: r.userId,
            matched_rules: r.matchedRules,
            next_due_at: iso(r.nextDueAt),
            evaluated_at: iso(r.evaluatedAt),
            first_seen_at: iso(r.seen?.first),
            last_event_at: iso(r.seen?.last),
          })),
        ),
      ],
    );
  }

  async countParticipants(db: EntityManager): Promise<number> {
    return db.getRepository(ParticipantEntity).count();
  }

  /**
   * The one keyset walk over the participants (backfill, preview, reconciliation sweep): the next
   * `limit` ids after `after`, in id order. `lock: 'wait'` locks them until the transaction ends,
   * waiting for a row another transaction holds rather than skipping it.
   */
  async idsAfter(db: EntityManager, after: string | null, limit: number, lock: 'none' | 'wait' = 'none'): Promise<string[]> {
    const page = db.getRepository(ParticipantEntity).createQueryBuilder('p').select('p.userId', 'user_id').orderBy('p.userId').limit(limit);
    if (after !== null) page.where('p.userId > :after', { after });
    if (lock === 'wait') page.setLock('pessimistic_write');
    const rows = await page.getRawMany<Pick<RowOf<ParticipantEntity>, 'user_id'>>();
    return rows.map((r) => r.user_id);
  }
}

export { refKey };

/** What the engine needs about each participant, from their stored state and records (unknown: empty). */
export function participantsOf(
  userIds: string[],
  stored: ReadonlyMap<string, { firstSeenAt: number | null; matchedRules: string[] }>,
  records: Iterable<RecordRow>,
): Map<string, LoadedParticipant> {
  const out = new Map<string, LoadedParticipant>();
  for (const userId of userIds) {
    const p = stored.get(userId);
    out.set(userId, {
      context: { userId, firstSeenAt: p?.firstSeenAt ?? null, entities: {} },
      matchedRules: p?.matchedRules ?? [],
      known: !!p,
    });
  }
  for (const r of records) {
    const entities = out.get(r.userId)!.context.entities as Record<string, EntityRecord[]>;
    (entities[r.entity] ??= []).push({ key: r.key, occurredAt: r.record.occurredAt, fields: r.record.fields });
  }
  return out;
}
