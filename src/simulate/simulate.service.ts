import { Injectable } from '@nestjs/common';
import { compileRule, RuleSet } from '../engine/evaluate.js';
import { RulesService } from '../rules/rules.service.js';
import { simulate, type Simulation } from './journey.js';
import type { SimulateRequest } from './simulate.request.js';

/** A journey played in memory with the service's engine: the given rules (drafts) or the active ones; writes nothing. */
@Injectable()
export class SimulateService {
  constructor(private readonly rules: RulesService) {}

  async simulate(request: SimulateRequest): Promise<Simulation & { until: string }> {
    const drafts = request.rules !== undefined;
    // Given rules are all in play, whatever their `active` says: that is what a draft is tried for.
    const ruleSet = drafts ? new RuleSet(request.rules!.map((doc) => compileRule(doc))) : await this.rules.activeRuleSet();
    return { until: new Date(request.until).toISOString(), ...simulate(request.events, ruleSet, request.until, { drafts }) };
  }
}
