import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { RuleDocument } from '../contracts/rule.js';
import { formatProblems, validateRule } from '../contracts/validation.js';

/** Every *.yaml / *.yml rule in a folder, validated; an invalid file stops the load with its problems. */
export function readRuleFiles(dir: string): RuleDocument[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => {
      const result = validateRule(parse(readFileSync(join(dir, f), 'utf8')));
      if (!result.ok) throw new Error(`${join(dir, f)}: ${formatProblems(result.problems)}`);
      return result.rule!;
    });
}
