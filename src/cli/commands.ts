/** The `journey` commands: each prints its result and returns the process exit code. */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { RuleDocument } from '../contracts/rule.js';
import type { ConditionTrace } from '../engine/conditions.js';
import type { Problem } from '../contracts/validation.js';
import { checkRuleFiles, listRuleFiles, type LocatedProblem, type RuleFile } from '../rules/rule-files.js';
import { ApiError, type JourneyClient } from './client.js';
import { paint, plural, type Output } from './output.js';
import {
  canonical,
  changeCount,
  changes,
  documentOf,
  plan,
  toYaml,
  updateBody,
  type LocalRule,
  type Plan,
  type Change as RuleChange,
} from './plan.js';

export interface Context {
  o: Output;
  json: boolean;
  client: () => JourneyClient;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
}

type RuleResponse = RuleDocument & { version: number; createdAt: string; updatedAt: string };
type WriteResponse = { rule: RuleResponse; warnings: Problem[] };

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/* ------------------------------------------------------------------ validate */

/** One line per problem, `file:line:column path: reason`, then the warnings: file by file. */
function printProblems(ctx: Context, files: { problems: LocatedProblem[]; warnings: LocatedProblem[] }[]): void {
  const { o } = ctx;
  const where = (p: LocatedProblem) => paint(o, 'bold', `${p.file}:${p.line}:${p.column}`);
  for (const f of files) {
    for (const p of f.problems) o.out(`${where(p)} ${p.path ? `${paint(o, 'red', p.path)}: ` : ''}${p.reason}`);
    for (const w of f.warnings) o.out(`${where(w)} ${paint(o, 'yellow', 'warning')} ${w.path ? `${w.path}: ` : ''}${w.reason}`);
  }
}

const fileJson = (f: RuleFile) => ({
  file: f.file,
  valid: f.problems.length === 0,
  ...(f.rule ? { id: f.rule.id } : {}),
  problems: f.problems,
  warnings: f.warnings,
});

export function validate(ctx: Context, paths: string[]): number {
  const files = checkRuleFiles(paths);
  const problems = files.flatMap((f) => f.problems);
  const ok = files.length > 0 && problems.length === 0;
  if (ctx.json) {
    ctx.o.json({ valid: ok, files: files.map(fileJson) });
    return ok ? EXIT.ok : EXIT.failed;
  }
  if (files.length === 0) {
    ctx.o.err(`no rule files (*.yaml, *.yml) in ${paths.join(', ')}`);
    return EXIT.failed;
  }
  printProblems(ctx, files);
  if (ok) ctx.o.out(paint(ctx.o, 'green', `${plural(files.length, 'rule')} valid`));
  else {
    const bad = files.filter((f) => f.problems.length > 0).length;
    ctx.o.out(paint(ctx.o, 'red', `${plural(problems.length, 'problem')} in ${bad} of ${plural(files.length, 'file')}`));
  }
  return ok ? EXIT.ok : EXIT.failed;
}

/* ------------------------------------------------------------------ diff / apply */

/** The folder's rules, or null after printing why they cannot be used. */
function readFolder(ctx: Context, folder: string): LocalRule[] | null {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    ctx.o.err(`${folder}: not a folder`);
    return null;
  }
  const files = checkRuleFiles([folder]);
  const problems = files.flatMap((f) => f.problems);
  if (problems.length > 0) {
    printProblems(
      ctx,
      files.map((f) => ({ problems: f.problems, warnings: [] })),
    );
    ctx.o.err(`${folder} has invalid rules (${plural(problems.length, 'problem')}): nothing was sent`);
    return null;
  }
  if (files.length === 0) {
    ctx.o.err(`no rule files (*.yaml, *.yml) in ${folder}`);
    return null;
  }
  return files.map((f) => ({ file: f.file, rule: f.rule! }));
}

async function remoteRules(client: JourneyClient): Promise<RuleDocument[]> {
  const { rules } = await client.get<{ rules: RuleResponse[] }>('journey/rules');
  return rules.map(documentOf);
}

const show = (v: unknown) => JSON.stringify(v);

