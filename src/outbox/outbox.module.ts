import { Module } from '@nestjs/common';
import { OutboxMetrics } from './outbox.metrics.js';
import { OutboxRepository } from './outbox.repository.js';

@Module({ providers: [OutboxRepository, OutboxMetrics], exports: [OutboxRepository] })
export class OutboxModule {}
