import { Module } from '@nestjs/common';
import { ContextModule } from '../context/context.module.js';
import { EvaluationModule } from '../evaluation/evaluation.module.js';
import { RulesModule } from '../rules/rules.module.js';
import { ReconcilerService } from './reconciler.service.js';
import { SchedulerService } from './scheduler.service.js';

/** Time-driven evaluation: the due-instant scheduler and the reconciliation sweep. */
@Module({
  imports: [ContextModule, EvaluationModule, RulesModule],
  providers: [SchedulerService, ReconcilerService],
})
export class SchedulerModule {}
