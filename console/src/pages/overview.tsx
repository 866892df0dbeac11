import { api, q, type FlagStats, type Rule, type RuleStats } from '../api';
import { TimeChart } from '../chart';
import { href } from '../router';
import { ErrorBox, Loading, Section, Sparkline, useLoad } from '../ui';

export const DAY = 86_400_000;
export const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();

/** Sums rule firings per bucket over every rule (and version). */
export function firingsPerDay(rules: RuleStats[]): { at: string[]; fired: number[] } {
  const by = new Map<string, number>();
  for (const r of rules) for (const p of r.series) by.set(p.at, (by.get(p.at) ?? 0) + p.fired);
  const at = [...by.keys()].sort();
  return { at, fired: at.map((a) => by.get(a) ?? 0) };
}

/** A few gauges of /metrics (Prometheus text), summed over their labels. */
function gauges(text: string, names: string[]): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-z_]+)(?:\{[^}]*\})?\s+([-0-9.eE+]+|NaN)$/.exec(line.trim());
    if (m && names.includes(m[1])) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
  }
  return out;
}

const OPS = [
  ['journey_outbox_backlog', 'Outbox backlog (events not yet published)'],
  ['journey_kafka_consumer_lag', 'Kafka consumer lag (messages)'],
  ['journey_scheduler_lag_seconds', 'Scheduler lateness (seconds)'],
] as const;

export function Overview() {
  const rules = useLoad(() => api.get<{ rules: Rule[] }>('/journey/rules'), []);
  const flags = useLoad(
    () => api.get<{ participants?: number; flags: FlagStats[] }>(`/journey/stats/flags${q({ from: daysAgo(30), bucket: 'day' })}`),
    [],
  );
  const fired = useLoad(() => api.get<{ rules: RuleStats[] }>(`/journey/stats/rules${q({ from: daysAgo(30), bucket: 'day' })}`), []);
  const metrics = useLoad(
    () =>
      api.text('/metrics', 'text/plain').then(
        (t) =>
          gauges(
            t,
            OPS.map(([n]) => n),
          ),
        () => null,
      ),
    [],
  );

  const active = rules.data?.rules.filter((r) => r.active !== false).length ?? 0;
  const inactive = (rules.data?.rules.length ?? 0) - active;
  const perDay = fired.data ? firingsPerDay(fired.data.rules) : undefined;
  const top = flags.data?.flags.slice().sort((a, b) => b.holders - a.holders) ?? [];

  return (
    <>
      <h1>Overview</h1>
      <div class="tiles">
        <div class="tile">
          <span class="big">{rules.data ? active : '…'}</span> active rules
        </div>
        <div class="tile">
          <span class="big">{rules.data ? inactive : '…'}</span> inactive rules
        </div>
        <div class="tile">
          <span class="big">{flags.data?.participants ?? '…'}</span> participants known
        </div>
        <div class="tile">
          <span class="big">{flags.data ? top.reduce((n, f) => n + f.holders, 0) : '…'}</span> flags held
        </div>
        {OPS.map(([name, label]) => (
          <div class="tile" key={name}>
            <span class="big">{metrics.data ? (metrics.data[name] ?? 0).toFixed(name.endsWith('seconds') ? 1 : 0) : '—'}</span> {label}
          </div>
        ))}
      </div>
      <ErrorBox error={rules.error} />
      <Section title="Holders per flag (last 30 days)">
        <ErrorBox error={flags.error} />
        {flags.loading && !flags.data ? (
          <Loading />
        ) : top.length === 0 ? (
          <p class="muted">No flag is held yet.</p>
        ) : (
          <>
            <TimeChart
              title="Holders at the end of each day"
              at={top[0].series.map((p) => p.at)}
              series={top.slice(0, 6).map((f) => ({ label: f.flag, values: f.series.map((p) => p.holders) }))}
            />
            <table>
              <thead>
                <tr>
                  <th scope="col">Flag</th>
                  <th scope="col" class="num">
                    Holders now
                  </th>
                  <th scope="col">30-day trend</th>
                </tr>
              </thead>
              <tbody>
                {top.map((f) => (
                  <tr key={f.flag}>
                    <td>
                      <a href={href('cohorts', f.flag)}>{f.flag}</a>
                    </td>
                    <td class="num">{f.holders}</td>
                    <td>
                      <Sparkline values={f.series.map((p) => p.holders)} label={`holders of ${f.flag} over 30 days`} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Section>
      <Section title="Rule firings per day">
        <ErrorBox error={fired.error} />
        {perDay ? (
          <TimeChart title="Times any rule fired, per day" at={perDay.at} series={[{ label: 'firings', values: perDay.fired }]} />
        ) : (
          <Loading />
        )}
      </Section>
    </>
  );
}
