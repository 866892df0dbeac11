/**
 * The explanation stored with each flag change: what decided, capped. The full trace of a rule
 * (every condition, at every level) stays available from explain; a stored row must stay small
 * whatever the rule, since one is written per flag change (a rule of thousands of conditions wrote
 * megabytes per change).
 *
 * What decided: of a group that holds, the children that make it hold (all_of: every child;
 * any_of: those that hold); of one that does not, those that make it fail (all_of: the false
 * children; any_of: every child). A rule is the all_of of its conditions. Nodes are taken
 * breadth first, so the top-level conditions come before their details; past the caps a group
 * says how many of its deciding children are not shown (`omitted`).
 *
 * Caps: at most STORED_NODES condition traces, each text at most STORED_TEXT characters, and the
 * whole at most STORED_BYTES bytes of JSON (fewer nodes are kept until it fits).
 */
import type { CompiledCondition, ConditionTrace } from './conditions.js';
import type { ParticipantContext } from './types.js';

export const STORED_NODES = 32;
export const STORED_TEXT = 160;
export const STORED_BYTES = 4096;

export interface CompactTrace {
  conditions: ConditionTrace[];
  /** How many of the rule's deciding conditions are not shown. */
  omitted?: number;
}

const clip = <T>(v: T): T => (typeof v === 'string' && v.length > STORED_TEXT ? (`${v.slice(0, STORED_TEXT - 1)}…` as T) : v);
const bytes = (text: string) => new TextEncoder().encode(text).length;

/** The indices of the children that decided a group's result. */
function deciding(children: readonly CompiledCondition[], all: boolean, result: boolean, ctx: ParticipantContext, now: number): number[] {
  const picked: number[] = [];
  // all_of true / any_of false: every child decided; otherwise those whose result is the group's.
  const every = all === result;
  for (let i = 0; i < children.length; i++) if (every || children[i].test(ctx, now) === result) picked.push(i);
  return picked;
}

/** The deciding conditions of a rule (the all_of of `conditions`, whose result is `matched`), within `nodes` traces. */
function walk(
  conditions: readonly CompiledCondition[],
  matched: boolean,
  ctx: ParticipantContext,
  now: number,
  nodes: number,
): CompactTrace {
  const root: CompactTrace = { conditions: [] };
  type Item = { c: CompiledCondition; path: string; parent: { conditions?: ConditionTrace[]; omitted?: number } };
  const queue: Item[] = deciding(conditions, true, matched, ctx, now).map((i) => ({
    c: conditions[i],
    path: `conditions[${i}]`,
    parent: root,
  }));
  let used = 0;
  for (let q = 0; q < queue.length; q++) {
    const { c, path, parent } = queue[q];
    if (used === nodes) {
      parent.omitted = (parent.omitted ?? 0) + 1;
      continue;
    }
    used++;
    const t = c.head(ctx, now, path);
    t.actual = clip(t.actual);
    t.expected = clip(t.expected);
    if (t.needs !== undefined) t.needs = clip(t.needs);
    if (t.note !== undefined) t.note = clip(t.note);
    (parent.conditions ??= []).push(t);
    if (c.children.length === 0) continue;
    const all = t.type !== 'any_of';
    // a not decides by its child's result, the opposite of its own: the child's every part decided it
    const kids = t.type === 'not' ? [0] : deciding(c.children, all, t.result, ctx, now);
    for (const i of kids) queue.push({ c: c.children[i], path: c.childPath(path, i), parent: t });
  }
  return root;
}

/** The compact trace of a rule's conditions at `now`: what decided, capped (see above). */
export function compactTrace(
  conditions: readonly CompiledCondition[],
  matched: boolean,
  ctx: ParticipantContext,
  now: number,
): CompactTrace {
  for (let nodes = STORED_NODES; ; nodes = Math.floor(nodes / 2)) {
    const trace = walk(conditions, matched, ctx, now, nodes);
    if (nodes === 0 || bytes(JSON.stringify(trace)) <= STORED_BYTES) return trace;
  }
}
