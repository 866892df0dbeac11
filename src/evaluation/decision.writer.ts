import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ContextRepository, type LoadedParticipant } from '../context/context.repository.js';
import type { EventEnvelope, OutputEnvelope } from '../contracts/events.js';
import { MILESTONE_EVENT } from '../contracts/rule.js';
import { evaluate, type RuleSet } from '../engine/evaluate.js';
import type { Decision, FlagState } from '../engine/types.js';
import { FlagsRepository, type FlagWrite, type Trigger } from '../flags/flags.repository.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { milestoneKey, MilestonesRepository } from '../milestones/milestones.repository.js';
import { outputEnvelope } from '../outbox/envelope.js';
import { OutboxRepository } from '../outbox/outbox.repository.js';
import { recordRuleRollup } from '../stats/rollup.js';
import { WriteBatch } from '../database/write-batch.js';
import { readTogether, type Reader } from '../database/read-batch.js';

/** What the engine's state holds besides the participants' own rows: their flags and milestones. */
export interface StoredState {
  flags: ReadonlyMap<string, Record<string, FlagState>>;
  milestones: ReadonlyMap<string, Set<string>>;
}

export interface EvaluateOptions {
  now: number;
  /** Fetched before the transaction: the embedded database has a single connection. */
  ruleSet: RuleSet;
  /** The input events behind each participant's evaluation, in order (the last gives causation and correlation ids). */
  causedBy?: ReadonlyMap<string, readonly EventEnvelope[]>;
  /** The due instant that brought each participant to a time-driven evaluation. */
  dueAt?: ReadonlyMap<string, number | null>;
  /** What started an evaluation without events or a due instant (default: evaluation, e.g. a rule change). */
  trigger?: Extract<Trigger, 'manual' | 'evaluation'>;
  /** Decide but write nothing. */
  dryRun?: boolean;
  /** The participants' contexts and state when the caller has already read them (ingest, a hand-back). */
  loaded?: ReadonlyMap<string, LoadedParticipant>;
  /** Their flags and milestones when the caller has already read them (ingest, with the records: readState). */
  state?: StoredState;
  /** Writes the caller queued to go in the same statement as the decisions' (ingest: the merged records). */
  batch?: WriteBatch;
}

/**
 * The decision writer: context → engine → one write. Flags, history, milestones, outbox and
 * per-participant state go in the caller's transaction, so they commit together or not at all.
 * Used by ingest, the scheduler and the sweep, backfills and previews, and manual evaluation.
 */
@Injectable()
export class DecisionWriter {
  constructor(
    private readonly context: ContextRepository,
    private readonly flags: FlagsRepository,
    private readonly milestones: MilestonesRepository,
    private readonly outbox: OutboxRepository,
    private readonly metrics: MetricsService,
  ) {}

  /** The flags and milestones of these participants, read through the caller's reader (readTogether). */
  async readState(reader: Reader, userIds: string[]): Promise<StoredState> {
    const [flags, milestones] = await Promise.all([this.flags.loadStates(reader, userIds), this.milestones.loadNames(reader, userIds)]);
    return { flags, milestones };
  }

  /** Evaluates participants (already locked by the caller) and writes what changed. */
  async evaluateUsers(tx: EntityManager, userIds: string[], opts: EvaluateOptions): Promise<Decision[]> {
    if (userIds.length === 0) return [];
    const started = performance.now();
    const { ruleSet } = opts;
    // What the caller has not read yet, in one round trip.
    const [participants, { flags: flagStates, milestones: reached }] = await readTogether(tx, (r) => [
      opts.loaded ?? this.context.loadParticipants(r, userIds),
      opts.state ?? this.readState(r, userIds),
    ]);
    const decisions: Decision[] = [];
    const fired: string[] = [];
    for (const userId of userIds) {
      const p = participants.get(userId)!;
      const matched = Object.fromEntries(p.matchedRules.map((id) => [id, true]));
      const state = { matched, flags: flagStates.get(userId) ?? {}, milestones: reached.get(userId) ?? new Set<string>() };
      const decision = evaluate(ruleSet, p.context, state, opts.now);
      fired.push(...decision.triggeredRules.filter((id) => matched[id] !== true));
      decisions.push(decision);
    }
    if (!opts.dryRun) {
      await this.write(tx, decisions, participants, fired, opts);
      // Counted once written; a transaction the caller rolls back and retries counts again.
      const seconds = (performance.now() - started) / 1000;
      this.metrics.evaluated(
        seconds,
        userIds.length,
        fired,
        decisions.flatMap((d) => d.flagChanges),
      );
    }
    return decisions;
  }

