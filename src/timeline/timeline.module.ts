import { Module } from '@nestjs/common';
import { TimelineController } from './timeline.controller.js';
import { TimelineRepository } from './timeline.repository.js';
import { TimelineService } from './timeline.service.js';

/** A participant's timeline: reads the event log, flag history, milestones and outbox; writes nothing. */
@Module({ controllers: [TimelineController], providers: [TimelineRepository, TimelineService] })
export class TimelineModule {}