/** One line per change: `priority: 10 → 12`, `+ conditions[2]: {…}`, `- description: "…"`. */
function changeLine(c: RuleChange): string {
  if (c.before === undefined) return `+ ${c.path}: ${show(c.after)}`;
  if (c.after === undefined) return `- ${c.path}: ${show(c.before)}`;
  return `~ ${c.path}: ${show(c.before)} → ${show(c.after)}`;
}

function printPlan(ctx: Context, p: Plan): void {
  const { o } = ctx;
  for (const c of p.create) {
    o.out(paint(o, 'green', `+ create ${c.rule.id}`) + paint(o, 'gray', ` (${c.file})`));
    for (const l of toYaml(c.rule).replace(/\n$/, '').split('\n')) o.out(paint(o, 'green', `    + ${l}`));
  }
  for (const u of p.update) {
    o.out(paint(o, 'yellow', `~ update ${u.local.rule.id}`) + paint(o, 'gray', ` (${u.local.file})`));
    for (const c of changes(u.remote, u.local.rule)) {
      const text = `    ${changeLine(c)}`;
      o.out(c.before === undefined ? paint(o, 'green', text) : c.after === undefined ? paint(o, 'red', text) : text);
    }
  }
  for (const d of p.deactivate) o.out(paint(o, 'red', `- deactivate ${d.id}`) + paint(o, 'gray', ' (not in the folder)'));
  for (const k of p.kept) o.out(paint(o, 'gray', `  keep ${k.id}: active on the server, not in the folder (--prune deactivates it)`));
  o.out(
    `${p.create.length} to create, ${p.update.length} to update, ${p.deactivate.length} to deactivate, ${p.unchanged.length} unchanged`,
  );
}

function planJson(p: Plan) {
  return {
    create: p.create.map((c) => ({ id: c.rule.id, file: c.file })),
    update: p.update.map((u) => ({ id: u.local.rule.id, file: u.local.file, changes: changes(u.remote, u.local.rule) })),
    deactivate: p.deactivate.map((d) => d.id),
    kept: p.kept.map((k) => k.id),
    unchanged: p.unchanged,
  };
}

export async function diff(ctx: Context, folder: string, prune: boolean): Promise<number> {
  const local = readFolder(ctx, folder);
  if (!local) return EXIT.failed;
  const p = plan(local, await remoteRules(ctx.client()), prune);
  if (ctx.json) ctx.o.json(planJson(p));
  else printPlan(ctx, p);
  return EXIT.ok;
}