  private async write(
    tx: EntityManager,
    decisions: Decision[],
    participants: ReadonlyMap<string, LoadedParticipant>,
    fired: string[],
    opts: EvaluateOptions,
  ): Promise<void> {
    const flagWrites: FlagWrite[] = [];
    const milestones: { userId: string; milestone: string; ruleId: string; metadata: object; at: number; occurredAt: number }[] = [];
    const envelopes: OutputEnvelope[] = [];
    const outputTimes: number[] = [];
    const states: Parameters<ContextRepository['saveStates']>[1] = [];
    const owners: { userId: string; flag: string; ruleId: string }[] = [];
    const { now, ruleSet } = opts;
    for (const d of decisions) {
      const { cause, occurredAt, trigger, causedByEvents } = causeOf(d.userId, opts);
      for (const c of d.flagChanges) {
        flagWrites.push({
          userId: d.userId,
          flag: c.flag,
          value: c.value,
          previousValue: c.previousValue,
          ruleId: c.ruleId,
          ruleVersion: ruleSet.byId.get(c.ruleId)?.version ?? null,
          reason: c.reason,
          expiresAt: c.expiresAt,
          causedBy: cause?.id ?? null,
          causedByEvents,
          trigger,
          explanation: c.explanation,
          at: now,
          occurredAt,
        });
      }
      for (const o of d.ownerChanges) owners.push({ userId: d.userId, ...o });
      for (const m of d.milestones)
        milestones.push({ userId: d.userId, milestone: m.milestone, ruleId: m.ruleId, metadata: m.metadata, at: now, occurredAt });
      for (const e of d.events) {
        envelopes.push(outputEnvelope(e.type, e.data, now, cause));
        outputTimes.push(occurredAt);
      }
      const p = participants.get(d.userId)!;
      // Rules not active now keep their remembered state: re-activating one is no fresh edge for those who matched.
      const matchedRules = [...p.matchedRules.filter((id) => !ruleSet.byId.has(id)), ...d.triggeredRules];
      // A participant never seen and matching nothing leaves no trace.
      if (p.known || matchedRules.length > 0 || d.flagChanges.length > 0) {
        states.push({ userId: d.userId, matchedRules, nextDueAt: d.nextDueAt, evaluatedAt: now, seen: seenOf(d.userId, opts) });
      }
    }
    // One statement for the writes that read nothing back, with what the caller queued (WriteBatch);
    // a reassignment (journey_flags again) and the milestones (whose result decides what is
    // announced) go on their own, when there are any.
    const batch = opts.batch ?? new WriteBatch(tx);
    await this.context.saveStates(batch, states);
    await this.flags.applyChanges(batch, flagWrites);
    await recordRuleRollup(
      batch,
      fired.map((ruleId) => ({ ruleId, version: ruleSet.byId.get(ruleId)?.version ?? 0 })),
      now,
    );
    let recorded = new Set<string>();
    if (owners.length > 0 || milestones.length > 0) {
      await batch.flush();
      await this.flags.reassign(tx, owners);
      recorded = await this.milestones.insertMany(tx, milestones);
    }
    // A milestone recorded meanwhile (by hand, or by another instance) is announced by whoever recorded it.
    const announced = envelopes.map((e, i) => ({ e, at: outputTimes[i] }));
    const kept = announced.filter(
      ({ e }) => e.type !== MILESTONE_EVENT || recorded.has(milestoneKey(e.data.userId, String(e.data.milestone))),
    );
    await this.outbox.append(
      batch,
      kept.map((k) => k.e),
      kept.map((k) => k.at),
    );
    await batch.flush();
  }
}

/** When the input events behind a participant's evaluation happened (none: not caused by events). */
function seenOf(userId: string, { causedBy }: EvaluateOptions): { first: number; last: number } | undefined {
  const times = causedBy?.get(userId)?.map((e) => Date.parse(e.timestamp));
  return times?.length ? { first: Math.min(...times), last: Math.max(...times) } : undefined;
}

/**
 * What caused a participant's decisions, in program time: the latest of their input events, else the
 * due instant time reached, else the moment of the evaluation itself.
 */
function causeOf(userId: string, { now, causedBy, dueAt, trigger }: EvaluateOptions) {
  const events = causedBy?.get(userId);
  if (events?.length) {
    return {
      cause: events[events.length - 1],
      occurredAt: Math.max(...events.map((e) => Date.parse(e.timestamp))),
      trigger: 'events' as const,
      causedByEvents: events.map((e) => e.id),
    };
  }
  const due = dueAt?.get(userId) ?? null;
  if (due !== null && due <= now) return { cause: undefined, occurredAt: due, trigger: 'time' as const, causedByEvents: null };
  return { cause: undefined, occurredAt: now, trigger: trigger ?? ('evaluation' as const), causedByEvents: null };
}
