/**
 * Conditions compiled: evaluated against a participant context at a given `now`, able to say when
 * time alone would change their result, and to explain themselves.
 *
 * Where each idea lives: operators.ts (how each operator compares), records.ts (what conditions
 * read from records, shared within a rule set), kinds/ (one class per leaf kind: count / exists,
 * value, time_since), program.ts (the groups, and the program a rule set is compiled into).
 */
import type { Condition } from '../contracts/rule.js';
import type { Due } from './kinds/leaf.js';
import { childPath, compile, compileAll, explain, holds, next, probe, ProgramBuilder, type Program } from './program.js';
import { Records } from './records.js';
import type { ConditionTrace } from './trace.js';
import type { ParticipantContext } from './types.js';

export type { Due } from './kinds/leaf.js';
export { probe, type Program } from './program.js';
export { derive, newPass } from './records.js';
export type { ConditionTrace } from './trace.js';

/**
 * One condition, as a node of a compiled program. `pass` (from `newPass()`) names one evaluation of
 * one context: within a pass, what the conditions read from records is computed once and shared.
 */
export interface CompiledCondition {
  test(ctx: ParticipantContext, now: number, pass?: number): boolean;
  /** The earliest instant after `now` at which time alone could change the result (Infinity if never). */
  next(ctx: ParticipantContext, now: number, pass?: number): number;
  /**
   * `test` and a due instant at once: returns the result and sets `due.at` to an instant after `now`
   * no later than the first at which time alone changes the result (Infinity if never). Never earlier
   * than `next`, often later: only what can turn the result is asked.
   */
  probe(ctx: ParticipantContext, now: number, pass: number | undefined, due: Due): boolean;
  explain(ctx: ParticipantContext, now: number, path: string): ConditionTrace;
  /** The node's own trace, without its children's: what `explain` says of it, minus `conditions`. */
  head(ctx: ParticipantContext, now: number, path: string): ConditionTrace;
  /** all_of / any_of / not: the children, in the document's order; and the path of the i-th under its parent's path. */
  readonly children: readonly CompiledCondition[];
  childPath(path: string, i: number): string;
  /** False when time alone never changes the result (`next` is always Infinity), so evaluation need not ask. */
  readonly timed: boolean;
}

class ConditionNode implements CompiledCondition {
  private kids?: CompiledCondition[];
  constructor(
    private readonly g: Program,
    private readonly n: number,
  ) {}

  test(ctx: ParticipantContext, now: number, pass?: number): boolean {
    return holds(this.g, this.n, ctx, now, pass);
  }
  next(ctx: ParticipantContext, now: number, pass?: number): number {
    return next(this.g, this.n, ctx, now, pass);
  }
  probe(ctx: ParticipantContext, now: number, pass: number | undefined, due: Due): boolean {
    return probe(this.g, this.n, ctx, now, pass, due);
  }
  explain(ctx: ParticipantContext, now: number, path: string): ConditionTrace {
    return explain(this.g, this.n, ctx, now, path, true);
  }
  head(ctx: ParticipantContext, now: number, path: string): ConditionTrace {
    return explain(this.g, this.n, ctx, now, path, false);
  }
  get children(): readonly CompiledCondition[] {
    return (this.kids ??= (this.g.children[this.n] ?? []).map((k) => new ConditionNode(this.g, k)));
  }
  childPath(path: string, i: number): string {
    return childPath(this.g, this.n, path, i);
  }
  get timed(): boolean {
    return this.g.timed[this.n] === 1;
  }
}

/** One condition compiled alone (sharing nothing with other conditions). */
export function compileCondition(c: Condition): CompiledCondition {
  const builder = new ProgramBuilder();
  const n = compile(c, builder, new Records());
  return new ConditionNode(builder.build(), n);
}

/**
 * Rules' conditions compiled once, into one program whose conditions share what they read from
 * records: the program, each rule's node in it (the all_of of its conditions), and each rule's conditions.
 */
export function compileRules(rules: readonly (readonly Condition[])[]): {
  program: Program;
  roots: number[];
  conditions: CompiledCondition[][];
} {
  const { program, roots, conditions } = compileAll(rules, new Records());
  return { program, roots, conditions: conditions.map((nodes) => nodes.map((n) => new ConditionNode(program, n))) };
}
