import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { ContextService } from '../context/context.service.js';
import { compileRule, explainRule } from '../engine/evaluate.js';
import { ContextRepository } from '../context/context.repository.js';
import { RulesService } from '../rules/rules.service.js';
import { DecisionWriter } from './decision.writer.js';

/** The manual use cases: evaluate one participant now (or dry-run at an instant), explain a rule for one. */
@Injectable()
export class EvaluationService {
  constructor(
    private readonly db: DataSource,
    private readonly contextService: ContextService,
    private readonly rules: RulesService,
    private readonly context: ContextRepository,
    private readonly decisions: DecisionWriter,
    private readonly clock: Clock,
  ) {}

  /** A manual evaluation of one participant (POST /journey/flags/:userId/evaluate). */
  async evaluateNow(userId: string, { dryRun = false, asOf }: { dryRun?: boolean; asOf?: number } = {}) {
    const now = asOf ?? this.clock.now();
    const ruleSet = await this.rules.activeRuleSet();
    const [d] = dryRun
      ? await this.decisions.evaluateUsers(this.db.manager, [userId], { now, ruleSet, dryRun })
      : await this.db.transaction(async (tx) => {
          await this.context.lockParticipants(tx, [userId]);
          return this.decisions.evaluateUsers(tx, [userId], { now, ruleSet, trigger: 'manual' });
        });
    if (!dryRun) await this.contextService.forget([userId]);
    return {
      userId,
      evaluatedRules: d.evaluatedRules,
      triggeredRules: d.triggeredRules,
      changes: d.changes,
      timestamp: new Date(now).toISOString(),
      ...(dryRun ? { dryRun: true } : {}),
    };
  }

  /** Why a rule does (not) match a participant at `now`. */
  async explain(ruleId: string, userId: string, now: number = this.clock.now()) {
    const stored = await this.rules.get(ruleId);
    const rule = compileRule(stored.doc, stored.version);
    const { context } = await this.contextService.get(userId);
    const { matched, conditions, nextChangeAt } = explainRule(rule, context, now);
    return {
      ruleId,
      userId,
      asOf: new Date(now).toISOString(),
      active: stored.active,
      matched,
      conditions,
      nextChangeAt: nextChangeAt === null ? null : new Date(nextChangeAt).toISOString(),
    };
  }
}
