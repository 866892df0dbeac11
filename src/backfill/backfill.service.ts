import { Clock } from '../common/clock.js';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ContextRepository } from '../context/context.repository.js';
import { notFound } from '../common/errors.js';
import { withCorrelation } from '../common/logger.js';
import { isTransient, withRetry } from '../database/retry.js';
import type { RuleSet } from '../engine/evaluate.js';
import { DecisionWriter } from '../evaluation/decision.writer.js';
import { RulesService, type RuleChange } from '../rules/rules.service.js';
import { BackfillRepository, type Backfill } from './backfill.repository.js';

type Job = { ruleId: string; action: 'start' | 'resume' } | { ruleId: string; action: 'cancel'; reason: string };

const PROGRESS_LOG_MS = 2000;

/**
 * A batch failing this many times in a row (an error each time), or a walk the process died in
 * this many times at one cursor (uncatchable, e.g. its heap exhausted), ends the backfill `failed`.
 */
export const MAX_ATTEMPTS = 3;

/**
 * Participants × bytes of the active rules' conditions a batch may evaluate. A participant's
 * evaluation state and explanations grow with the rules' conditions, so the batch shrinks as the
 * rules grow: 200 ordinary rules (~100 KB, the benchmark's) keep full batches of 1,000; a rule of
 * 836 KB gets batches of ~120, whose explanations stay within a few hundred MB even uncompacted.
 */
export const BATCH_COST_BUDGET = 100_000_000;

const conditionBytes = new WeakMap<RuleSet, number>();

/** Participants per batch for this rule set: the configured size, less for costly rules, at least one. */
export function batchSizeFor(ruleSet: RuleSet, configured: number): number {
  let bytes = conditionBytes.get(ruleSet);
  if (bytes === undefined) {
    bytes = ruleSet.rules.reduce((sum, r) => sum + JSON.stringify(r.doc.conditions).length, 0);
    conditionBytes.set(ruleSet, bytes);
  }
  return Math.max(1, Math.min(configured, Math.floor(BATCH_COST_BUDGET / Math.max(bytes, 1))));
}

/**
 * When a rule is created, activated or changed, every known participant is re-evaluated with the
 * active rules, in keyset-ordered batches of one transaction each, so existing participants get
 * the new rule's flags without waiting for their next event. Progress lives in rule_backfills:
 * a change restarts the rule's backfill, a restart of the service resumes it from its cursor.
 *
 * Events go out exactly once because evaluation is edge-triggered: a participant whose rule
 * already matched (live, or in an earlier batch) does not fire it again, and a batch's decisions
 * and its progress commit together.
 *
 * Since every batch evaluates all active rules, backfills waiting together (the default rules at
 * the first start, or a `journey rules apply` of several rules) share one walk over the population.
 */
