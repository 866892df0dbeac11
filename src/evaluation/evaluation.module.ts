import { Module } from '@nestjs/common';
import { ContextModule } from '../context/context.module.js';
import { FlagsModule } from '../flags/flags.module.js';
import { MilestonesModule } from '../milestones/milestones.module.js';
import { OutboxModule } from '../outbox/outbox.module.js';
import { RulesModule } from '../rules/rules.module.js';
import { EvaluationController } from './evaluation.controller.js';
import { EvaluationService } from './evaluation.service.js';
import { DecisionWriter } from './decision.writer.js';

/**
 * context → engine → decisions written (DecisionWriter: ingest, the scheduler, backfills), and the
 * manual evaluate and explain use cases behind EvaluationController.
 */
@Module({
  imports: [RulesModule, ContextModule, FlagsModule, MilestonesModule, OutboxModule],
  controllers: [EvaluationController],
  providers: [DecisionWriter, EvaluationService],
  exports: [DecisionWriter],
})
export class EvaluationModule {}
