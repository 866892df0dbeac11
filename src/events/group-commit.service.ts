import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { EventEnvelope } from '../contracts/events.js';
import { Coalescer } from '../common/coalescer.js';
import { withCorrelation } from '../common/logger.js';
import { isTransient } from '../database/retry.js';
import { IngestService, type IngestResult } from './ingest.service.js';

/** The answer to one POST /journey/events. */
export interface IngestCounts {
  accepted: number;
  duplicates: number;
  pending: number;
}

/** Events per shared transaction at most; a request is never split, so a bigger one goes alone. */
export const GROUP_MAX_EVENTS = 1000;

/**
 * What `events` (one request's) came to in an ingest that may have carried other requests' events
 * too: counted by identity, so an id sent by two requests is accepted for the one whose copy was
 * kept (the first) and a duplicate for the other, as if they had come one after the other.
 */
export function shareOf(result: IngestResult, events: readonly EventEnvelope[]): IngestCounts {
  const duplicate = new Set(result.outcomes.duplicate);
  const pending = new Set(result.outcomes.pending);
  const duplicates = events.filter((e) => duplicate.has(e)).length;
  return { accepted: events.length - duplicates, duplicates, pending: events.filter((e) => pending.has(e)).length };
}

/**
 * Group commit for HTTP ingest: requests that arrive while an ingest transaction is in flight share
 * the next one, so single-event requests stop paying a transaction each (and PGlite, which runs one
 * at a time, stops queueing them). Each request is validated before it joins, answered only after
 * the commit that carried its events, with the counts of its own events. If a shared transaction
 * fails for a reason other than the database's health, every request in it is retried alone, so
 * one request's events cannot fail the others. JOURNEY_INGEST_GROUP_COMMIT=false: a transaction per
 * request.
 */
@Injectable()
export class GroupCommitService {
  private readonly coalescer?: Coalescer<EventEnvelope, IngestResult>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly ingest: IngestService,
  ) {
    if (config.ingestGroupCommit)
      this.coalescer = new Coalescer(
        (events) => withCorrelation('ingest', () => this.ingest.ingest(events)),
        GROUP_MAX_EVENTS,
        0,
        // withRetry already retried what is transient; what is left is the database's trouble, not one request's.
        (e) => !isTransient(e),
      );
  }

  /** Ingests one request's validated events; resolves once they are committed. */
  async submit(events: EventEnvelope[]): Promise<IngestCounts> {
    const result = await (this.coalescer ? this.coalescer.submit(events) : this.ingest.ingest(events));
    return shareOf(result, events);
  }
}