@Injectable()
export class BackfillService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Backfill');
  /** Pending jobs, one per rule, in arrival order; walks run one at a time. */
  private readonly queue = new Map<string, Job>();
  /** Rules of the walk in progress, and those a newer change took out of it. */
  private readonly walking = new Set<string>();
  private readonly leaving = new Set<string>();
  private worker: Promise<void> | undefined;
  private subscription: Subscription | undefined;
  private closing = false;

  constructor(
    private readonly db: DataSource,
    private readonly repo: BackfillRepository,
    private readonly participants: ContextRepository,
    private readonly rules: RulesService,
    private readonly evaluation: DecisionWriter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Listens before any bootstrap hook runs, so the default rules loaded at start-up are backfilled too. */
  onModuleInit(): void {
    if (this.config.backfillBatchSize === 0) return;
    this.subscription = this.rules.changes$.subscribe((change) => this.onChange(change));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.backfillBatchSize === 0) return;
    for (const b of await this.repo.findRunning()) {
      this.logger.log(`resuming the backfill of ${b.ruleId} at ${b.processed}/${b.total}`);
      if (!this.queue.has(b.ruleId)) this.queue.set(b.ruleId, { ruleId: b.ruleId, action: 'resume' });
    }
    this.kick();
  }

  /** No new work once shutdown begins; the batch in flight commits, and the next start resumes after it. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    this.subscription?.unsubscribe();
    await this.worker;
  }

  async status(ruleId: string): Promise<Backfill> {
    const b = await this.repo.findByRule(ruleId);
    if (!b) throw notFound(`rule ${ruleId} has no backfill`);
    return b;
  }

  private onChange({ ruleId, kind }: RuleChange): void {
    if (this.closing) {
      this.logger.warn(`rule ${ruleId} ${kind} during shutdown: not backfilled`);
      return;
    }
    const job: Job =
      kind === 'deactivated' || kind === 'deleted'
        ? { ruleId, action: 'cancel', reason: `the rule was ${kind}` }
        : { ruleId, action: 'start' };
    this.queue.delete(ruleId);
    this.queue.set(ruleId, job);
    // Restarted: it leaves the walk at the next batch. Deactivated or deleted: the walk sees it gone from the active rules.
    if (job.action === 'start' && this.walking.has(ruleId)) this.leaving.add(ruleId);
    this.kick();
  }

  private kick(): void {
    if (this.worker || this.closing || this.queue.size === 0) return;
    this.worker = withCorrelation('backfill', () => this.drain()).finally(() => {
      this.worker = undefined;
      this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (!this.closing) {
      const job = this.queue.values().next().value;
      if (!job) return;
      // Jobs of the same kind join the first one's walk: all fresh starts, or resumptions from one cursor.
      const batch = [...this.queue.values()].filter((j) => j.action === job.action);
      try {
        switch (job.action) {
          case 'cancel':
            this.queue.delete(job.ruleId);
            await this.repo.fail(job.ruleId, `cancelled: ${job.reason}`);
            break;
          case 'start':
            for (const j of batch) this.queue.delete(j.ruleId);
            await this.start(batch.map((j) => j.ruleId));
            break;
          case 'resume':
            for (const j of batch) this.queue.delete(j.ruleId);
            await this.resume(batch.map((j) => j.ruleId));
            break;
        }
      } catch (e) {
        const message = (e as Error).message;
        const ids = batch.map((j) => j.ruleId);
        this.logger.error(`backfill of ${ids.join(', ')} failed: ${message}`);
        for (const id of ids)
          await this.repo.fail(id, message).catch((err: Error) => this.logger.error(`could not record it: ${err.message}`));
      } finally {
        this.walking.clear();
        this.leaving.clear();
      }
    }
  }

  private async start(ruleIds: string[]): Promise<void> {
    const active = (await this.rules.activeRuleSet()).byId;
    // A change to an inactive rule changes no participant.
    const ids = ruleIds.filter((id) => active.has(id));
    if (ids.length === 0) return;
    const total = await this.participants.countParticipants(this.db.manager);
    const runs: Backfill[] = [];
    for (const id of ids) runs.push(await this.repo.restart(id, active.get(id)!.version, total));
    this.logger.log(
      `backfill of ${ids.map((id) => `${id} (version ${active.get(id)!.version})`).join(', ')} started: ${total} participants`,
    );
    await this.walk(runs);
  }

  private async resume(ruleIds: string[]): Promise<void> {
    const rows: Backfill[] = [];
    for (const id of ruleIds) {
      const b = await this.repo.claim(id);
      if (!b) continue;
      if (b.attempts > MAX_ATTEMPTS) {
        // Each earlier start died in this walk without committing a batch: resuming would crash-loop the service.
        const reason = `quarantined: the service stopped ${b.attempts - 1} times in a row while backfilling after participant ${b.cursor ?? '(the first)'}, without finishing a batch (out of memory?); change or re-activate the rule to try again`;
        this.logger.error(`backfill of ${id}: ${reason}`);
        await this.repo.fail(id, reason, b.run);
        continue;
      }
      rows.push(b);
    }
    // Runs interrupted together stopped at the same cursor: one walk each per cursor.
    const byCursor = new Map<string | null, Backfill[]>();
    for (const b of rows) byCursor.set(b.cursor, [...(byCursor.get(b.cursor) ?? []), b]);
    for (const runs of byCursor.values()) {
      if (this.closing) return;
      await this.walk(runs);
    }
  }

  /** One pass over the participants after the runs' common cursor, advancing them all batch by batch. */
  private async walk(runs: Backfill[]): Promise<void> {
    const started = Date.now();
    const total = Math.max(...runs.map((b) => b.total));
    let { cursor, processed } = runs[0];
    let logged = started;
    let members = runs;
    for (const b of members) this.walking.add(b.ruleId);
    const name = () => members.map((b) => b.ruleId).join(', ');
    for (;;) {
      if (this.closing) {
        await this.repo.pause(members);
        this.logger.log(`backfill of ${name()} paused by shutdown at ${processed}/${total}; it resumes at the next start`);
        return;
      }
      // Fetched before the transaction (the embedded database has one connection): the newest rules each batch.
      const ruleSet = await this.rules.activeRuleSet();
      for (const b of members.filter((m) => !this.leaving.has(m.ruleId) && !ruleSet.byId.has(m.ruleId))) {
        await this.repo.fail(b.ruleId, 'cancelled: the rule is no longer active', b.run);
        this.logger.log(`backfill of ${b.ruleId} cancelled: the rule is no longer active`);
        this.leaving.add(b.ruleId);
      }
      // A rule changed again starts over in a later walk; a deactivated one is cancelled.
      members = members.filter((m) => !this.leaving.has(m.ruleId));
      if (members.length === 0) return;
      const current = members;
      const size = batchSizeFor(ruleSet, this.config.backfillBatchSize);
      const batch = await this.attempt(
        () =>
          withRetry(
            () =>
              this.db.transaction(async (tx) => {
                // Waits for a row an ingest holds rather than skipping it: that ingest may have decided with
                // the rules from before the change, and a skipped participant would miss the new rule.
                const ids = await this.participants.idsAfter(tx, cursor, size, 'wait');
                if (ids.length > 0) await this.evaluation.evaluateUsers(tx, ids, { now: this.clock.now(), ruleSet });
                const last = ids[ids.length - 1] ?? cursor;
                const still = await this.repo.advance(tx, current, last, ids.length, ids.length < size);
                return { ids, still };
              }),
            this.logger,
          ),
        cursor,
      );
      if ('failed' in batch) {
        for (const b of members) await this.repo.fail(b.ruleId, batch.failed, b.run);
        this.logger.error(`backfill of ${name()} ${batch.failed}`);
        return;
      }
      // A run restarted elsewhere (another instance) owns its row now.
      members = members.filter((m) => batch.still.has(m.ruleId));
      processed += batch.ids.length;
      cursor = batch.ids[batch.ids.length - 1] ?? cursor;
      const now = Date.now();
      if (batch.ids.length < size) {
        const seconds = (now - started) / 1000;
        const walked = processed - runs[0].processed;
        if (members.length)
          this.logger.log(
            `backfill of ${name()} completed: ${processed} participants; ${walked} in ${seconds.toFixed(1)} s (${Math.round(walked / Math.max(seconds, 0.001))}/s)`,
          );
        return;
      }
      if (now - logged >= PROGRESS_LOG_MS) {
        logged = now;
        const pct = total ? Math.min(100, Math.round((100 * processed) / total)) : 100;
        this.logger.log(`backfill of ${name()}: ${processed}/${total} (${pct}%) after ${((now - started) / 1000).toFixed(1)} s`);
      }
    }
  }

  /**
   * Runs a batch, again after an error that is not transient (those `withRetry` handles) up to
   * MAX_ATTEMPTS times in all; answers the failure's reason when every attempt failed.
   */
  private async attempt<T extends object>(batch: () => Promise<T>, cursor: string | null): Promise<T | { failed: string }> {
    for (let i = 1; ; i++) {
      try {
        return await batch();
      } catch (e) {
        const message = (e as Error).message;
        if (i >= MAX_ATTEMPTS || isTransient(e))
          return { failed: `failed after ${i} attempts at the batch after participant ${cursor ?? '(the first)'}: ${message}` };
        this.logger.warn(`backfill batch after ${cursor ?? '(the first)'} failed (${message}); attempt ${i + 1} of ${MAX_ATTEMPTS}`);
        await new Promise((r) => setTimeout(r, 100 * 2 ** (i - 1)));
      }
    }
  }
}
