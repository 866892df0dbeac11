import type { MergeView } from '@codemirror/merge';
import type { EditorView } from '@codemirror/view';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, enc, type Backfill, type Preview, type Rule, type RuleVersion } from '../api';
import { go, href } from '../router';
import { ErrorBox, Loading, Section, useLoad, when } from '../ui';
import { check, createDiff, createEditor, schemaWords, toYaml, type Checked, type Vocabulary } from '../yaml-editor';

const META = ['version', 'createdAt', 'updatedAt'];
// The order a person writes a rule in (the database keeps keys in its own order).
const ORDER = [
  ...['id', 'name', 'description', 'type', 'flag', 'priority', 'active'],
  ...['entity', 'field', 'operator', 'value', 'count', 'count_value', 'where', 'within', 'older_than'],
  ...['conditions', 'condition', 'actions', 'event', 'payload', 'expires_in'],
];
const rank = (k: string) => (ORDER.includes(k) ? ORDER.indexOf(k) : ORDER.length);
function ordered(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(ordered);
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .sort(([a], [b]) => rank(a) - rank(b))
      .map(([k, x]) => [k, ordered(x)]),
  );
}
/** The rule document of an API answer (without the stored metadata), keys in writing order. */
const documentOf = (r: Record<string, unknown>) =>
  ordered(Object.fromEntries(Object.entries(r).filter(([k]) => !META.includes(k)))) as Record<string, unknown>;

const TEMPLATE = `id: my_rule_001
name: My rule
description: What this rule recognises
flag: my_flag
priority: 10
active: true
conditions:
  - type: count
    entity: kintell_sessions
    count: '>='
    count_value: 1
actions:
  - type: set_flag
    flag: my_flag
    value: true
`;

function Diff({ a, b, label, labels }: { a: string; b: string; label: string; labels: [string, string] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const view: MergeView = createDiff(box.current, { doc: a, label: labels[0] }, { doc: b, label: labels[1] });
    return () => view.destroy();
  }, [a, b]);
  return <div ref={box} class="diff" role="region" aria-label={label} />;
}

/** Polls a rule's backfill until the version just written is done. */
/** One side of the versions comparison. */
function VersionSelect(props: { id: string; versions: { version: number }[]; value?: number; onChange: (version: number) => void }) {
  return (
    <select id={props.id} value={props.value ?? ''} onChange={(e) => props.onChange(Number(e.currentTarget.value))}>
      <option value="">version…</option>
      {props.versions.map((v) => (
        <option key={v.version} value={v.version}>
          v{v.version}
        </option>
      ))}
    </select>
  );
}

function BackfillBar({ ruleId, version }: { ruleId: string; version: number }) {
  const [b, setB] = useState<Backfill | null>(null);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let live = true;
    let timer = 0;
    const started = Date.now();
    const poll = async () => {
      try {
        const s = await api.get<Backfill>(`/journey/rules/${enc(ruleId)}/backfill`);
        if (!live) return;
        const mine = s.ruleVersion === null || s.ruleVersion >= version;
        setB(mine ? s : null);
        if (mine && s.status !== 'running') return;
      } catch (e) {
        if (!live) return;
        if (!(e instanceof ApiError && e.status === 404) || Date.now() - started > 10_000) return setError(e);
      }
      timer = window.setTimeout(() => void poll(), 400);
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [ruleId, version]);
  if (error) return <ErrorBox error={error} />;
  const done = b?.status === 'completed';
  return (
    <div class="backfill" data-status={b?.status ?? 'waiting'}>
      <label for="backfill-progress">
        Backfill of version {version}:{' '}
        {!b ? 'waiting to start…' : done ? 'done' : b.status === 'failed' ? `failed: ${b.error ?? ''}` : 'running'}
        {b && ` — ${b.processed} of ${b.total} participants re-evaluated`}
      </label>
      <progress id="backfill-progress" max={Math.max(1, b?.total ?? 1)} value={done ? Math.max(1, b.total) : (b?.processed ?? 0)} />
    </div>
  );
}

function Editor({
  initial,
  readOnly,
  words,
  onChecked,
  onEdit,
  viewRef,
}: {
  initial: string;
  readOnly: boolean;
  words: Vocabulary;
  onChecked: (c: Checked) => void;
  onEdit: () => void;
  viewRef: { current: EditorView | null };
}) {
  const box = useRef<HTMLDivElement>(null);
  const checked = useRef(onChecked);
  checked.current = onChecked;
  const edited = useRef(onEdit);
  edited.current = onEdit;
  useEffect(() => {
    if (!box.current) return;
    const view = createEditor(box.current, initial, {
      readOnly,
      words,
      label: 'Rule document (YAML)',
      onChecked: (c) => checked.current(c),
      onEdit: () => edited.current(),
    });
    viewRef.current = view;
    return () => view.destroy();
  }, [initial, readOnly]);
  return <div ref={box} class="editor" />;
}

