import { Injectable } from '@nestjs/common';
import { evaluate, explainRule, type CompiledRule, type RuleSet } from '../engine/evaluate.js';
import type { Decision, ParticipantContext, ParticipantState } from '../engine/types.js';

/** The pure engine as an injectable: the Nest shell's only way in. */
@Injectable()
export class RuleEngineService {
  evaluate(rules: RuleSet, context: ParticipantContext, state: ParticipantState, now: number): Decision {
    return evaluate(rules, context, state, now);
  }

  explain(rule: CompiledRule, context: ParticipantContext, now: number) {
    return explainRule(rule, context, now);
  }
}
