/** Where an accepted input event came from: the HTTP API, or a Kafka topic's partition at an offset. */
export type EventSource = { kind: 'http' } | { kind: 'kafka'; topic: string; partition: number; offset: string };

export const HTTP_SOURCE: EventSource = { kind: 'http' };
