import { Module } from '@nestjs/common';
import { ContextModule } from '../context/context.module.js';
import { EvaluationModule } from '../evaluation/evaluation.module.js';
import { EventLogModule } from '../eventlog/event-log.module.js';
import { RulesModule } from '../rules/rules.module.js';
import { EventsConsumer } from './events.consumer.js';
import { EventsController } from './events.controller.js';
import { IngestService } from './ingest.service.js';

@Module({
  imports: [ContextModule, EvaluationModule, RulesModule, EventLogModule],
  controllers: [EventsController, EventsConsumer],
  providers: [IngestService],
  exports: [IngestService],
})
export class EventsModule {}
