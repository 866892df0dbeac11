import { randomUUID } from 'node:crypto';
import type { EventEnvelope, OutputEnvelope } from '../contracts/events.js';

/** An output event envelope (EVENTS.md "Output events"): causation is the input event, correlation carried over. */
export function outputEnvelope(type: string, data: OutputEnvelope['data'], now: number, cause?: EventEnvelope): OutputEnvelope {
  return {
    id: randomUUID(),
    type,
    version: 'v1',
    timestamp: new Date(now).toISOString(),
    ...(cause?.correlationId ? { correlationId: cause.correlationId } : {}),
    ...(cause ? { causationId: cause.id } : {}),
    data,
  };
}
