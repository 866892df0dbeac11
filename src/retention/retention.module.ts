import { Module } from '@nestjs/common';
import { BackfillModule } from '../backfill/backfill.module.js';
import { EventLogModule } from '../eventlog/event-log.module.js';
import { FlagsModule } from '../flags/flags.module.js';
import { MilestonesModule } from '../milestones/milestones.module.js';
import { OutboxModule } from '../outbox/outbox.module.js';
import { RetentionService } from './retention.service.js';

/** The background job that keeps every growing table within its retention (JOURNEY_*_RETENTION_DAYS). */
@Module({
  imports: [EventLogModule, OutboxModule, BackfillModule, FlagsModule, MilestonesModule],
  providers: [RetentionService],
})
export class RetentionModule {}
