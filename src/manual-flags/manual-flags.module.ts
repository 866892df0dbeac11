import { Module } from '@nestjs/common';
import { ContextModule } from '../context/context.module.js';
import { EvaluationModule } from '../evaluation/evaluation.module.js';
import { FlagsModule } from '../flags/flags.module.js';
import { OutboxModule } from '../outbox/outbox.module.js';
import { RulesModule } from '../rules/rules.module.js';
import { ManualFlagsController } from './manual-flags.controller.js';
import { ManualFlagsService } from './manual-flags.service.js';

/** Flags set by hand and handed back to the rules (PUT/DELETE /journey/flags/:userId/:flag). */
@Module({
  imports: [RulesModule, ContextModule, FlagsModule, OutboxModule, EvaluationModule],
  controllers: [ManualFlagsController],
  providers: [ManualFlagsService],
})
export class ManualFlagsModule {}
