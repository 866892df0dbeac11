import { Injectable, type OnModuleInit } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service.js';
import { OutboxRepository } from './outbox.repository.js';

/** The outbox backlog gauges, read from the database on each scrape. */
@Injectable()
export class OutboxMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly outbox: OutboxRepository,
  ) {}

  onModuleInit(): void {
    this.metrics.onScrape(async () => {
      const { count, oldest } = await this.outbox.backlog();
      this.metrics.outboxBacklog.set(count);
      this.metrics.outboxOldestAge.set(oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0);
    });
  }
}
