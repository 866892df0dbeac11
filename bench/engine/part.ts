/**
 * Part 1: our engine against json-rules-engine, in-process, on the same rule sets and the same
 * participants. Runs alternate (ours then theirs, theirs then ours) so that neither side always
 * gets the warmer machine; each figure is the median over runs, with the spread.
 */
import { evaluate, RuleSet, applyDecision } from '../../src/engine/evaluate.js';
import { emptyState } from '../../src/engine/testing.js';
import type { ParticipantContext, ParticipantState } from '../../src/engine/types.js';
import type { RuleDocument } from '../../src/contracts/rule.js';
import { spread, summarize, type Spread } from '../stats.js';
import { defaultRules, generateContexts, generateRules } from './generate.js';
import { translate, type Translated } from './json-rules-engine.js';

export interface EngineOptions {
  participants: number;
  runs: number;
  ruleCounts: number[];
  log: (line: string) => void;
}

export interface SetResult {
  name: string;
  rules: number;
  facts: number;
  /** Participants for which both engines matched exactly the same rules. */
  agree: number;
  participants: number;
  matchedPerParticipant: number;
  ours: { p50: Spread; p99: Spread; mean: Spread };
  /** Our engine on a participant's first evaluation: every matching rule rises and its explanation is traced. */
  oursFirst: { p50: Spread; p99: Spread };
  theirs: { p50: Spread; p99: Spread; mean: Spread };
  /** theirs ÷ ours, p50 and mean, per run. */
  ratioP50: Spread;
  ratioMean: Spread;
}

/** The instant every evaluation is made at: fixed, so the time conditions answer the same in every run. */
export const NOW = Date.parse('2025-06-01T12:00:00Z');

const us = (ms: number) => ms * 1000;

function timeOurs(rules: RuleSet, contexts: ParticipantContext[], states: ParticipantState[]) {
  const samples = new Float64Array(contexts.length);
  let sink = 0;
  for (let i = 0; i < contexts.length; i++) {
    const t0 = performance.now();
    const d = evaluate(rules, contexts[i], states[i], NOW);
    samples[i] = us(performance.now() - t0);
    sink += d.triggeredRules.length;
  }
  return { summary: summarize(samples), sink };
}

async function timeTheirs(jre: Translated, contexts: ParticipantContext[]) {
  const samples = new Float64Array(contexts.length);
  let sink = 0;
  for (let i = 0; i < contexts.length; i++) {
    const t0 = performance.now();
    const matched = await jre.run(contexts[i], NOW);
    samples[i] = us(performance.now() - t0);
    sink += matched.length;
  }
  return { summary: summarize(samples), sink };
}

const gc = (globalThis as { gc?: () => void }).gc;

export async function runEngine(opts: EngineOptions): Promise<SetResult[]> {
  const { log } = opts;
  const contexts = generateContexts(opts.participants, NOW);
  const records = contexts.reduce((n, c) => n + Object.values(c.entities).reduce((m, rs) => m + rs.length, 0), 0);
  log(`engine: ${contexts.length} participants, ${(records / contexts.length).toFixed(1)} records each on average`);
  const sets: { name: string; docs: RuleDocument[] }[] = [
    { name: 'defaults (seeds/)', docs: defaultRules() },
    ...opts.ruleCounts.map((n) => ({ name: `${n} generated`, docs: generateRules(n, NOW) })),
  ];

  const results: SetResult[] = [];
  for (const set of sets) {
    const rules = RuleSet.of(set.docs);
    const jre = translate(set.docs);
    // Steady state: what the service stores after an evaluation, so this one changes nothing unless time did.
    const empty = contexts.map(() => emptyState());
    const states = contexts.map((c) => applyDecision(emptyState(), evaluate(rules, c, emptyState(), NOW - 3_600_000), NOW - 3_600_000));

    // Fairness: both engines must match the same rules for every participant.
    let agree = 0;
    let matched = 0;
    const disagreements: string[] = [];
    for (let i = 0; i < contexts.length; i++) {
      const ours = evaluate(rules, contexts[i], states[i], NOW).triggeredRules.slice().sort();
      const theirs = (await jre.run(contexts[i], NOW)).sort();
      matched += ours.length;
      if (ours.length === theirs.length && ours.every((id, k) => id === theirs[k])) agree++;
      else if (disagreements.length < 3) disagreements.push(`participant ${i}: ours [${ours.join(',')}] theirs [${theirs.join(',')}]`);
    }
    log(
      `engine: ${set.name}: ${rules.rules.length} rules, ${jre.facts} json-rules-engine facts; ` +
        `same matches for ${agree}/${contexts.length} participants (${(matched / contexts.length).toFixed(1)} rules match on average)`,
    );
    for (const d of disagreements) log(`  DISAGREE ${d}`);

    // Warm-up, not measured: both sides get their JIT work done on a slice of the participants.
    const warm = contexts.slice(0, Math.min(1000, contexts.length));
    timeOurs(rules, warm, states);
    timeOurs(rules, warm, empty);
    await timeTheirs(jre, warm);

    const ours: number[][] = [[], [], []];
    const first: number[][] = [[], []];
    const theirs: number[][] = [[], [], []];
    const ratioP50: number[] = [];
    const ratioMean: number[] = [];
    for (let run = 0; run < opts.runs; run++) {
      const order = run % 2 === 0 ? ['ours', 'theirs'] : ['theirs', 'ours'];
      let o: ReturnType<typeof summarize> | undefined;
      let t: ReturnType<typeof summarize> | undefined;
      for (const side of order) {
        gc?.();
        if (side === 'ours') {
          o = timeOurs(rules, contexts, states).summary;
          const f = timeOurs(rules, contexts, empty).summary;
          first[0].push(f.p50);
          first[1].push(f.p99);
        } else t = (await timeTheirs(jre, contexts)).summary;
      }
      ours[0].push(o!.p50);
      ours[1].push(o!.p99);
      ours[2].push(o!.mean);
      theirs[0].push(t!.p50);
      theirs[1].push(t!.p99);
      theirs[2].push(t!.mean);
      ratioP50.push(t!.p50 / o!.p50);
      ratioMean.push(t!.mean / o!.mean);
      log(
        `engine: ${set.name} run ${run + 1}/${opts.runs}: ours p50 ${o!.p50.toFixed(2)} µs p99 ${o!.p99.toFixed(2)} µs; ` +
          `json-rules-engine p50 ${t!.p50.toFixed(1)} µs p99 ${t!.p99.toFixed(1)} µs; ×${(t!.p50 / o!.p50).toFixed(0)}`,
      );
    }
    results.push({
      name: set.name,
      rules: rules.rules.length,
      facts: jre.facts,
      agree,
      participants: contexts.length,
      matchedPerParticipant: matched / contexts.length,
      ours: { p50: spread(ours[0]), p99: spread(ours[1]), mean: spread(ours[2]) },
      oursFirst: { p50: spread(first[0]), p99: spread(first[1]) },
      theirs: { p50: spread(theirs[0]), p99: spread(theirs[1]), mean: spread(theirs[2]) },
      ratioP50: spread(ratioP50),
      ratioMean: spread(ratioMean),
    });
  }
  return results;
}
