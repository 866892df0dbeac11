import { useState } from 'preact/hooks';
import { api, enc, q, type Explain, type ExplainedCondition, type FlagValue, type Milestone, type Rule, type TimelineEntry } from '../api';
import { go, href } from '../router';
import { ErrorBox, Loading, Section, show, useLoad, when } from '../ui';

/** "2 of 3": a count or numeric value condition's way toward its expectation. */
function progressOf(c: ExplainedCondition): { have: number; need: number } | null {
  if (typeof c.actual !== 'number' || (typeof c.expected !== 'string' && typeof c.expected !== 'number')) return null;
  const need = typeof c.expected === 'number' ? c.expected : Number(/-?\d+(\.\d+)?/.exec(c.expected)?.[0]);
  if (!Number.isFinite(need) || need <= 0) return null;
  return { have: c.actual, need };
}

function Conditions({ conditions }: { conditions: ExplainedCondition[] }) {
  return (
    <ul class="conditions">
      {conditions.map((c) => {
        const p = progressOf(c);
        return (
          <li key={c.path} class={c.result ? 'yes' : 'no'}>
            <span class="verdict">{c.result ? '✔ true' : '✘ false'}</span> <code>{c.path}</code> {c.type}
            {c.entity && ` ${c.entity}`}
            {c.field && `.${c.field}`}
            {(c.actual !== undefined || c.expected !== undefined) && (
              <span>
                {' '}
                — actual <strong>{show(c.actual)}</strong>, expected <strong>{show(c.expected)}</strong>
              </span>
            )}
            {p && !c.result && (
              <span class="progress-line">
                <progress max={p.need} value={Math.min(p.have, p.need)} aria-label={`${p.have} of ${p.need}`} /> {p.have} of {p.need}
              </span>
            )}
            {c.needs && <div class="muted">needs {c.needs}</div>}
            {c.becomesTrueAt && <div>becomes true at {when(c.becomesTrueAt)}</div>}
            {c.note && <div class="muted">{c.note}</div>}
            {c.conditions && <Conditions conditions={c.conditions} />}
          </li>
        );
      })}
    </ul>
  );
}

function ExplainRule({ rule, userId, asOf }: { rule: Rule; userId: string; asOf: string }) {
  const [open, setOpen] = useState(false);
  const x = useLoad(
    () =>
      open
        ? api.get<Explain>(`/journey/rules/${enc(rule.id)}/explain/${enc(userId)}${q({ asOf: asOf || undefined })}`)
        : Promise.resolve(null),
    [open, rule.id, userId, asOf],
  );
  return (
    <details onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        {rule.id} <span class="muted">(flag {rule.flag})</span>
      </summary>
      <ErrorBox error={x.error} />
      {x.data ? (
        <div>
          <p>
            {x.data.matched ? <strong class="ok">Matches</strong> : <strong>Does not match</strong>} as of {when(x.data.asOf)}
            {!x.data.active && ' (rule inactive)'}
            {x.data.nextChangeAt && ` · time alone changes this at ${when(x.data.nextChangeAt)}`}
          </p>
          <Conditions conditions={x.data.conditions} />
        </div>
      ) : (
        open && <Loading />
      )}
    </details>
  );
}

function TimelineItem({ e, userId }: { e: TimelineEntry; userId: string }) {
  switch (e.kind) {
    case 'event':
      return (
        <li class="t-event" id={`event-${e.id}`}>
          <time>{when(e.at)}</time> event <strong>{e.type}</strong> <span class="mono small">{e.id}</span>
          <details>
            <summary class="small">Data</summary>
            <pre class="context">{JSON.stringify(e.data, null, 2)}</pre>
          </details>
        </li>
      );
    case 'flag':
      return (
        <li class="t-flag">
          <time>{when(e.at)}</time> flag <strong>{e.flag}</strong> {e.previousValue === null ? 'unset' : String(e.previousValue)} →{' '}
          <strong>{String(e.value)}</strong> by {e.ruleId === 'manual' ? 'hand' : <a href={href('rules', e.ruleId)}>{e.ruleId}</a>}
          {e.ruleVersion ? ` v${e.ruleVersion}` : ''}
          {e.causedBy && (
            <span>
              {' '}
              · caused by {e.causedBy.trigger}
              {e.causedBy.by && ` (${e.causedBy.by})`}
              {e.causedBy.dueAt && ` at ${when(e.causedBy.dueAt)}`}
              {e.causedBy.eventIds?.map((id) => (
                <a
                  key={id}
                  class="mono small cause"
                  href={`#event-${id}`}
                  onClick={(ev) => (ev.preventDefault(), document.getElementById(`event-${id}`)?.scrollIntoView())}
                >
                  {' '}
                  {id.slice(0, 8)}
                </a>
              ))}
            </span>
          )}
          {e.reason && <div>{e.reason}</div>}
          {e.explanation?.conditions && (
            <details class="explanation" open>
              <summary>Explanation</summary>
              <Conditions conditions={e.explanation.conditions} />
            </details>
          )}
          <span class="sr-only"> for participant {userId}</span>
        </li>
      );
    case 'milestone':
      return (
        <li class="t-milestone">
          <time>{when(e.at)}</time> milestone <strong>{e.milestone}</strong> by {e.by ?? e.ruleId}
        </li>
      );
    case 'output':
      return (
        <li class="t-output">
          <time>{when(e.at)}</time> published <strong>{e.type}</strong> ({e.status})
        </li>
      );
  }
}

