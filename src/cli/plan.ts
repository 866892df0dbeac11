/** What `apply` would change: the folder's rules against the server's, and a readable diff of each change. */
import { Document, isPair, isScalar, visit } from 'yaml';
import type { RuleDocument } from '../contracts/rule.js';

/**
 * The order of keys in files this CLI writes, at every level: that of the seed files (seeds/), so an
 * exported seed rule is byte-identical to its file. The server keeps documents as jsonb, which has an
 * order of its own. Keys not listed (an emit_event payload's) follow in their own order, `milestone` first.
 */
const RULE_ORDER = ['id', 'name', 'description', 'flag', 'priority', 'active', 'sticky', 'conditions', 'actions'];
const PART_ORDER = [
  'type',
  'flag',
  'event',
  'entity',
  'field',
  'where',
  'operator',
  'value',
  'count',
  'count_value',
  'duration',
  'within',
  'conditions',
  'condition',
  'expires_in',
  'payload',
  'milestone',
];
/** Top-level fields a rule may lack; apply removes them on the server when the file no longer has them. */
const OPTIONAL = ['description', 'active', 'sticky'] as const;

function ordered(value: unknown, order: string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => ordered(v, PART_ORDER));
  if (!value || typeof value !== 'object') return value;
  const src = value as Record<string, unknown>;
  const keys = [...order.filter((k) => k in src), ...Object.keys(src).filter((k) => !order.includes(k))];
  return Object.fromEntries(keys.filter((k) => src[k] !== undefined).map((k) => [k, ordered(src[k], PART_ORDER)]));
}

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

/** A rule with its keys in the seed files' order, at every level (unknown keys after, as they came). */
export function canonical(doc: RuleDocument): RuleDocument {
  return ordered(doc, RULE_ORDER) as RuleDocument;
}

/** The document of a rule as the API returns it (without version and timestamps). */
export function documentOf(response: RuleDocument & { version?: number; createdAt?: string; updatedAt?: string }): RuleDocument {
  const { version: _version, createdAt: _createdAt, updatedAt: _updatedAt, ...doc } = response;
  return doc;
}

/** Comparators are quoted as in the seed files (`count: '>='`): `>` and `<` are YAML indicators, and `=` reads better alike. */
const QUOTED = new Set(['operator', 'count']);

export function toYaml(doc: RuleDocument): string {
  const yaml = new Document(canonical(doc));
  visit(yaml, {
    Pair(_, pair) {
      if (
        isPair(pair) &&
        isScalar(pair.key) &&
        isScalar(pair.value) &&
        QUOTED.has(String(pair.key.value)) &&
        typeof pair.value.value === 'string'
      )
        pair.value.type = 'QUOTE_SINGLE';
    },
  });
  return yaml.toString({ lineWidth: 0 });
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

/** One difference between two rules: a value changed, added (before undefined) or removed (after undefined). */
export interface Change {
  path: string;
  before?: unknown;
  after?: unknown;
}

/** An absent active or sticky means its default: not a difference. */
const withDefaults = (d: RuleDocument) => ({ ...d, active: d.active ?? true, sticky: d.sticky ?? false });

/**
 * What differs between two rules, by meaning: key order does not matter, a changed scalar is one
 * change, and so is an added or removed list item or field. In the seed files' key order.
 */
export function changes(before: RuleDocument, after: RuleDocument): Change[] {
  const out: Change[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (stable(a) === stable(b)) return;
    const bothLists = Array.isArray(a) && Array.isArray(b);
    const bothObjects = !!a && !!b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b);
    if (bothLists) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${path}[${i}]`);
    } else if (bothObjects) {
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      const keys = Object.keys(ordered({ ...x, ...y }, path ? PART_ORDER : RULE_ORDER) as object);
      for (const k of keys) walk(x[k], y[k], path ? `${path}.${k}` : k);
    } else out.push({ path, ...(a === undefined ? {} : { before: a }), ...(b === undefined ? {} : { after: b }) });
  };
  walk(canonical(withDefaults(before)), canonical(withDefaults(after)), '');
  return out;
}
