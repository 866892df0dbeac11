/**
 * Conditions as a program: numbered nodes whose kind, children and leaves are kept in flat arrays.
 * A rule set puts all its rules in one program, so evaluation walks a few contiguous arrays with the
 * same few functions for every rule (which the JIT optimises as one) rather than chasing an object
 * and a closure per condition.
 *
 * The groups (all_of, any_of, not) are the structure, walked here; each leaf kind is one class in
 * kinds/ that owns its evaluation, its due instant and its explanation.
 */
import type { Condition } from '../contracts/rule.js';
import { CountLeaf } from './kinds/count.js';
import type { Due, Leaf } from './kinds/leaf.js';
import { TimeSinceLeaf } from './kinds/time-since.js';
import { ValueLeaf } from './kinds/value.js';
import type { Records } from './records.js';
import { iso, type ConditionTrace } from './trace.js';
import type { ParticipantContext } from './types.js';

const ALL_OF = 0;
const ANY_OF = 1;
const NOT = 2;
const LEAF = 3;
type Kind = typeof ALL_OF | typeof ANY_OF | typeof NOT | typeof LEAF;

export class Program {
  constructor(
    readonly kind: Uint8Array,
    /** all_of / any_of / not: where the node's children start in `kids`. */
    readonly first: Int32Array,
    /** all_of / any_of / not: how many children there are, those time cannot change first (see `probe`). */
    readonly count: Int32Array,
    /** all_of / any_of / not: how many of the children time cannot change. */
    readonly untimed: Int32Array,
    /** Whether time alone can change the node's result (1) or not (0). */
    readonly timed: Uint8Array,
    readonly kids: Int32Array,
    /** Leaves: the compiled condition. */
    readonly leaf: readonly (Leaf | null)[],
    /** all_of / any_of / not: the children in the document's order, for explain. */
    readonly children: readonly (readonly number[] | null)[],
  ) {}
}

/** A program being built, node by node: children before their parent. */
export class ProgramBuilder {
  private readonly kind: number[] = [];
  private readonly first: number[] = [];
  private readonly count: number[] = [];
  private readonly untimed: number[] = [];
  private readonly timed: number[] = [];
  private readonly kids: number[] = [];
  private readonly leaves: (Leaf | null)[] = [];
  private readonly children: (readonly number[] | null)[] = [];

  private node(kind: Kind, timed: boolean, leaf: Leaf | null, children: readonly number[] | null) {
    this.kind.push(kind);
    this.timed.push(timed ? 1 : 0);
    this.leaves.push(leaf);
    this.children.push(children);
    this.first.push(this.kids.length);
    this.count.push(0);
    this.untimed.push(0);
    return this.kind.length - 1;
  }

  leaf(leaf: Leaf): number {
    return this.node(LEAF, leaf.timed, leaf, null);
  }

  /** all_of / any_of / not over nodes already added. */
  branch(kind: typeof ALL_OF | typeof ANY_OF | typeof NOT, children: readonly number[]): number {
    const untimed = children.filter((k) => !this.isTimed(k));
    const n = this.node(kind, untimed.length < children.length, null, children);
    this.kids.push(...untimed, ...children.filter((k) => this.isTimed(k)));
    this.count[n] = children.length;
    this.untimed[n] = untimed.length;
    return n;
  }

  isTimed(n: number): boolean {
    return this.timed[n] === 1;
  }

  build(): Program {
    return new Program(
      Uint8Array.from(this.kind),
      Int32Array.from(this.first),
      Int32Array.from(this.count),
      Int32Array.from(this.untimed),
      Uint8Array.from(this.timed),
      Int32Array.from(this.kids),
      this.leaves,
      this.children,
    );
  }
}

/**
 * The result of node `n`, and in `due.at` an instant no later than the first at which time alone changes it.
 *
 * all_of / any_of ask their untimed children first: one that decides the result (false for all_of,
 * true for any_of) decides it for good, so time cannot change it. Then the timed children, until
 * one decides: the result cannot change before that child does, so the child's due instant bounds
 * it. When none decides, the result changes with the first child that does: the earliest of theirs.
 */
export function probe(g: Program, n: number, ctx: ParticipantContext, now: number, pass: number | undefined, due: Due): boolean {
  const kind = g.kind[n] as Kind;
  switch (kind) {
    case LEAF:
      return g.leaf[n]!.probe(ctx, now, pass, due);
    case ALL_OF:
    case ANY_OF: {
      const decisive = kind === ANY_OF;
      const first = g.first[n];
      const timed = first + g.untimed[n];
      for (let i = first; i < timed; i++)
        if (probe(g, g.kids[i], ctx, now, pass, due) === decisive) {
          due.at = Infinity;
          return decisive;
        }
      let soonest = Infinity;
      for (let i = timed, end = first + g.count[n]; i < end; i++) {
        if (probe(g, g.kids[i], ctx, now, pass, due) === decisive) return decisive;
        if (due.at < soonest) soonest = due.at;
      }
      due.at = soonest;
      return !decisive;
    }
    case NOT:
      return !probe(g, g.kids[g.first[n]], ctx, now, pass, due);
  }
}

