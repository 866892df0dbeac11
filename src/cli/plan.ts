/** What `apply` would change: the folder's rules against the server's, and a readable diff of each change. */
import { stringify } from 'yaml';
import type { RuleDocument } from '../contracts/rule.js';

/** The order of a rule's fields in files this CLI writes and in its diffs. */
const FIELD_ORDER = ['id', 'name', 'description', 'flag', 'priority', 'active', 'sticky', 'conditions', 'actions'];
/** Top-level fields a rule may lack; apply removes them on the server when the file no longer has them. */
const OPTIONAL = ['description', 'active', 'sticky'] as const;

export interface LocalRule {
  file: string;
  rule: RuleDocument;
}

export interface Plan {
  create: LocalRule[];
  update: { local: LocalRule; remote: RuleDocument }[];
  /** Active on the server, missing from the folder: deactivated with --prune… */
  deactivate: RuleDocument[];
  /** …and left alone without it. */
  kept: RuleDocument[];
  unchanged: string[];
}

/** A rule's fields in the canonical order (unknown fields after, as they came). */
export function canonical(doc: RuleDocument): RuleDocument {
  const src = doc as unknown as Record<string, unknown>;
  const keys = [...FIELD_ORDER.filter((k) => k in src), ...Object.keys(src).filter((k) => !FIELD_ORDER.includes(k))];
  return Object.fromEntries(keys.filter((k) => src[k] !== undefined).map((k) => [k, src[k]])) as unknown as RuleDocument;
}

/** The document of a rule as the API returns it (without version and timestamps). */
export function documentOf(response: RuleDocument & { version?: number; createdAt?: string; updatedAt?: string }): RuleDocument {
  const { version: _version, createdAt: _createdAt, updatedAt: _updatedAt, ...doc } = response;
  return doc;
}

export function toYaml(doc: RuleDocument): string {
  return stringify(canonical(doc), { lineWidth: 0 });
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** Equal as rules: field order does not matter, and an absent active or sticky means its default. */
export function sameRule(a: RuleDocument, b: RuleDocument): boolean {
  const norm = (d: RuleDocument) => stable({ ...d, active: d.active ?? true, sticky: d.sticky ?? false });
  return norm(a) === norm(b);
}

export function plan(local: LocalRule[], remote: RuleDocument[], prune: boolean): Plan {
  const out: Plan = { create: [], update: [], deactivate: [], kept: [], unchanged: [] };
  const onServer = new Map(remote.map((r) => [r.id, r]));
  for (const l of local) {
    const r = onServer.get(l.rule.id);
    if (!r) out.create.push(l);
    else if (sameRule(l.rule, r)) out.unchanged.push(l.rule.id);
    else out.update.push({ local: l, remote: r });
  }
  const inFolder = new Set(local.map((l) => l.rule.id));
  for (const r of remote) {
    if (inFolder.has(r.id) || r.active === false) continue;
    (prune ? out.deactivate : out.kept).push(r);
  }
  return out;
}

export const changeCount = (p: Plan) => p.create.length + p.update.length + p.deactivate.length;

/** The PUT body that makes the server's rule equal the file's: the whole document, null for a field the file dropped. */
export function updateBody(local: RuleDocument, remote: RuleDocument): Record<string, unknown> {
  const body: Record<string, unknown> = { ...local };
  for (const k of OPTIONAL) if (remote[k] !== undefined && local[k] === undefined) body[k] = null;
  return body;
}

export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
}

/** A line diff, removals before additions (longest common subsequence: rule documents are short). */
export function lineDiff(before: string, after: string): DiffLine[] {
  const lines = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));
  const a = lines(before);
  const b = lines(after);
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push({ op: ' ', text: a[i] });
      i++;
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])) out.push({ op: '-', text: a[i++] });
    else out.push({ op: '+', text: b[j++] });
  }
  return out;
}

/** The changed lines with `context` unchanged lines around them; null marks lines left out. */
export function hunks(lines: DiffLine[], context = 2): (DiffLine | null)[] {
  const keep = lines.map(() => false);
  lines.forEach((l, i) => {
    if (l.op === ' ') return;
    for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k++) keep[k] = true;
  });
  const out: (DiffLine | null)[] = [];
  lines.forEach((l, i) => {
    if (keep[i]) out.push(l);
    else if (out[out.length - 1] !== null) out.push(null);
  });
  return out;
}