/** A rule: its document in the editor, live validation, diff, impact preview, save with backfill; its versions. */
export function RulePage({ id, admin }: { id: string | null; admin: boolean }) {
  const rule = useLoad(() => (id ? api.get<Rule>(`/journey/rules/${enc(id)}`) : Promise.resolve(null)), [id]);
  const versions = useLoad(
    () => (id ? api.get<{ versions: RuleVersion[] }>(`/journey/rules/${enc(id)}/versions`) : Promise.resolve({ versions: [] })),
    [id],
  );
  const schema = useLoad(() => api.get<unknown>('/journey/rules/schema').then(schemaWords), []);
  const view = useRef<EditorView | null>(null);
  const [checked, setChecked] = useState<Checked>({ problems: [], warnings: [], pending: true });
  const [preview, setPreview] = useState<Preview | null>(null);
  const [showDiff, setShowDiff] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [written, setWritten] = useState<{ id: string; version: number; what: string } | null>(null);
  const [compare, setCompare] = useState<[number, number] | null>(null);

  const current = rule.data ? toYaml(documentOf(rule.data)) : TEMPLATE;
  const draft = () => view.current?.state.doc.toString() ?? current;

  useEffect(() => {
    setPreview(null);
    setShowDiff(false);
    // A rule just created keeps its backfill bar when the page moves to its id.
    setWritten((w) => (w && w.id === id ? w : null));
    setCompare(null);
  }, [id]);

  const run = async (what: () => Promise<void>) => {
    setBusy(true);
    setActionError(undefined);
    try {
      await what();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  };
  /** The document as JSON, checked now if the last check is not about the text as it is. */
  const doc = async () => {
    const c = checked.pending ? (await check(draft())).checked : checked;
    if (c.error instanceof Error) throw c.error;
    if (c.value === undefined || c.problems.length) throw new Error('Fix the problems shown under the editor first');
    return c.value as Record<string, unknown>;
  };
  const doPreview = () => run(async () => setPreview(await api.post<Preview>('/journey/rules/preview', await doc())));
  const save = () =>
    run(async () => {
      const body = await doc();
      setShowDiff(false);
      if (id) {
        // PUT replaces the fields given: a field deleted in the editor is sent as null to remove it.
        const removed = Object.keys(documentOf(rule.data ?? {})).filter((k) => !(k in body));
        const res = await api.put<{ rule: Rule }>(`/journey/rules/${enc(id)}`, {
          ...body,
          ...Object.fromEntries(removed.map((k) => [k, null])),
        });
        setWritten({ id, version: res.rule.version, what: 'Saved' });
        rule.reload();
        versions.reload();
      } else {
        const res = await api.post<{ rule: Rule }>('/journey/rules', body);
        setWritten({ id: res.rule.id, version: res.rule.version, what: 'Created' });
        if (res.rule.id) go('rules', res.rule.id);
      }
    });
  const rollback = (v: number) =>
    run(async () => {
      const res = await api.post<{ rule: Rule }>(`/journey/rules/${enc(id!)}/rollback/${v}`);
      setWritten({ id: id!, version: res.rule.version, what: `Rolled back to version ${v} as` });
      rule.reload();
      versions.reload();
    });

  if (rule.error) return <ErrorBox error={rule.error} />;
  if ((id && !rule.data) || !schema.data) return <Loading />;
  const vs = versions.data?.versions ?? [];
  const yamlOf = (n: number) => toYaml(vs.find((v) => v.version === n)?.document ?? {});
  return (
    <>
      <p>
        <a href={href('rules')}>← Rules</a>
      </p>
      <h1>{id ? `Rule ${id}` : 'New rule'}</h1>
      {rule.data && (
        <p class="muted">
          Version {rule.data.version}, updated {when(rule.data.updatedAt)} · {rule.data.active === false ? 'inactive' : 'active'}
        </p>
      )}
      <Section title={admin ? 'Edit (YAML)' : 'Document (read-only)'}>
        <Editor
          initial={current}
          readOnly={!admin}
          words={schema.data}
          onChecked={setChecked}
          onEdit={() => setChecked((c) => (c.pending ? c : { ...c, pending: true }))}
          viewRef={view}
        />
        <div aria-live="polite" class="checks">
          {checked.pending ? (
            <p class="muted">Checking…</p>
          ) : checked.error ? (
            <ErrorBox error={checked.error} />
          ) : checked.problems.length === 0 ? (
            <p class="ok" data-testid="valid">
              Valid{checked.warnings.length ? ', with warnings' : ''}
            </p>
          ) : (
            <ul class="problems" aria-label="Problems">
              {checked.problems.map((p) => (
                <li key={`${p.line}${p.path}${p.reason}`}>
                  <strong>Line {p.line}</strong> <code>{p.path || 'document'}</code>: {p.reason}
                </li>
              ))}
            </ul>
          )}
          {checked.warnings.length > 0 && (
            <ul class="warnings" aria-label="Warnings">
              {checked.warnings.map((p) => (
                <li key={`${p.line}${p.path}${p.reason}`}>
                  Line {p.line} <code>{p.path}</code>: {p.reason}
                </li>
              ))}
            </ul>
          )}
        </div>
        {admin && (
          <div class="actions">
            {id && (
              <button type="button" onClick={() => setShowDiff((s) => !s)} aria-expanded={showDiff}>
                {showDiff ? 'Hide diff' : 'Diff with current'}
              </button>
            )}
            <button type="button" onClick={() => void doPreview()} disabled={busy}>
              Preview impact
            </button>
            <button type="button" class="primary" onClick={() => void save()} disabled={busy}>
              {id ? 'Save' : 'Create'}
            </button>
          </div>
        )}
        <ErrorBox error={actionError} />
        {showDiff && (
          <Diff a={current} b={draft()} label="Current version (left) and draft (right)" labels={['Current version', 'Draft']} />
        )}
        {preview && (
          <div class="preview" role="status" data-testid="preview">
            <p>
              <strong>{preview.matching}</strong> of {preview.evaluated} participants match now; it would set the flag for{' '}
              <strong>{preview.wouldSet}</strong> and clear it for <strong>{preview.wouldClear}</strong>.
            </p>
            {preview.sample.length > 0 && (
              <p>
                Sample:{' '}
                {preview.sample.map((u) => (
                  <a key={u} class="mono sample" href={href('participants', u)}>
                    {u}
                  </a>
                ))}
              </p>
            )}
          </div>
        )}
        {written && (
          <>
            <p role="status">
              {written.what} version {written.version}.
            </p>
            <BackfillBar key={`${written.id}@${written.version}`} ruleId={written.id} version={written.version} />
          </>
        )}
      </Section>
      {id && (
        <Section title="Versions">
          <ErrorBox error={versions.error} />
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Written by</th>
                <th scope="col">When</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {vs
                .slice()
                .reverse()
                .map((v) => (
                  <tr key={v.version}>
                    <td>v{v.version}</td>
                    <td>{v.createdBy}</td>
                    <td>{when(v.createdAt)}</td>
                    <td>
                      {v.version === rule.data!.version ? (
                        <span class="muted">current</span>
                      ) : (
                        <div class="actions">
                          <button type="button" onClick={() => setCompare([v.version, rule.data!.version])}>
                            Diff v{v.version} with current
                          </button>
                          {admin && (
                            <button type="button" onClick={() => void rollback(v.version)} disabled={busy}>
                              Roll back to v{v.version}
                            </button>
                          )}
                        </div>
                      )}
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
          {vs.length > 1 && (
            <form class="row" onSubmit={(e) => e.preventDefault()}>
              <label for="cmp-a">Compare</label>
              <VersionSelect
                id="cmp-a"
                versions={vs}
                value={compare?.[0]}
                onChange={(v) => setCompare([v, compare?.[1] ?? vs.at(-1)!.version])}
              />
              <label for="cmp-b">with</label>
              <VersionSelect
                id="cmp-b"
                versions={vs}
                value={compare?.[1]}
                onChange={(v) => setCompare([compare?.[0] ?? vs[0].version, v])}
              />
            </form>
          )}
          {compare && (
            <Diff
              a={yamlOf(compare[0])}
              b={yamlOf(compare[1])}
              label={`Version ${compare[0]} (left) and version ${compare[1]} (right)`}
              labels={[`Version ${compare[0]}`, `Version ${compare[1]}`]}
            />
          )}
        </Section>
      )}
    </>
  );
}
