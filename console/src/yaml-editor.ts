/**
 * CodeMirror 6 for rule documents: YAML highlighting, completion of the rule schema's words, and live
 * validation by the server's own validator (POST /journey/rules/validate), each problem at its line.
 */
import { autocompletion, type Completion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { bracketMatching, defaultHighlightStyle, foldGutter, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { MergeView } from '@codemirror/merge';
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';
import { isMap, isScalar, isSeq, parseDocument, stringify, type Node as YamlNode } from 'yaml';
import { api, type Problem, type Validation } from './api';

export { stringify as toYaml };

export interface Vocabulary {
  /** Every property name of the rule schema. */
  keys: Completion[];
  /** For a property, the values its enum / const allow (condition types, entities, operators…). */
  values: Map<string, Completion[]>;
}

// A YAML plain scalar cannot start with these (`count: >=` would be a folded block): quote such values.
const quoted = (v: string) => (/^[>|&*!%@`'"#,[\]{}?:-]|[:#]\s|^\s|\s$/.test(v) ? `'${v}'` : v);

/** The rule schema's words: its property names, and for each property the values it allows. */
export function schemaWords(schema: unknown): Vocabulary {
  const keys = new Set<string>();
  const values = new Map<string, Set<string>>();
  const allowed = (s: unknown, into: Set<string>) => {
    if (!s || typeof s !== 'object') return;
    const o = s as Record<string, unknown>;
    if (Array.isArray(o.enum)) for (const v of o.enum) if (typeof v === 'string') into.add(v);
    if (typeof o.const === 'string') into.add(o.const);
    for (const k of ['anyOf', 'oneOf']) if (Array.isArray(o[k])) (o[k] as unknown[]).forEach((x) => allowed(x, into));
  };
  const walk = (s: unknown) => {
    if (!s || typeof s !== 'object') return;
    if (Array.isArray(s)) return s.forEach(walk);
    const o = s as Record<string, unknown>;
    if (o.properties && typeof o.properties === 'object')
      for (const [k, sub] of Object.entries(o.properties as Record<string, unknown>)) {
        keys.add(k);
        const into = values.get(k) ?? new Set<string>();
        allowed(sub, into);
        if (into.size) values.set(k, into);
      }
    Object.values(o).forEach(walk);
  };
  walk(schema);
  return {
    keys: [...keys].sort().map((label) => ({ label, type: 'property', apply: `${label}: ` })),
    values: new Map([...values].map(([k, vs]) => [k, [...vs].sort().map((v) => ({ label: v, type: 'keyword', apply: quoted(v) }))])),
  };
}

/** Completion from the schema: after `key: ` the values that key allows, elsewhere the property names. */
function completeRule(words: Vocabulary) {
  return (ctx: CompletionContext): CompletionResult | null => {
    const line = ctx.state.doc.lineAt(ctx.pos);
    const before = line.text.slice(0, ctx.pos - line.from);
    const value = /^\s*(?:-\s+)?([A-Za-z_]+):\s+(['"]?[^'"\s]*)$/.exec(before);
    if (value) {
      const options = words.values.get(value[1]);
      return options ? { from: ctx.pos - value[2].length, options } : null;
    }
    const word = ctx.matchBefore(/[A-Za-z_]+/);
    if (!word || (word.from === word.to && !ctx.explicit)) return null;
    if (!/^\s*(?:-\s+)?[A-Za-z_]*$/.test(before)) return null;
    return { from: word.from, options: words.keys };
  };
}

/** `conditions[0].where[1].field` → ['conditions', 0, 'where', 1, 'field'] */
export function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

/** Where in the text a problem's path is: the deepest node of the path that the document has. */
export function rangeOf(text: string, path: string): [number, number] {
  const doc = parseDocument(text);
  let node = doc.contents as YamlNode | null;
  let range: [number, number] = node?.range ? [node.range[0], node.range[1]] : [0, 0];
  for (const seg of pathSegments(path)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const key = pair.key as YamlNode;
      node = pair.value as YamlNode | null;
      const r = node?.range ?? key.range;
      if (r) range = [key.range?.[0] ?? r[0], r[1]];
      if (isMap(node) || isSeq(node)) continue;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
      node = node.items[seg] as YamlNode;
      if (node.range) range = [node.range[0], node.range[1]];
    } else break;
  }
  return range;
}

export interface Checked {
  /** The document as JSON, when the YAML could be read. */
  value?: unknown;
  problems: (Problem & { line: number })[];
  warnings: (Problem & { line: number })[];
  /** The validator could not be asked (network, rate limit): said, not hidden. */
  error?: unknown;
  /** The text changed since: these results are not about it yet. */
  pending?: boolean;
}

/** Reads the YAML, then asks the server's validator; every problem with its line. */
export async function check(text: string): Promise<{ checked: Checked; diagnostics: Diagnostic[] }> {
  const doc = parseDocument(text, { prettyErrors: true });
  const lineOf = (pos: number) => text.slice(0, pos).split('\n').length;
  const diagnostics: Diagnostic[] = [];
  if (doc.errors.length) {
    const problems = doc.errors.map((e) => {
      const [from, to] = e.pos;
      diagnostics.push({ from, to: Math.max(to, from + 1), severity: 'error', message: e.message.split('\n')[0] });
      return { path: '', reason: `YAML: ${e.message.split('\n')[0]}`, line: lineOf(from) };
    });
    return { checked: { problems, warnings: [] }, diagnostics };
  }
  const value: unknown = doc.toJS();
  let result: Validation;
  try {
    result = await api.post<Validation>('/journey/rules/validate', value ?? {});
  } catch (error) {
    return { checked: { value, problems: [], warnings: [], error }, diagnostics };
  }
  const place = (p: Problem, severity: 'error' | 'warning') => {
    const [from, to] = rangeOf(text, p.path);
    const end = Math.min(to, text.indexOf('\n', from) === -1 ? text.length : text.indexOf('\n', from));
    diagnostics.push({ from, to: Math.max(end, from), severity, message: `${p.path || 'document'}: ${p.reason}` });
    return { ...p, line: lineOf(from) };
  };
  return {
    checked: { value, problems: result.problems.map((p) => place(p, 'error')), warnings: result.warnings.map((p) => place(p, 'warning')) },
    diagnostics,
  };
}

const base = (words: Vocabulary): Extension => [
  lineNumbers(),
  highlightActiveLineGutter(),
  foldGutter(),
  history(),
  indentOnInput(),
  bracketMatching(),
  highlightActiveLine(),
  syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
  yaml(),
  autocompletion({ override: [completeRule(words)] }),
  // Tab indents; Escape then Tab leaves the editor (CodeMirror's keyboard convention).
  keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
  EditorView.lineWrapping,
];

export function createEditor(
  parent: HTMLElement,
  text: string,
  opts: { readOnly: boolean; words: Vocabulary; label: string; onChecked: (c: Checked) => void; onEdit: () => void },
): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        base(opts.words),
        EditorState.readOnly.of(opts.readOnly),
        EditorView.editable.of(!opts.readOnly),
        EditorView.contentAttributes.of({ 'aria-label': opts.label }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) opts.onEdit();
        }),
        lintGutter(),
        linter(
          async (view) => {
            const { checked, diagnostics } = await check(view.state.doc.toString());
            opts.onChecked(checked);
            return diagnostics;
          },
          { delay: 350 },
        ),
      ],
    }),
  });
}

/** Two documents side by side, changes marked; read-only. */
export function createDiff(parent: HTMLElement, a: { doc: string; label: string }, b: { doc: string; label: string }): MergeView {
  const ro = (label: string) => [
    EditorState.readOnly.of(true),
    EditorView.editable.of(false),
    EditorView.contentAttributes.of({ 'aria-label': label }),
    lineNumbers(),
    yaml(),
    syntaxHighlighting(defaultHighlightStyle),
  ];
  return new MergeView({
    parent,
    a: { doc: a.doc, extensions: ro(a.label) },
    b: { doc: b.doc, extensions: ro(b.label) },
  });
}
