import { EVENT_TYPES, type EventType } from '../contracts/events.js';

/**
 * Topic names. EVENTS.md: the topic is the event type, in and out. One optional prefix
 * (JOURNEY_KAFKA_TOPIC_PREFIX) goes in front of every topic, so several deployments or test runs
 * can share a broker.
 */
export class Topics {
  constructor(readonly prefix: string) {}

  input(type: EventType): string {
    return this.prefix + type;
  }

  /** Every input topic the consumer subscribes to. */
  inputs(): string[] {
    return EVENT_TYPES.map((t) => this.input(t));
  }

  /** The event type a consumed topic carries. */
  typeOf(topic: string): string | undefined {
    return topic.startsWith(this.prefix) ? topic.slice(this.prefix.length) : undefined;
  }

  /** Where poison messages of a topic go. */
  dlq(topic: string): string {
    return `${topic}.dlq`;
  }

  output(type: string): string {
    return this.prefix + type;
  }

  /**
   * The relay's bookkeeping: no message is ever written here; the relay commits a consumer-group
   * offset on it inside each Kafka transaction (see marker.ts).
   */
  relayMarker(): string {
    return `${this.prefix}journey.outbox-relay`;
  }
}
