/**
 * Rules kept as YAML files, one rule per file: read, validated, and every problem located at the
 * line and column of the offending YAML node. Used by the seed loader and the `journey` CLI alike.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { RuleDocument } from '../contracts/rule.js';
import { validateRule, type Problem } from '../contracts/validation.js';

export interface LocatedProblem extends Problem {
  file: string;
  line: number;
  column: number;
}

export interface RuleFile {
  file: string;
  /** The rule, when the file is valid. */
  rule?: RuleDocument;
  problems: LocatedProblem[];
  warnings: LocatedProblem[];
  /** Where a path of the rule is in the file. */
  locate(path: string): { line: number; column: number };
}

const RULE_FILE = /\.ya?ml$/;

/** `conditions[0].where[1].field` → ['conditions', 0, 'where', 1, 'field'] */
export function pathSegments(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] === undefined ? m[1] : Number(m[2])));
}

/**
 * Where a problem's path points in the document: a map entry's key, a sequence item, or for a path
 * that is not there (a missing field) the nearest enclosing node that is.
 */
function offsetOf(doc: Document, path: string): number {
  let node: unknown = doc.contents;
  let offset = (node as { range?: [number] } | null)?.range?.[0] ?? 0;
  for (const seg of pathSegments(path)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = (pair.key as { range?: [number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
      node = node.items[seg];
      offset = (node as { range?: [number] }).range?.[0] ?? offset;
    } else break;
  }
  return offset;
}

/** Reads and validates one rule file. */
export function readRuleFile(file: string, text: string = readFileSync(file, 'utf8')): RuleFile {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const all = Array.isArray(docs) ? docs : [];
  const position = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  const locate = (path: string) => position(all[0] ? offsetOf(all[0], path) : 0);
  const out: RuleFile = { file, problems: [], warnings: [], locate };
  const syntax = [
    ...all.flatMap((d) => d.errors).map((e) => ({ offset: e.pos[0], reason: `YAML: ${e.message.split('\n')[0]}` })),
    ...(all.length > 1 ? [{ offset: all[1].range[0], reason: 'one rule per file: a second YAML document starts here' }] : []),
  ];
  if (syntax.length > 0) {
    out.problems = syntax.map((e) => ({ file, ...position(e.offset), path: '', reason: e.reason }));
    return out;
  }
  let value: unknown;
  try {
    value = all[0] ? all[0].toJS({ maxAliasCount: 50 }) : null;
  } catch (e) {
    // An alias bomb ("Excessive alias count…"): the file's fault, not a crash.
    out.problems = [{ file, line: 1, column: 1, path: '', reason: `YAML: ${(e as Error).message}` }];
    return out;
  }
  const result = validateRule(value);
  out.problems = result.problems.map((p) => ({ file, ...locate(p.path), ...p }));
  out.warnings = result.warnings.map((p) => ({ file, ...locate(p.path), ...p }));
  if (result.ok) out.rule = result.rule;
  return out;
}

/** The rule files named: files as given, folders expanded to their *.yaml / *.yml files in name order. */
export function listRuleFiles(paths: string[]): string[] {
  return paths.flatMap((p) =>
    existsSync(p) && statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => RULE_FILE.test(f))
          .sort()
          .map((f) => join(p, f))
      : [p],
  );
}

/** Reads and validates rule files and folders; two files with the same rule id are a problem of the second. */
export function checkRuleFiles(paths: string[]): RuleFile[] {
  const files = listRuleFiles(paths).map((f) => (existsSync(f) ? readRuleFile(f) : missing(f)));
  const seen = new Map<string, string>();
  for (const f of files) {
    if (!f.rule) continue;
    const first = seen.get(f.rule.id);
    if (first === undefined) seen.set(f.rule.id, f.file);
    else {
      f.problems.push({ file: f.file, ...f.locate('id'), path: 'id', reason: `rule ${f.rule.id} is also defined in ${first}` });
      f.rule = undefined;
    }
  }
  return files;
}

function missing(file: string): RuleFile {
  return {
    file,
    problems: [{ file, line: 1, column: 1, path: '', reason: 'no such file or folder' }],
    warnings: [],
    locate: () => ({ line: 1, column: 1 }),
  };
}

/** `file:line:column path: reason` (a problem of the whole file has no path). */
export function formatLocated(p: LocatedProblem): string {
  return `${p.file}:${p.line}:${p.column} ${p.path ? `${p.path}: ` : ''}${p.reason}`;
}

/** Every rule of a folder (none if it does not exist), for the seed loader; an invalid file stops the load. */
export function readRuleFiles(dir: string): RuleDocument[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const files = checkRuleFiles([dir]);
  const problems = files.flatMap((f) => f.problems);
  if (problems.length > 0) throw new Error(problems.map(formatLocated).join('\n'));
  return files.map((f) => f.rule!);
}