/** Where `holds` and `next` let probes leave their due instants (the walk is synchronous). */
const scratch: Due = { at: Infinity };

export function holds(g: Program, n: number, ctx: ParticipantContext, now: number, pass: number | undefined): boolean {
  return probe(g, n, ctx, now, pass, scratch);
}

/** The earliest instant after `now` at which time alone could change the result of node `n` (Infinity if never). */
export function next(g: Program, n: number, ctx: ParticipantContext, now: number, pass: number | undefined): number {
  if (g.timed[n] === 0) return Infinity;
  const kind = g.kind[n] as Kind;
  switch (kind) {
    case LEAF:
      g.leaf[n]!.probe(ctx, now, pass, scratch);
      return scratch.at;
    case ALL_OF:
    case ANY_OF:
    case NOT: {
      let soonest = Infinity;
      for (let i = g.first[n] + g.untimed[n], end = g.first[n] + g.count[n]; i < end; i++) {
        const t = next(g, g.kids[i], ctx, now, pass);
        if (t < soonest) soonest = t;
      }
      return soonest;
    }
  }
}

/** Steps of the walk in `firstTrue`: each is one instant where the condition could change. */
const MAX_STEPS = 1_000;

/** The first instant after `now` at which node `n` holds by time alone (walking its `next` instants); null if never. */
function firstTrue(g: Program, n: number, ctx: ParticipantContext, now: number): number | null {
  let t = now;
  for (let i = 0; i < MAX_STEPS; i++) {
    t = next(g, n, ctx, t, undefined);
    if (!Number.isFinite(t)) return null;
    if (holds(g, n, ctx, t, undefined)) return t;
  }
  return null;
}

/** The path of node `n`'s i-th child (in the document's order) under `path`. */
export function childPath(g: Program, n: number, path: string, i: number): string {
  return g.kind[n] === NOT ? `${path}.condition` : `${path}.conditions[${i}]`;
}

function groupTrace(path: string, type: 'all_of' | 'any_of', held: number, of: number): ConditionTrace {
  const all = type === 'all_of';
  return {
    path,
    type,
    actual: `${held} of ${of} hold`,
    expected: all ? 'all hold' : 'at least one holds',
    result: all ? held === of : held > 0,
  };
}

/**
 * What node `n` says of itself: with its children's traces (`deep`) or without. Every false
 * condition that time alone will make true says when: windows emptying, nested ones too.
 */
export function explain(g: Program, n: number, ctx: ParticipantContext, now: number, path: string, deep: boolean): ConditionTrace {
  const kind = g.kind[n] as Kind;
  let trace: ConditionTrace;
  switch (kind) {
    case LEAF:
      trace = g.leaf[n]!.explain(ctx, now, path);
      break;
    case ALL_OF:
    case ANY_OF: {
      const type = kind === ALL_OF ? 'all_of' : 'any_of';
      const kids = g.children[n]!;
      if (deep) {
        const conditions = kids.map((k, i) => explain(g, k, ctx, now, childPath(g, n, path, i), true));
        trace = { ...groupTrace(path, type, conditions.filter((t) => t.result).length, kids.length), conditions };
      } else trace = groupTrace(path, type, kids.filter((k) => holds(g, k, ctx, now, undefined)).length, kids.length);
      break;
    }
    case NOT: {
      const kid = g.kids[g.first[n]];
      const inner = deep ? explain(g, kid, ctx, now, childPath(g, n, path, 0), true) : null;
      const held = inner?.result ?? holds(g, kid, ctx, now, undefined);
      trace = { path, type: 'not', actual: held, expected: false, result: !held };
      if (inner) trace.conditions = [inner];
      break;
    }
  }
  if (!trace.result && trace.becomesTrueAt === undefined) {
    const at = firstTrue(g, n, ctx, now);
    if (at !== null) trace.becomesTrueAt = iso(at);
  }
  return trace;
}

/** Compiles `c` into the program being built, sharing `records` with the rest of it; its node. */
export function compile(c: Condition, builder: ProgramBuilder, records: Records): number {
  switch (c.type) {
    case 'all_of':
    case 'any_of':
      return builder.branch(
        c.type === 'all_of' ? ALL_OF : ANY_OF,
        c.conditions.map((k) => compile(k, builder, records)),
      );
    case 'not':
      return builder.branch(NOT, [compile(c.condition, builder, records)]);
    case 'count':
    case 'exists':
      return builder.leaf(new CountLeaf(c, records));
    case 'value':
      return builder.leaf(new ValueLeaf(c, records));
    case 'time_since':
      return builder.leaf(new TimeSinceLeaf(c, records));
  }
}

/** Each rule (its conditions) as the all_of of its conditions, in one program. */
export function compileAll(
  rules: readonly (readonly Condition[])[],
  records: Records,
): { program: Program; roots: number[]; conditions: number[][] } {
  const builder = new ProgramBuilder();
  const conditions: number[][] = [];
  const roots = rules.map((cs) => {
    const nodes = cs.map((c) => compile(c, builder, records));
    conditions.push(nodes);
    return builder.branch(ALL_OF, nodes);
  });
  return { program: builder.build(), roots, conditions };
}
