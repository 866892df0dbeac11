import { Clock } from '../common/clock.js';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ContextRepository } from '../context/context.repository.js';
import { invalid } from '../common/errors.js';
import { validateRule } from '../contracts/validation.js';
import { compileRule, RuleSet } from '../engine/evaluate.js';
import { DecisionWriter } from '../evaluation/decision.writer.js';

export interface Preview {
  /** Participants whose conditions hold now. */
  matching: number;
  evaluated: number;
  /** Flags the rule would set (a change of value), and clear. */
  wouldSet: number;
  wouldClear: number;
  /** The first matching participants, in id order. */
  sample: string[];
}

const SAMPLE = 20;
const DEFAULT_BATCH = 1000;

/**
 * What a rule would do if it went live now, computed over every known participant and saved nowhere:
 * the rule alone, against the participants' real records, flags and per-rule state (so previewing a
 * change to an existing rule shows only what the change would alter). Participants are read in
 * keyset-ordered batches: memory stays flat however large the population.
 */
@Injectable()
export class PreviewService {
  constructor(
    private readonly db: DataSource,
    private readonly participants: ContextRepository,
    private readonly evaluation: DecisionWriter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async preview(input: unknown): Promise<Preview> {
    const result = validateRule(input);
    if (!result.ok) throw invalid('the rule is invalid', result.problems);
    const rule = compileRule(result.rule!);
    const ruleSet = new RuleSet([rule]);
    const size = this.config.backfillBatchSize || DEFAULT_BATCH;
    const out: Preview = { matching: 0, evaluated: 0, wouldSet: 0, wouldClear: 0, sample: [] };
    const now = this.clock.now();
    for (let after: string | null = null; ;) {
      const ids = await this.participants.idsAfter(this.db.manager, after, size);
      if (ids.length === 0) break;
      const decisions = await this.evaluation.evaluateUsers(this.db.manager, ids, { now, ruleSet, dryRun: true });
      for (const d of decisions) {
        out.evaluated++;
        if (d.matched[rule.id]) {
          out.matching++;
          if (out.sample.length < SAMPLE) out.sample.push(d.userId);
        }
        // Expiries happen whatever the rule says: they are not its impact.
        for (const c of d.flagChanges) {
          if (c.ruleId !== rule.id || c.reason === 'expired') continue;
          if (c.value) out.wouldSet++;
          else out.wouldClear++;
        }
      }
      if (ids.length < size) break;
      after = ids[ids.length - 1];
    }
    return out;
  }
}
