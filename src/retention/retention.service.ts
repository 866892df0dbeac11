import { Clock } from '../common/clock.js';
import { Inject, Injectable } from '@nestjs/common';
import { BackfillRepository } from '../backfill/backfill.repository.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EventLogRepository } from '../eventlog/event-log.repository.js';
import { FlagsRepository } from '../flags/flags.repository.js';
import { MilestonesRepository } from '../milestones/milestones.repository.js';
import { OutboxRepository } from '../outbox/outbox.repository.js';
import { PeriodicService } from '../scheduler/periodic.js';

const DAY = 86_400_000;

export type RetentionRun = {
  events: number;
  outbox: number;
  backfills: number;
  history: number;
  milestones: number;
};

/**
 * Deletes what is older than its retention, in short batches, so the tables that only grow stay
 * bounded. Each table is trimmed through the repository of the module that owns it. Several
 * instances may run it at once: a row deleted twice is simply not found the second time.
 */
@Injectable()
export class RetentionService extends PeriodicService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly eventLog: EventLogRepository,
    private readonly outbox: OutboxRepository,
    private readonly backfills: BackfillRepository,
    private readonly flags: FlagsRepository,
    private readonly milestones: MilestonesRepository,
    private readonly clock: Clock,
  ) {
    super('retention', config.retention.intervalMs);
  }

  protected tick(): Promise<number | void> {
    return this.run().then(() => undefined);
  }

  /** One pass over every table, as of `now`; how many rows each lost. */
  async run(now = this.clock.now()): Promise<RetentionRun> {
    const { eventDays, outboxDays, historyDays } = this.config.retention;
    const before = (days: number) => new Date(now - days * DAY);
    const events = before(eventDays);
    const history = historyDays === null ? null : before(historyDays);
    const result: RetentionRun = {
      // The log is also the dedupe: an event id is a duplicate for as long as the event is kept.
      events: await this.drain((n) => this.eventLog.deleteReceivedBefore(events, n)),
      outbox: await this.drain((n) => this.outbox.deletePublishedWrittenBefore(before(outboxDays), n)),
      backfills: await this.drain((n) => this.backfills.deleteFinishedBefore(events, n)),
      history: history ? await this.drain((n) => this.flags.deleteHistoryBefore(history, n)) : 0,
      milestones: history ? await this.drain((n) => this.milestones.deleteReachedBefore(history, n)) : 0,
    };
    if (Object.values<number>(result).some((n) => n > 0)) this.logger.log(`retention deleted ${JSON.stringify(result)}`);
    return result;
  }

  /** Batch after batch while batches come back full; how many in all. */
  private async drain(batch: (limit: number) => Promise<number>): Promise<number> {
    const limit = this.config.retention.batchSize;
    let total = 0;
    for (;;) {
      const n = await batch(limit);
      total += n;
      if (n < limit || this.closing) return total;
    }
  }
}
