import { Module } from '@nestjs/common';
import { ContextModule } from '../context/context.module.js';
import { EvaluationModule } from '../evaluation/evaluation.module.js';
import { RulesModule } from '../rules/rules.module.js';
import { BackfillController } from './backfill.controller.js';
import { BackfillRepository } from './backfill.repository.js';
import { BackfillService } from './backfill.service.js';
import { PreviewService } from './preview.service.js';

/** Rule impact: the preview of a rule before it goes live, and the backfill of every participant after. */
@Module({
  imports: [ContextModule, RulesModule, EvaluationModule],
  controllers: [BackfillController],
  providers: [BackfillRepository, BackfillService, PreviewService],
  exports: [BackfillRepository],
})
export class BackfillModule {}
