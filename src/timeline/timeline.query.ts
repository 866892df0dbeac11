import { invalid } from '../common/errors.js';
import { instantProblem } from '../contracts/instant.js';
import type { Problem } from '../contracts/validation.js';

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

export interface TimelineQuery {
  limit: number;
  before: Cursor | null;
  kinds: TimelineKind[];
  from: number | null;
  to: number | null;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
const PARAMS = ['limit', 'before', 'kinds', 'from', 'to'];
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

const one = (v: unknown) => (Array.isArray(v) ? undefined : typeof v === 'string' ? v : undefined);

/** The query string of GET /journey/participants/:userId/timeline, or a 400 listing each problem. */
export function parseTimelineQuery(query: Record<string, unknown>): TimelineQuery {
  const problems: Problem[] = [];
  const out: TimelineQuery = { limit: DEFAULT_LIMIT, before: null, kinds: [...TIMELINE_KINDS], from: null, to: null };
  for (const key of Object.keys(query)) {
    if (!PARAMS.includes(key)) problems.push({ path: key, reason: `is not allowed (unknown parameter; known: ${PARAMS.join(', ')})` });
    else if (one(query[key]) === undefined) problems.push({ path: key, reason: 'must be given once' });
  }
  const limit = one(query.limit);
  if (limit !== undefined) {
    const n = Number(limit);
    if (!/^\d+$/.test(limit) || n < 1 || n > MAX_LIMIT)
      problems.push({ path: 'limit', reason: `must be an integer from 1 to ${MAX_LIMIT}` });
    else out.limit = n;
  }
  const before = one(query.before);
  if (before !== undefined) {
    const c = decodeCursor(before);
    if (!c) problems.push({ path: 'before', reason: 'is not a cursor this service gave (use the `next` of a previous page)' });
    else out.before = c;
  }
  const kinds = one(query.kinds);
  if (kinds !== undefined) {
    const list = kinds.split(',').map((k) => k.trim());
    const unknown = list.filter((k) => !(TIMELINE_KINDS as readonly string[]).includes(k));
    if (unknown.length)
      problems.push({
        path: 'kinds',
        reason: `unknown kind ${unknown.map((k) => `"${k.slice(0, 40)}"`).join(', ')}; known: ${TIMELINE_KINDS.join(', ')}`,
      });
    else out.kinds = TIMELINE_KINDS.filter((k) => list.includes(k));
  }
  for (const name of ['from', 'to'] as const) {
    const v = one(query[name]);
    if (v === undefined) continue;
    const problem = instantProblem(v);
    if (problem) problems.push({ path: name, reason: problem });
    else out[name] = Date.parse(v);
  }
  if (out.from !== null && out.to !== null && out.from > out.to) problems.push({ path: 'from', reason: 'must not be after `to`' });
  if (problems.length) throw invalid('invalid timeline query', problems);
  return out;
}
