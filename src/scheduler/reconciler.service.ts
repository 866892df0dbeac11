import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { Change, Decision } from '../engine/types.js';
import { DecisionWriter } from '../evaluation/decision.writer.js';
import { RulesService } from '../rules/rules.service.js';
import { Clock } from '../common/clock.js';
import { DueRepository, type DueRow } from '../context/due.repository.js';
import { PeriodicService } from './periodic.js';

/** Participants per transaction of the sweep. */
export const SWEEP_BATCH = 500;
/** How many missed participants a warning names. */
const NAMED = 10;

export interface Missed {
  userId: string;
  /** The due instant stored for the participant before the sweep (ISO), null if none. */
  nextDueAt: string | null;
  changes: string[];
}

export interface SweepResult {
  swept: number;
  /** Participants the sweep changed though nothing was due for them: something was missed. */
  missed: Missed[];
}

const describe = (c: Change) =>
  c.type === 'milestone_reached' ? `milestone ${c.milestone}` : c.type === 'event_emitted' ? `emit ${c.event}` : `${c.type} ${c.flag}`;

/**
 * The safety net under the scheduler: every `reconcileIntervalMs` it walks all participants in
 * pages (keyset order, one transaction per page), re-evaluates them and writes what changed.
 * Normally that is nothing; a change for a participant that was not simply due means a due instant
 * was lost somewhere, and is logged as a warning.
 */
@Injectable()
export class ReconcilerService extends PeriodicService {
  constructor(
    private readonly db: DataSource,
    private readonly rules: RulesService,
    private readonly evaluation: DecisionWriter,
    private readonly due: DueRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // The first sweep one interval after start-up: the scheduler catches up the backlog by itself.
    super('reconciliation', config.reconcileIntervalMs);
  }

  protected tick(): Promise<number | void> {
    return this.sweep().then(() => undefined);
  }

  async sweep(): Promise<SweepResult> {
    const started = performance.now();
    let after: string | null = null;
    let swept = 0;
    const missed: Missed[] = [];
    do {
      const ruleSet = await this.rules.activeRuleSet();
      const now = this.clock.now();
      const page: { last: string | null; found: Missed[]; count: number } = await this.db.transaction(async (tx) => {
        const { last, locked } = await this.due.lockPage(tx, after, SWEEP_BATCH);
        const decisions = await this.evaluation.evaluateUsers(
          tx,
          locked.map((r) => r.userId),
          { now, ruleSet, dueAt: new Map(locked.map((r) => [r.userId, r.nextDueAt])) },
        );
        return { last, found: this.missedIn(locked, decisions, now), count: locked.length };
      });
      swept += page.count;
      missed.push(...page.found);
      after = page.last;
    } while (after !== null && !this.closing);

    const took = Math.round(performance.now() - started);
    if (missed.length > 0) {
      const named = missed
        .slice(0, NAMED)
        .map((m) => `${m.userId} (${m.changes.join(', ')}; was due ${m.nextDueAt ?? 'never'})`)
        .join('; ');
      this.logger.warn(
        `reconciliation found ${missed.length} participant(s) left out of date, now corrected: ${named}${missed.length > NAMED ? '; …' : ''}`,
      );
    } else this.logger.debug(`reconciliation swept ${swept} participant(s) in ${took} ms; nothing was missed`);
    return { swept, missed };
  }

  /**
   * Changes for participants the scheduler had not reached yet are its work, not a miss: those due
   * at most a minute ago (or any time, when the scheduler is off and the sweep is the only timekeeper).
   */
  private missedIn(rows: DueRow[], decisions: Decision[], now: number): Missed[] {
    const interval = this.config.schedulerIntervalMs;
    const grace = interval === 0 ? Infinity : Math.max(60_000, 10 * interval);
    const dueAt = new Map(rows.map((r) => [r.userId, r.nextDueAt]));
    const out: Missed[] = [];
    for (const d of decisions) {
      if (d.changes.length === 0) continue;
      const due = dueAt.get(d.userId) ?? null;
      if (due !== null && due <= now && now - due <= grace) continue;
      out.push({ userId: d.userId, nextDueAt: due === null ? null : new Date(due).toISOString(), changes: d.changes.map(describe) });
    }
    return out;
  }
}
