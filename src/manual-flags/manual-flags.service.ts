import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { invalid, notFound } from '../common/errors.js';
import { ContextRepository } from '../context/context.repository.js';
import { ContextService } from '../context/context.service.js';
import { readTogether } from '../database/read-batch.js';
import { FLAG_EVENT, MANUAL_OWNER } from '../contracts/rule.js';
import { DecisionWriter } from '../evaluation/decision.writer.js';
import { FlagsRepository, type FlagWrite } from '../flags/flags.repository.js';
import { toFlagResponse } from '../flags/flags.dto.js';
import { outputEnvelope } from '../outbox/envelope.js';
import { OutboxRepository } from '../outbox/outbox.repository.js';
import { RulesService } from '../rules/rules.service.js';
import type { ManualFlagBody, ManualFlagResponse } from './manual-flags.dto.js';

/**
 * Flags set by hand: the rules leave a manual flag alone until it is handed back, when the
 * participant is re-evaluated at once. Each write is one transaction: flag, history row, output event.
 */
@Injectable()
export class ManualFlagsService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly rules: RulesService,
    private readonly flags: FlagsRepository,
    private readonly context: ContextRepository,
    private readonly outbox: OutboxRepository,
    private readonly evaluation: DecisionWriter,
    private readonly contexts: ContextService,
  ) {}

  async set(userId: string, flag: string, body: ManualFlagBody, actor: string): Promise<ManualFlagResponse> {
    const now = this.clock.now();
    if (body.expiresAt !== null && body.expiresAt <= now)
      throw invalid('invalid manual flag', [{ path: 'expiresAt', reason: 'must be in the future' }]);
    const ruleSet = await this.rules.activeRuleSet();
    const row = await this.db.transaction(async (tx) => {
      await this.lock(tx, userId, flag);
      const current = await this.flags.findOne(tx, userId, flag);
      const previousValue = current ? current.value && !(current.expiresAt && current.expiresAt.getTime() <= now) : null;
      const change = manualChange(userId, flag, body.value, previousValue, body.reason, body.expiresAt, now, actor);
      await this.flags.applyChanges(tx, [change]);
      await this.outbox.append(tx, [announce(change)]);
      // The participant's next due instant takes the manual expiry into account.
      await this.evaluation.evaluateUsers(tx, [userId], { now, ruleSet, trigger: 'manual' });
      return this.flags.findOne(tx, userId, flag);
    });
    await this.contexts.forget([userId]);
    return { userId, flag: row ? toFlagResponse(row, now) : null };
  }

  /** Hands a manual flag back to the rules and re-evaluates the participant in the same transaction. */
  async handBack(userId: string, flag: string, actor: string): Promise<ManualFlagResponse> {
    const now = this.clock.now();
    const ruleSet = await this.rules.activeRuleSet();
    const row = await this.db.transaction(async (tx) => {
      await this.lock(tx, userId, flag);
      // The flag keeps its value, owned by nobody; the rules acting on it decide afresh, as on a rising edge.
      const value = await this.flags.release(tx, userId, flag, now);
      if (value === undefined) throw notFound(`the flag ${flag} of participant ${userId} is not set by hand`);
      const [loaded] = await readTogether(tx, (r) => [this.context.loadParticipants(r, [userId])]);
      const p = loaded.get(userId)!;
      p.matchedRules = p.matchedRules.filter((id) => !ruleSet.byId.get(id)?.flagActions.has(flag));
      const [decision] = await this.evaluation.evaluateUsers(tx, [userId], { now, ruleSet, loaded, trigger: 'manual' });
      if (!decision.flagChanges.some((c) => c.flag === flag)) {
        // No rule changed it: the first matching rule acting on it holds it as it is, or none does and it
        // falls back to false; the history and the outputs say so.
        const holder = decision.triggeredRules.map((id) => ruleSet.byId.get(id)!).find((r) => r.flagActions.has(flag));
        if (holder) await this.flags.reassign(tx, [{ userId, flag, ruleId: holder.id }]);
        else await this.flags.removeReleased(tx, userId, flag);
        if (holder || value) {
          const change = manualChange(userId, flag, holder ? value : false, value, 'handed back to the rules', null, now, actor);
          if (holder) Object.assign(change, { ruleId: holder.id, ruleVersion: holder.version });
          await this.flags.insertHistory(tx, [change]);
          await this.outbox.append(tx, [announce(change)]);
        }
      }
      return this.flags.findOne(tx, userId, flag);
    });
    await this.contexts.forget([userId]);
    return { userId, flag: row ? toFlagResponse(row, now) : null };
  }

  private async lock(tx: EntityManager, userId: string, flag: string): Promise<void> {
    await this.context.lockParticipants(tx, [userId]);
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`flag:${userId}:${flag}`]);
  }
}

function manualChange(
  userId: string,
  flag: string,
  value: boolean,
  previousValue: boolean | null,
  reason: string,
  expiresAt: number | null,
  now: number,
  actor: string,
): FlagWrite {
  return {
    userId,
    flag,
    value,
    previousValue,
    ruleId: MANUAL_OWNER,
    ruleVersion: null,
    reason,
    expiresAt,
    causedBy: null,
    causedByEvents: null,
    trigger: 'manual',
    explanation: { reason: 'set by hand' },
    at: now,
    occurredAt: now,
    actor,
  };
}

const announce = (c: FlagWrite) =>
  outputEnvelope(
    FLAG_EVENT,
    { userId: c.userId, flag: c.flag, value: c.value, previousValue: c.previousValue, ruleId: c.ruleId, reason: c.reason },
    c.at,
  );
