/**
 * Our engine alone on the 200-rule set, long enough for a CPU profile:
 *   node --cpu-prof --cpu-prof-dir=bench/results/profiles --import tsx bench/engine/profile.ts [ROUNDS]
 *   npx tsx bench/cpuprofile.ts bench/results/profiles/<file>.cpuprofile
 * tsx's loader thread writes a second, near-empty profile: read the larger one (`ls -S`). The
 * profile includes building the participants and their states (about a third of it at 20 rounds).
 * Under tsx every line reads as 1: for self time by line, compile first
 * (`npx tsc -p tsconfig.json --noEmit false --outDir dist/prof`) and profile dist/prof/bench/engine/profile.js,
 * whose cpuprofile nodes carry positionTicks per line.
 */
import { applyDecision, evaluate, RuleSet } from '../../src/engine/evaluate.js';
import { emptyState } from '../../src/engine/testing.js';
import { generateContexts, generateRules } from './generate.js';
import { NOW } from './part.js';

const rounds = Number(process.argv[2] ?? 5);
const contexts = generateContexts(10_000, NOW);
const rules = RuleSet.of(generateRules(200, NOW));
const states = contexts.map((c) => applyDecision(emptyState(), evaluate(rules, c, emptyState(), NOW - 3_600_000), NOW - 3_600_000));
let sink = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let k = 0; k < rounds; k++)
  for (let i = 0; i < contexts.length; i++) sink += evaluate(rules, contexts[i], states[i], NOW).triggeredRules.length;
const elapsed = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const n = rounds * contexts.length;
console.log(
  `${((elapsed * 1000) / n).toFixed(2)} µs per evaluation (mean wall), ${((cpu.user + cpu.system) / n).toFixed(2)} µs CPU; ${sink} matches`,
);
