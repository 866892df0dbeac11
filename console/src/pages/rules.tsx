import { useState } from 'preact/hooks';
import { api, enc, q, type Rule, type RuleStats } from '../api';
import { href } from '../router';
import { ErrorBox, Loading, Sparkline, useLoad, when } from '../ui';
import { daysAgo } from './overview';

/** Every rule with its switch, priority, last firing and 30-day firings. */
export function Rules({ admin }: { admin: boolean }) {
  const rules = useLoad(() => api.get<{ rules: Rule[] }>('/journey/rules'), []);
  const stats = useLoad(() => api.get<{ rules: RuleStats[] }>(`/journey/stats/rules${q({ from: daysAgo(30), bucket: 'day' })}`), []);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<string | null>(null);
  const [filter, setFilter] = useState('');

  const byRule = new Map<string, { last: string | null; series: number[] }>();
  for (const s of stats.data?.rules ?? []) {
    const cur = byRule.get(s.ruleId);
    const series = s.series.map((p) => p.fired);
    byRule.set(s.ruleId, {
      last: [cur?.last ?? null, s.lastFiredAt].filter(Boolean).sort().at(-1) ?? null,
      series: cur ? cur.series.map((v, i) => v + (series[i] ?? 0)) : series,
    });
  }

  const toggle = async (r: Rule) => {
    setBusy(r.id);
    setError(undefined);
    try {
      await api.post(`/journey/rules/${enc(r.id)}/${r.active === false ? 'activate' : 'deactivate'}`);
      rules.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  const shown = (rules.data?.rules ?? []).filter(
    (r) => !filter || `${r.id} ${r.name} ${r.flag}`.toLowerCase().includes(filter.toLowerCase()),
  );
  return (
    <>
      <div class="row">
        <h1>Rules</h1>
        {admin && (
          <a class="button" href={href('rules', '+new')}>
            New rule
          </a>
        )}
      </div>
      <div class="row">
        <label for="rule-filter">Filter by id, name or flag</label>
        <input id="rule-filter" type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
      </div>
      <ErrorBox error={rules.error ?? error ?? stats.error} />
      {rules.loading && !rules.data ? (
        <Loading />
      ) : (
        <table>
          <caption class="muted">
            {shown.length} of {rules.data?.rules.length ?? 0} rules, highest priority first
          </caption>
          <thead>
            <tr>
              <th scope="col">Active</th>
              <th scope="col">Rule</th>
              <th scope="col">Flag</th>
              <th scope="col" class="num">
                Priority
              </th>
              <th scope="col">Last fired</th>
              <th scope="col">Firings, 30 days</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => {
              const s = byRule.get(r.id);
              const on = r.active !== false;
              return (
                <tr key={r.id}>
                  <td>
                    {admin ? (
                      <button
                        type="button"
                        role="switch"
                        class="switch"
                        aria-checked={on}
                        aria-label={`${r.id} active`}
                        disabled={busy === r.id}
                        onClick={() => void toggle(r)}
                      >
                        <span>{on ? 'On' : 'Off'}</span>
                      </button>
                    ) : (
                      <span class={on ? 'pill on' : 'pill'}>{on ? 'On' : 'Off'}</span>
                    )}
                  </td>
                  <td>
                    <a href={href('rules', r.id)}>{r.id}</a>
                    <div class="muted small">{r.name}</div>
                  </td>
                  <td>
                    <a href={href('cohorts', r.flag)}>{r.flag}</a>
                  </td>
                  <td class="num">{r.priority}</td>
                  <td>{when(s?.last)}</td>
                  <td>
                    <Sparkline values={s?.series ?? []} label={`firings of ${r.id} per day`} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
