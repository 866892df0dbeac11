import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { EventEnvelope } from '../contracts/events.js';
import { ContextRepository, participantsOf, refKey, type RecordRow } from '../context/context.repository.js';
import { ContextService } from '../context/context.service.js';
import { OwnersService, type Resolved } from '../context/owners.service.js';
import { merge } from '../context/projection.js';
import type { RuleSet } from '../engine/evaluate.js';
import type { Decision } from '../engine/types.js';
import { RulesService } from '../rules/rules.service.js';
import { DecisionWriter } from '../evaluation/decision.writer.js';
import { Clock } from '../common/clock.js';
import { withRetry } from '../database/retry.js';
import { WriteBatch, type Writer } from '../database/write-batch.js';
import { readTogether } from '../database/read-batch.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { EventLogRepository } from '../eventlog/event-log.repository.js';
import { HTTP_SOURCE, type EventSource } from '../eventlog/event-source.js';

export interface IngestResult {
  accepted: number;
  duplicates: number;
  pending: number;
  decisions: Decision[];
  /** The events behind each count (applied includes earlier pending events released by this batch). */
  outcomes: { applied: EventEnvelope[]; duplicate: EventEnvelope[]; pending: EventEnvelope[] };
}

/**
 * The ingest pipeline shared by HTTP and Kafka: dedupe by id → resolve the participant → apply to the
 * read model → evaluate the participants touched. One transaction for the whole batch.
 */
@Injectable()
export class IngestService {
  private readonly logger = new Logger(IngestService.name);

  constructor(
    private readonly db: DataSource,
    private readonly context: ContextRepository,
    private readonly contexts: ContextService,
    private readonly owners: OwnersService,
    private readonly evaluation: DecisionWriter,
    private readonly rules: RulesService,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
    private readonly eventLog: EventLogRepository,
  ) {}

  /**
   * Ingests validated events; transient database failures are retried with backoff. `sources` names
   * where each event (by id) came from, for the event log; an event not in it came over HTTP.
   */
  async ingest(
    events: EventEnvelope[],
    now: () => number = () => this.clock.now(),
    sources?: ReadonlyMap<string, EventSource>,
  ): Promise<IngestResult> {
    const result = await withRetry(async () => {
      const ruleSet = await this.rules.activeRuleSet();
      return this.db.transaction((tx) => this.ingestIn(tx, events, now(), ruleSet, sources));
    }, this.logger);
    this.metrics.ingested(result.outcomes);
    await this.contexts.forget(result.decisions.map((d) => d.userId));
    return result;
  }

  async ingestIn(
    tx: EntityManager,
    events: EventEnvelope[],
    now: number,
    ruleSet: RuleSet,
    sources?: ReadonlyMap<string, EventSource>,
  ): Promise<IngestResult> {
    // The first copy of an id is the one kept, as if the copies had come one after the other.
    const firsts = new Map<string, EventEnvelope>();
    for (const e of events) if (!firsts.has(e.id)) firsts.set(e.id, e);
    const unique = [...firsts.values()];
    // The locks cover every unique event, duplicates included: one round trip with the dedupe.
    const fresh = await this.eventLog.unseen(tx, unique, this.owners.lockKeys(unique));
    const incoming = unique.filter((e) => fresh.has(e.id));
    const kept = new Set(incoming);
    const duplicates = events.filter((e) => !kept.has(e));

    const { resolved: applied, pending } = await this.owners.resolve(tx, incoming);
    // The event log and the merged records are written in the same statement as the decisions.
    const batch = new WriteBatch(tx);
    await this.logEvents(batch, incoming, applied, sources);

    const seen = new Map<string, { first: number; last: number }>();
    const causedBy = new Map<string, EventEnvelope[]>();
    for (const a of applied) {
      const t = Date.parse(a.event.timestamp);
      const s = seen.get(a.userId);
      seen.set(a.userId, { first: Math.min(s?.first ?? t, t), last: Math.max(s?.last ?? t, t) });
      causedBy.set(a.userId, [...(causedBy.get(a.userId) ?? []), a.event]);
    }
    // Lock the participants, then read their records, flags and milestones at once: the merge and the evaluation share them.
    const stored = await this.context.touchParticipants(tx, seen);
    const userIds = [...seen.keys()].sort();
    const [storedRecords, state] = await readTogether(tx, (r) => [
      this.context.loadRecords(r, userIds),
      this.evaluation.readState(r, userIds),
    ]);
    const records = await this.applyRecords(batch, applied, storedRecords);
    const loaded = participantsOf(userIds, stored, records.values());

    const decisions = await this.evaluation.evaluateUsers(tx, userIds, { now, causedBy, ruleSet, loaded, state, batch });
    await batch.flush();
    return {
      accepted: incoming.length,
      duplicates: duplicates.length,
      pending: pending.length,
      decisions,
      outcomes: { applied: applied.map((a) => a.event), duplicate: duplicates, pending },
    };
  }

  /**
   * Every newly accepted event joins the log, with its participant when known; earlier pending events
   * released by this batch join their participant's log now.
   */
  private async logEvents(
    tx: Writer,
    incoming: EventEnvelope[],
    applied: Resolved[],
    sources: ReadonlyMap<string, EventSource> | undefined,
  ): Promise<void> {
    const owner = new Map(applied.map((a) => [a.event.id, a.userId]));
    const fresh = new Set(incoming.map((e) => e.id));
    await this.eventLog.append(
      tx,
      incoming.map((event) => ({ event, userId: owner.get(event.id) ?? null, source: sources?.get(event.id) ?? HTTP_SOURCE })),
      applied.filter((a) => !fresh.has(a.event.id)).map((a) => ({ eventId: a.event.id, userId: a.userId })),
    );
  }

  /** Merges the events into the participants' records and writes those that changed; returns every record, merged. */
  private async applyRecords(tx: Writer, applied: Resolved[], stored: RecordRow[]): Promise<Map<string, RecordRow>> {
    const key = (r: { userId: string; entity: string; key: string }) => `${r.userId}\u0000${refKey(r.entity, r.key)}`;
    const records = new Map(stored.map((r) => [key(r), r]));
    const touched = new Map<string, { row: RecordRow; added: boolean }>();
    for (const a of applied) {
      const row = { userId: a.userId, entity: a.patch.entity, key: a.patch.key };
      const k = key(row);
      const before = records.get(k);
      const merged = { ...row, record: merge(before?.record, a.patch, Date.parse(a.event.timestamp)) };
      records.set(k, merged);
      // Added if no stored row and no earlier event of this batch made it.
      touched.set(k, { row: merged, added: touched.get(k)?.added ?? before === undefined });
    }
    const written = [...touched.values()];
    await this.context.writeRecords(tx, {
      added: written.filter((t) => t.added).map((t) => t.row),
      changed: written.filter((t) => !t.added).map((t) => t.row),
    });
    return records;
  }
}
