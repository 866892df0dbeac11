import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { DecisionWriter } from '../evaluation/decision.writer.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { RulesService } from '../rules/rules.service.js';
import { Clock } from '../common/clock.js';
import { DueRepository } from '../context/due.repository.js';
import { PeriodicService } from './periodic.js';

/** Participants claimed per transaction. */
export const DUE_BATCH = 500;

/**
 * Re-evaluates participants when time alone may change their flags. Every evaluation stores the
 * participant's next due instant (the engine's `nextDueAt`); this loop claims those that are due,
 * evaluates them in the same transaction, which stores their next instant. Several instances can
 * run at once: a claimed row is locked, and the others skip it.
 */
@Injectable()
export class SchedulerService extends PeriodicService {
  /** Since start-up: looks at the due list, batches claimed, participants evaluated, lag of the last batch. */
  readonly stats = { runs: 0, batches: 0, evaluated: 0, lastLagMs: 0 };

  constructor(
    private readonly db: DataSource,
    private readonly rules: RulesService,
    private readonly evaluation: DecisionWriter,
    private readonly due: DueRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    // The first look is immediate: whatever fell due while the service was down is caught up at once.
    super('scheduler', config.schedulerIntervalMs, 0);
  }

  protected tick(): Promise<number | void> {
    return this.look();
  }

  /**
   * One look: everyone due is evaluated; then, if an instant falls before the next regular look,
   * the next look is at that instant, so a flip known in advance lands on time, not up to an interval late.
   */
  private async look(): Promise<number | void> {
    await this.runDue();
    if (this.closing) return;
    const now = this.clock.now();
    const next = await this.due.earliestAfter(this.db.manager, now);
    if (next !== null) return next - now;
  }

  /** Evaluates everyone due now, batch after batch while batches come back full; returns how many. */
  async runDue(): Promise<number> {
    this.stats.runs++;
    let total = 0;
    let worstLag = 0;
    for (;;) {
      const { evaluated, lagMs } = await this.runBatch();
      total += evaluated;
      worstLag = Math.max(worstLag, lagMs);
      if (evaluated < DUE_BATCH || this.closing) break;
    }
    this.metrics.schedulerLag.set(worstLag / 1000);
    if (total > 0) {
      const line = `evaluated ${total} due participant(s), lag up to ${worstLag} ms`;
      // A flip is promised within about an interval of its instant; far beyond that, say so.
      if (worstLag > Math.max(5_000, 5 * this.config.schedulerIntervalMs)) this.logger.warn(`behind schedule: ${line}`);
      else this.logger.debug(line);
    }
    return total;
  }

  private async runBatch(): Promise<{ evaluated: number; lagMs: number }> {
    // Before the transaction: the embedded database has a single connection.
    const ruleSet = await this.rules.activeRuleSet();
    const now = this.clock.now();
    const claimed = await this.db.transaction(async (tx) => {
      const rows = await this.due.claimDue(tx, now, DUE_BATCH);
      await this.evaluation.evaluateUsers(
        tx,
        rows.map((r) => r.userId),
        { now, ruleSet, dueAt: new Map(rows.map((r) => [r.userId, r.nextDueAt])) },
      );
      return rows;
    });
    if (claimed.length === 0) return { evaluated: 0, lagMs: 0 };
    const lagMs = now - claimed[0].nextDueAt!;
    this.stats.batches++;
    this.stats.evaluated += claimed.length;
    this.stats.lastLagMs = lagMs;
    return { evaluated: claimed.length, lagMs };
  }
}