function ManualFlag({ userId, onDone, flag }: { userId: string; onDone: () => void; flag?: string }) {
  const [name, setName] = useState(flag ?? '');
  const [value, setValue] = useState(true);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      await api.put(`/journey/flags/${enc(userId)}/${enc(name)}`, { value, reason });
      setReason('');
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="row wrap" onSubmit={(e) => void submit(e)} aria-label="Set a flag by hand">
      <label for="mf-flag">Flag</label>
      <input id="mf-flag" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
      <label for="mf-value">Value</label>
      <select id="mf-value" value={String(value)} onChange={(e) => setValue(e.currentTarget.value === 'true')}>
        <option value="true">true</option>
        <option value="false">false</option>
      </select>
      <label for="mf-reason">Reason</label>
      <input id="mf-reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} required />
      <button type="submit">Set by hand</button>
      <ErrorBox error={error} />
    </form>
  );
}

const EXPLAIN_MAX = 30;

function Person({ userId, admin }: { userId: string; admin: boolean }) {
  const flags = useLoad(() => api.get<{ flags: FlagValue[] }>(`/journey/flags/${enc(userId)}`), [userId]);
  const milestones = useLoad(() => api.get<{ milestones: Milestone[] }>(`/journey/milestones/${enc(userId)}`), [userId]);
  const rules = useLoad(() => api.get<{ rules: Rule[] }>('/journey/rules'), []);
  const context = useLoad(
    () =>
      api.get<{ known: boolean; entities: Record<string, { records: unknown[]; derived: Record<string, unknown> }> }>(
        `/journey/context/${enc(userId)}`,
      ),
    [userId],
  );
  const [before, setBefore] = useState<string | null>(null);
  const timeline = useLoad(
    () =>
      api.get<{ entries: TimelineEntry[]; next: string | null }>(
        `/journey/participants/${enc(userId)}/timeline${q({ limit: 50, before })}`,
      ),
    [userId, before],
  );
  const [asOfDays, setAsOfDays] = useState(0);
  const [ruleFilter, setRuleFilter] = useState('');
  // With hundreds of rules: by default those behind the participant's flags, else what the filter finds.
  const held = new Set((flags.data?.flags ?? []).flatMap((f) => [f.flag, f.setByRule]));
  const needle = ruleFilter.trim().toLowerCase();
  const explained = (rules.data?.rules ?? [])
    .filter((r) => (needle ? `${r.id} ${r.name} ${r.flag}`.toLowerCase().includes(needle) : held.has(r.id) || held.has(r.flag)))
    .slice(0, EXPLAIN_MAX);
  const asOf = asOfDays === 0 ? '' : new Date(Date.now() + asOfDays * 86_400_000).toISOString();
  const [error, setError] = useState<unknown>();
  const handBack = async (flag: string) => {
    setError(undefined);
    try {
      await api.delete(`/journey/flags/${enc(userId)}/${enc(flag)}`);
      refresh();
    } catch (e) {
      setError(e);
    }
  };
  const refresh = () => {
    flags.reload();
    timeline.reload();
    milestones.reload();
  };

  return (
    <>
      <h2 class="mono">{userId}</h2>
      {context.data && !context.data.known && <p class="muted">No event of this participant has been seen.</p>}
      <Section title="Flags">
        <ErrorBox error={flags.error ?? error} />
        {flags.data ? (
          flags.data.flags.length === 0 ? (
            <p class="muted">No flags.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Flag</th>
                  <th scope="col">Value</th>
                  <th scope="col">Set by</th>
                  <th scope="col">Since</th>
                  <th scope="col">Expires</th>
                  {admin && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {flags.data.flags.map((f) => (
                  <tr key={f.flag}>
                    <td>
                      <a href={href('cohorts', f.flag)}>{f.flag}</a>
                    </td>
                    <td>{String(f.value)}</td>
                    <td>{f.setByRule === 'manual' ? 'hand (manual)' : <a href={href('rules', f.setByRule)}>{f.setByRule}</a>}</td>
                    <td>{when(f.setAt)}</td>
                    <td>{when(f.expiresAt)}</td>
                    {admin && (
                      <td>
                        {f.setByRule === 'manual' && (
                          <button type="button" onClick={() => void handBack(f.flag)}>
                            Hand back to the rules
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )
        ) : (
          <Loading />
        )}
        {admin && <ManualFlag userId={userId} onDone={refresh} />}
      </Section>
      <Section title="Milestones">
        <ErrorBox error={milestones.error} />
        {milestones.data?.milestones.length ? (
          <ul>
            {milestones.data.milestones.map((m) => (
              <li key={m.milestone}>
                <strong>{m.milestone}</strong> at {when(m.occurredAt ?? m.reachedAt)} by {m.triggeredByRule}
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">None reached.</p>
        )}
      </Section>
      <Section title="Timeline">
        <ErrorBox error={timeline.error} />
        {timeline.data ? (
          <>
            <ol class="timeline" aria-label="Timeline, newest first">
              {timeline.data.entries.map((e, i) => (
                <TimelineItem key={i} e={e} userId={userId} />
              ))}
            </ol>
            <div class="row">
              {before && (
                <button type="button" onClick={() => setBefore(null)}>
                  Newest
                </button>
              )}
              {timeline.data.next && (
                <button type="button" onClick={() => setBefore(timeline.data!.next)}>
                  Older
                </button>
              )}
            </div>
          </>
        ) : (
          <Loading />
        )}
      </Section>
      <Section title="Explain: why each rule does or does not match">
        <label for="as-of">
          As of: {asOfDays === 0 ? 'now' : `${asOfDays > 0 ? 'in' : ''} ${Math.abs(asOfDays)} days${asOfDays < 0 ? ' ago' : ''}`}
        </label>
        <input
          id="as-of"
          type="range"
          min={-60}
          max={60}
          step={1}
          value={asOfDays}
          onInput={(e) => setAsOfDays(Number(e.currentTarget.value))}
        />
        <ErrorBox error={rules.error} />
        <div class="row">
          <label for="explain-filter">Find a rule by id, name or flag</label>
          <input id="explain-filter" type="search" value={ruleFilter} onInput={(e) => setRuleFilter(e.currentTarget.value)} />
        </div>
        <p class="muted small">
          {ruleFilter
            ? `${explained.length} of ${rules.data?.rules.length ?? 0} rules match (the first ${EXPLAIN_MAX} shown)`
            : `The rules behind this participant's flags (${explained.length} of ${rules.data?.rules.length ?? 0}); find any other above`}
        </p>
        {explained.map((r) => (
          <ExplainRule key={r.id} rule={r} userId={userId} asOf={asOf} />
        ))}
      </Section>
      <Section title="Context">
        <ErrorBox error={context.error} />
        {context.data && (
          <details>
            <summary>Records and derived fields the rules see</summary>
            <pre class="context">{JSON.stringify(context.data.entities, null, 2)}</pre>
          </details>
        )}
      </Section>
    </>
  );
}

export function Participant({ userId, admin }: { userId?: string; admin: boolean }) {
  const [input, setInput] = useState(userId ?? '');
  return (
    <>
      <h1>Participant</h1>
      <form
        class="row"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          if (input.trim()) go('participants', input.trim());
        }}
      >
        <label for="participant-id">Participant id</label>
        <input id="participant-id" class="mono wide" value={input} onInput={(e) => setInput(e.currentTarget.value)} placeholder="uuid" />
        <button type="submit">Open</button>
      </form>
      {userId ? (
        <Person key={userId} userId={userId} admin={admin} />
      ) : (
        <p class="muted">Enter a participant id, or open one from a flag's holders.</p>
      )}
    </>
  );
}
