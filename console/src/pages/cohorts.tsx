import { useState } from 'preact/hooks';
import { api, q, type FlagStats, type Holders } from '../api';
import { TimeChart } from '../chart';
import { go, href } from '../router';
import { ErrorBox, Loading, Section, useLoad, when } from '../ui';
import { daysAgo } from './overview';

/** The participant ids of a holders CSV (header row, user id first). */
const idsOf = (csv: string) =>
  new Set(
    csv
      .split('\n')
      .slice(1)
      .map((l) => l.split(',')[0])
      .filter(Boolean),
  );

/** A funnel over flags held now: how many hold the first, the first and the second, and so on. */
function Funnel({ names }: { names: string[] }) {
  const [steps, setSteps] = useState<string[]>(['', '']);
  const [result, setResult] = useState<{ step: string; count: number }[] | null>(null);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const chosen = steps.filter(Boolean);
  const compute = async () => {
    setBusy(true);
    setError(undefined);
    try {
      // Every holder of each flag, through the CSV route (all pages at once), intersected step by step.
      const sets = await Promise.all(chosen.map((flag) => api.text(`/journey/flags${q({ flag })}`, 'text/csv').then(idsOf)));
      const out: { step: string; count: number }[] = [];
      sets.reduce<Set<string> | null>((prev, ids, i) => {
        const inAll = prev ? new Set([...ids].filter((id) => prev.has(id))) : ids;
        out.push({ step: chosen[i], count: inAll.size });
        return inAll;
      }, null);
      setResult(out);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const first = result?.[0]?.count ?? 0;
  return (
    <Section title="Funnel over flags">
      <form
        class="row wrap"
        onSubmit={(e) => {
          e.preventDefault();
          void compute();
        }}
      >
        {steps.map((v, i) => (
          <span key={i} class="row">
            <label for={`step-${i}`}>Step {i + 1}</label>
            <select id={`step-${i}`} value={v} onChange={(e) => setSteps((s) => s.map((x, k) => (k === i ? e.currentTarget.value : x)))}>
              <option value="">—</option>
              {names.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </span>
        ))}
        {steps.length < 5 && (
          <button type="button" onClick={() => setSteps((s) => [...s, ''])}>
            Add a step
          </button>
        )}
        <button type="submit" disabled={busy || chosen.length === 0}>
          Count
        </button>
      </form>
      <ErrorBox error={error} />
      {result && (
        <table>
          <caption class="muted">Participants holding every flag up to the step, now</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col" class="num">
                Participants
              </th>
              <th scope="col">Of the first step</th>
            </tr>
          </thead>
          <tbody>
            {result.map((r, i) => (
              <tr key={i}>
                <td>{i === 0 ? r.step : `… and ${r.step}`}</td>
                <td class="num">{r.count}</td>
                <td>
                  <progress max={Math.max(1, first)} value={r.count} aria-label={`${r.count} of ${first}`} />{' '}
                  {first ? `${Math.round((r.count / first) * 100)} %` : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

/** Who holds a flag (paged, CSV), and how many did over time; a funnel over flags. */
export function Cohorts({ flag }: { flag?: string }) {
  const stats = useLoad(() => api.get<{ flags: FlagStats[] }>(`/journey/stats/flags${q({ from: daysAgo(30), bucket: 'day' })}`), []);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors.at(-1) ?? null;
  const holders = useLoad(
    () => (flag ? api.get<Holders>(`/journey/flags${q({ flag, limit: 50, cursor })}`) : Promise.resolve(null)),
    [flag, cursor],
  );
  const [csvError, setCsvError] = useState<unknown>();
  const trend = stats.data?.flags.find((f) => f.flag === flag);
  const names = [...new Set([...(stats.data?.flags.map((f) => f.flag) ?? []), ...(flag ? [flag] : [])])].sort();

  // The key goes in a header, never in a URL: the CSV is fetched, then saved from a blob.
  const download = async () => {
    setCsvError(undefined);
    try {
      const text = await api.text(`/journey/flags${q({ flag })}`, 'text/csv');
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
      a.download = `${flag}-holders.csv`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    } catch (e) {
      setCsvError(e);
    }
  };

  return (
    <>
      <h1>Cohorts</h1>
      <form class="row" onSubmit={(e) => e.preventDefault()}>
        <label for="cohort-flag">Flag</label>
        <select
          id="cohort-flag"
          value={flag ?? ''}
          onChange={(e) => {
            setCursors([null]);
            go('cohorts', e.currentTarget.value);
          }}
        >
          <option value="">Pick a flag…</option>
          {names.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </form>
      <ErrorBox error={stats.error} />
      {flag && (
        <>
          <Section title={`Holders of ${flag}, last 30 days`}>
            {trend ? (
              <TimeChart
                title={`Holders of ${flag} at the end of each day`}
                at={trend.series.map((p) => p.at)}
                series={[
                  { label: 'holders', values: trend.series.map((p) => p.holders) },
                  { label: 'set', values: trend.series.map((p) => p.set) },
                  { label: 'cleared', values: trend.series.map((p) => p.cleared) },
                ]}
              />
            ) : (
              stats.data && <p class="muted">No change of this flag in the last 30 days.</p>
            )}
          </Section>
          <Section title="Holders now">
            <ErrorBox error={holders.error ?? csvError} />
            {holders.data ? (
              <>
                <div class="row">
                  <p>
                    <strong data-testid="holders-count">{holders.data.count}</strong>{' '}
                    {holders.data.count === 1 ? 'participant holds' : 'participants hold'} {flag}.
                  </p>
                  <button type="button" onClick={() => void download()}>
                    Download CSV
                  </button>
                </div>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Participant</th>
                      <th scope="col">Set by</th>
                      <th scope="col">Since</th>
                      <th scope="col">Expires</th>
                    </tr>
                  </thead>
                  <tbody>
                    {holders.data.participants.map((p) => (
                      <tr key={p.userId}>
                        <td>
                          <a class="mono" href={href('participants', p.userId)}>
                            {p.userId}
                          </a>
                        </td>
                        <td>{p.setByRule}</td>
                        <td>{when(p.setAt)}</td>
                        <td>{when(p.expiresAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <div class="row">
                  <button type="button" disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
                    Previous page
                  </button>
                  <button type="button" disabled={!holders.data.next} onClick={() => setCursors((c) => [...c, holders.data!.next])}>
                    Next page
                  </button>
                </div>
              </>
            ) : (
              <Loading />
            )}
          </Section>
        </>
      )}
      {!flag && <p class="muted">Pick a flag to see who holds it. Participants link to their page.</p>}
      {names.length > 0 && <Funnel names={names} />}
    </>
  );
}
