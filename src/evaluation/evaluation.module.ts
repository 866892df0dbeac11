import { Module } from '@nestjs/common';
import { ContextModule } from '../context/context.module.js';
import { FlagsModule } from '../flags/flags.module.js';
import { MilestonesModule } from '../milestones/milestones.module.js';
import { OutboxModule } from '../outbox/outbox.module.js';
import { RulesModule } from '../rules/rules.module.js';
import { EvaluationController } from './evaluation.controller.js';
import { EvaluationService } from './evaluation.service.js';
import { RuleEngineService } from './rule-engine.service.js';

/** context → engine → decisions written: used by ingest, manual evaluation, the scheduler and backfills. */
@Module({
  imports: [RulesModule, ContextModule, FlagsModule, MilestonesModule, OutboxModule],
  controllers: [EvaluationController],
  providers: [RuleEngineService, EvaluationService],
  exports: [EvaluationService, RuleEngineService],
})
export class EvaluationModule {}