async function confirm(ctx: Context, question: string): Promise<boolean> {
  const rl = createInterface({ input: ctx.stdin, output: ctx.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/**
 * Fails unless the key may change rules, before any plan is printed or confirmed. The API has no
 * "who am I", so this asks for an admin-only route that writes nothing (a preview) with an invalid
 * rule: 400 means the key was good enough to reach validation.
 */
async function checkAdmin(client: JourneyClient): Promise<void> {
  try {
    await client.post('journey/rules/preview', {});
  } catch (e) {
    if (e instanceof ApiError && e.status === 400) return;
    if (e instanceof ApiError && (e.status === 401 || e.status === 403))
      throw new ApiError(`apply needs an admin key (${e.message.replace(/^POST \S+: /, '')}); nothing was changed`, e.status);
    throw e;
  }
}

export async function apply(ctx: Context, folder: string, { yes, prune }: { yes: boolean; prune: boolean }): Promise<number> {
  const { o } = ctx;
  const local = readFolder(ctx, folder);
  if (!local) return EXIT.failed;
  const client = ctx.client();
  const p = plan(local, await remoteRules(client), prune);
  const n = changeCount(p);
  if (n > 0) await checkAdmin(client);
  if (!ctx.json) printPlan(ctx, p);
  if (n === 0) {
    if (ctx.json) o.json({ created: [], updated: [], deactivated: [], warnings: [] });
    else o.out(`nothing to change: ${client.baseUrl} matches ${folder}`);
    return EXIT.ok;
  }
  if (!yes) {
    if (!ctx.stdin.isTTY) {
      o.err(`refusing to apply ${plural(n, 'change')} without --yes: there is no terminal to confirm on`);
      return EXIT.failed;
    }
    if (!(await confirm(ctx, `apply ${plural(n, 'change')} to ${client.baseUrl}? [y/N] `))) {
      o.err('nothing was changed');
      return EXIT.failed;
    }
  }
  const done = {
    created: [] as string[],
    updated: [] as string[],
    deactivated: [] as string[],
    warnings: [] as (Problem & { ruleId: string })[],
  };
  const warn = (ruleId: string, ws: Problem[]) => {
    for (const w of ws) {
      done.warnings.push({ ruleId, ...w });
      if (!ctx.json) o.out(paint(o, 'yellow', `  warning ${ruleId} ${w.path}: ${w.reason}`));
    }
  };
  for (const c of p.create) {
    const res = await client.post<WriteResponse>('journey/rules', c.rule);
    done.created.push(c.rule.id);
    if (!ctx.json) o.out(`${paint(o, 'green', 'created')} ${c.rule.id} (version ${res.rule.version})`);
    warn(c.rule.id, res.warnings);
  }
  for (const u of p.update) {
    const res = await client.put<WriteResponse>(`journey/rules/${encodeURIComponent(u.local.rule.id)}`, updateBody(u.local.rule, u.remote));
    done.updated.push(u.local.rule.id);
    if (!ctx.json) o.out(`${paint(o, 'yellow', 'updated')} ${u.local.rule.id} (version ${res.rule.version})`);
    warn(u.local.rule.id, res.warnings);
  }
  for (const d of p.deactivate) {
    await client.post(`journey/rules/${encodeURIComponent(d.id)}/deactivate`);
    done.deactivated.push(d.id);
    if (!ctx.json) o.out(`${paint(o, 'red', 'deactivated')} ${d.id}`);
  }
  if (ctx.json) o.json(done);
  else o.out(`applied: ${done.created.length} created, ${done.updated.length} updated, ${done.deactivated.length} deactivated`);
  return EXIT.ok;
}

/* ------------------------------------------------------------------ export */

/** schemas/rule.schema.json of this package, for the yaml-language-server line of exported files. */
function schemaFile(): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'schemas', 'rule.schema.json');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Files already holding a rule, by its id: an exported rule overwrites its own file, whatever its name. */
function filesById(folder: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of listRuleFiles([folder])) {
    try {
      const id = (parse(readFileSync(f, 'utf8')) as { id?: unknown } | null)?.id;
      if (typeof id === 'string' && !out.has(id)) out.set(id, f);
    } catch {
      // not a rule we can read: it keeps its name, and the rule gets <id>.yaml
    }
  }
  return out;
}

export async function exportRules(ctx: Context, folder: string): Promise<number> {
  const { rules } = await ctx.client().get<{ rules: RuleResponse[] }>('journey/rules');
  mkdirSync(folder, { recursive: true });
  const existing = filesById(folder);
  const schema = schemaFile();
  const header = schema ? `# yaml-language-server: $schema=${relative(resolve(folder), schema).split('\\').join('/')}\n` : '';
  const written: { id: string; file: string }[] = [];
  for (const r of rules) {
    const doc = canonical(documentOf(r));
    const file = existing.get(doc.id) ?? join(folder, `${doc.id}.yaml`);
    writeFileSync(file, header + toYaml(doc));
    written.push({ id: doc.id, file });
    if (!ctx.json) ctx.o.out(`wrote ${file}`);
  }
  if (ctx.json) ctx.o.json({ folder, files: written });
  else ctx.o.out(`exported ${plural(written.length, 'rule')} to ${folder}`);
  return EXIT.ok;
}

/* ------------------------------------------------------------------ evaluate / explain */

interface Change {
  type: 'flag_set' | 'flag_cleared' | 'milestone_reached' | 'event_emitted';
  flag?: string;
  value?: boolean;
  milestone?: string;
  event?: string;
  ruleId: string;
  reason?: string;
}

export async function evaluate(ctx: Context, userId: string, opts: { dryRun: boolean; asOf?: string }): Promise<number> {
  const { o } = ctx;
  const query = new URLSearchParams();
  if (opts.dryRun) query.set('dryRun', 'true');
  if (opts.asOf) query.set('asOf', opts.asOf);
  const qs = query.toString() ? `?${query.toString()}` : '';
  const res = await ctx.client().post<{
    userId: string;
    evaluatedRules: string[];
    triggeredRules: string[];
    changes: Change[];
    timestamp: string;
    dryRun?: boolean;
  }>(`journey/flags/${encodeURIComponent(userId)}/evaluate${qs}`);
  if (ctx.json) {
    o.json(res);
    return EXIT.ok;
  }
  const triggered = res.triggeredRules.length ? `: ${res.triggeredRules.join(', ')}` : '';
  o.out(
    `${paint(o, 'bold', res.userId)}: ${plural(res.evaluatedRules.length, 'rule')} evaluated, ${res.triggeredRules.length} matching${triggered}`,
  );
  if (res.changes.length === 0) o.out('  no changes');
  for (const c of res.changes) {
    switch (c.type) {
      case 'flag_set':
        o.out(paint(o, 'green', `  + ${c.flag} = true`) + paint(o, 'gray', ` (${c.ruleId}: ${c.reason})`));
        break;
      case 'flag_cleared':
        o.out(paint(o, 'red', `  - ${c.flag} = false`) + paint(o, 'gray', ` (${c.ruleId}: ${c.reason})`));
        break;
      case 'milestone_reached':
        o.out(paint(o, 'cyan', `  milestone ${c.milestone}`) + paint(o, 'gray', ` (${c.ruleId})`));
        break;
      case 'event_emitted':
        o.out(paint(o, 'cyan', `  event ${c.event}`) + paint(o, 'gray', ` (${c.ruleId})`));
        break;
    }
  }
  o.out(res.dryRun ? `dry run as of ${res.timestamp}: nothing was written` : `evaluated at ${res.timestamp}`);
  return EXIT.ok;
}

/** An explain answer's condition, as the server's engine writes it. */
type Trace = ConditionTrace;

const showValue = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export async function explain(ctx: Context, ruleId: string, userId: string, asOf?: string): Promise<number> {
  const { o } = ctx;
  const qs = asOf ? `?asOf=${encodeURIComponent(asOf)}` : '';
  const res = await ctx.client().get<{
    ruleId: string;
    userId: string;
    asOf: string;
    active: boolean;
    matched: boolean;
    conditions: Trace[];
    nextChangeAt: string | null;
  }>(`journey/rules/${encodeURIComponent(ruleId)}/explain/${encodeURIComponent(userId)}${qs}`);
  if (ctx.json) {
    o.json(res);
    return EXIT.ok;
  }
  const verdict = res.matched ? paint(o, 'green', 'matches') : paint(o, 'red', 'does not match');
  o.out(`${paint(o, 'bold', res.ruleId)}${res.active ? '' : ' (inactive)'} ${verdict} ${res.userId} as of ${res.asOf}`);
  const walk = (t: Trace, depth: number) => {
    const mark = t.result ? paint(o, 'green', '✓') : paint(o, 'red', '✗');
    const what = [t.type, t.entity && t.field ? `${t.entity}.${t.field}` : t.entity].filter(Boolean).join(' ');
    const detail = t.conditions ? `${showValue(t.expected)}` : `${showValue(t.actual)} (expected ${showValue(t.expected)})`;
    const extra = [t.note ?? '', t.needs ? `needs ${t.needs}` : '', t.becomesTrueAt ? `true from ${t.becomesTrueAt}` : '']
      .filter(Boolean)
      .join('; ');
    o.out(`${'  '.repeat(depth)}${mark} ${paint(o, 'gray', t.path)} ${what}: ${detail}${extra ? paint(o, 'yellow', ` — ${extra}`) : ''}`);
    for (const k of t.conditions ?? []) walk(k, depth + 1);
  };
  for (const t of res.conditions) walk(t, 1);
  o.out(res.nextChangeAt ? `time alone changes this at ${res.nextChangeAt}` : 'time alone does not change this');
  return EXIT.ok;
}

export function reportError(ctx: Context, e: unknown): number {
  if (!(e instanceof ApiError)) throw e;
  if (ctx.json) ctx.o.json({ error: e.message, status: e.status ?? null, problems: e.problems });
  else {
    ctx.o.err(paint(ctx.o, 'red', `error: ${e.message}`));
    for (const p of e.problems) ctx.o.err(`  ${p.path || '(root)'}: ${p.reason}`);
  }
  return EXIT.failed;
}
