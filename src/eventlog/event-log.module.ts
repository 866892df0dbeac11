import { Module } from '@nestjs/common';
import { EventLogRepository } from './event-log.repository.js';

/** The log of accepted input events: owns journey_event_log. */
@Module({ providers: [EventLogRepository], exports: [EventLogRepository] })
export class EventLogModule {}
