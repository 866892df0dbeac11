import { Catch, Controller, UseFilters, type RpcExceptionFilter } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { type Observable, throwError } from 'rxjs';
import type { EventEnvelope } from '../contracts/events.js';
import type { EventSource } from '../eventlog/event-source.js';
import { IngestService } from './ingest.service.js';

/** The pattern under which the Kafka transport (KafkaConsumerServer) hands over each decoded batch. */
export const INGEST_BATCH = 'journey.events.batch';

/** Valid events of a Kafka batch, each with where it came from (topic, partition, offset). */
export type SourcedEvent = { event: EventEnvelope; source: EventSource };

/**
 * The transport needs the error itself (a transient database error pauses the partition, any other
 * sends the event to the dead-letter topic), not Nest's generic RPC error.
 */
@Catch()
class AsThrown implements RpcExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * Events from Kafka, beside POST /journey/events: the consumer transport decodes and validates each
 * batch (what is malformed goes to the dead-letter topic first) and hands the valid events here, in
 * one transaction per call; offsets are committed only after it returns.
 */
@Controller()
@UseFilters(AsThrown)
export class EventsConsumer {
  constructor(private readonly ingest: IngestService) {}

  @EventPattern(INGEST_BATCH)
  async ingestBatch(@Payload() batch: SourcedEvent[]): Promise<void> {
    await this.ingest.ingest(
      batch.map((b) => b.event),
      undefined,
      new Map(batch.map((b) => [b.event.id, b.source])),
    );
  }
}
