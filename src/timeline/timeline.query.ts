import { Transform } from 'class-transformer';
import type { ValidationArguments } from 'class-validator';
import { Check, Documented, Instant, IntegerParam, QueryParam } from '../common/dto.js';

export const TIMELINE_KINDS = ['event', 'flag', 'milestone', 'output'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/**
 * Entries of one instant, newest first: an output after the milestone after the flag change after the
 * event that caused them all (they share the cause's program time).
 */
export const KIND_RANK: Record<TimelineKind, number> = { event: 0, flag: 1, milestone: 2, output: 3 };

/** A position in the timeline: entries strictly older than it come next. */
export interface Cursor {
  at: number;
  kind: TimelineKind;
  /** The entry's row id (a bigint, or a uuid for milestones), as text. */
  id: string;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
const ID = /^(\d{1,19}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at, c.kind, c.id])).toString('base64url');
}

function decodeCursor(raw: string): Cursor | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 3) return undefined;
    const [at, kind, id] = v as unknown[];
    if (typeof at !== 'number' || !Number.isSafeInteger(at)) return undefined;
    if (typeof kind !== 'string' || !(TIMELINE_KINDS as readonly string[]).includes(kind)) return undefined;
    if (typeof id !== 'string' || !ID.test(id) || (kind === 'milestone') !== id.includes('-')) return undefined;
    return { at, kind: kind as TimelineKind, id };
  } catch {
    return undefined;
  }
}

const known = (k: string): k is TimelineKind => (TIMELINE_KINDS as readonly string[]).includes(k);

/** A repeated `kinds`, kept apart from the list a single one becomes. */
class Repeated {}

/** `event,flag` as the kinds in their canonical order; anything else as it came (or Repeated), for the check to refuse. */
function readKinds(value: unknown): unknown {
  if (Array.isArray(value)) return new Repeated();
  if (typeof value !== 'string') return value;
  const list = value.split(',').map((k) => k.trim());
  return list.every(known) ? TIMELINE_KINDS.filter((k) => list.includes(k)) : value;
}

function kindsReason({ value }: ValidationArguments): string {
  if (value instanceof Repeated) return 'must be given once';
  if (typeof value !== 'string') return `must be a comma-separated list of ${TIMELINE_KINDS.join(', ')}`;
  const unknown = value
    .split(',')
    .map((k) => k.trim())
    .filter((k) => !known(k));
  return `unknown kind ${unknown.map((k) => `"${k.slice(0, 40)}"`).join(', ')}; known: ${TIMELINE_KINDS.join(', ')}`;
}

const EXAMPLE_CURSOR: Cursor = { at: Date.parse('2025-01-15T10:30:00Z'), kind: 'flag', id: '1042' };

/** The query string of GET /journey/participants/:userId/timeline. */
export class TimelineQuery {
  @IntegerParam(1, MAX_LIMIT, { description: `Entries per page (default ${DEFAULT_LIMIT})`, example: 20 })
  limit: number = DEFAULT_LIMIT;

  @QueryParam(
    { description: 'The `next` of the previous page', example: encodeCursor(EXAMPLE_CURSOR) },
    Check('cursor', (v) => typeof v === 'object' && v !== null, 'is not a cursor this service gave (use the `next` of a previous page)'),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? (decodeCursor(value) ?? value) : value)),
  )
  before: Cursor | null = null;

  @Documented({ type: String, description: `Comma-separated subset of ${TIMELINE_KINDS.join(', ')} (default: all)`, example: 'event,flag' })
  @Check('kinds', (v) => Array.isArray(v), kindsReason)
  @Transform(({ value }: { value: unknown }) => readKinds(value))
  /** Absent: every kind. */
  kinds?: TimelineKind[];

  // Checked after the instant itself (decorators register bottom-up).
  @Check(
    'fromTo',
    (v, { object }) => {
      const to = (object as TimelineQuery).to;
      return typeof to !== 'number' || (v as number) <= to;
    },
    'must not be after `to`',
  )
  @Instant({ description: 'Entries at or after this instant', example: '2025-01-01T00:00:00Z' })
  from: number | null = null;

  @Instant({ description: 'Entries before this instant; not before `from`', example: '2025-02-01T00:00:00Z' })
  to: number | null = null;
}
