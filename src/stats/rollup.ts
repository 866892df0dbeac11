import type { Writer } from '../database/write-batch.js';

const HOUR = 3_600_000;
const hourOf = (t: number) => new Date(Math.floor(t / HOUR) * HOUR).toISOString();

/**
 * Trends are read from hourly rollups kept beside the history, in the decision's transaction: a set is a
 * change to true from anything else, a clear a change from true to false. Keys are sorted so that two
 * transactions touching the same hours lock them in the same order.
 */
export async function recordFlagRollup(
  tx: Writer,
  changes: readonly { flag: string; value: boolean; previousValue: boolean | null; at: number }[],
): Promise<void> {
  const sums = new Map<string, { flag: string; hour: string; sets: number; clears: number }>();
  for (const c of changes) {
    const set = c.value && c.previousValue !== true;
    const cleared = !c.value && c.previousValue === true;
    if (!set && !cleared) continue;
    const hour = hourOf(c.at);
    const key = `${c.flag}\u0000${hour}`;
    const s = sums.get(key) ?? { flag: c.flag, hour, sets: 0, clears: 0 };
    if (set) s.sets++;
    else s.clears++;
    sums.set(key, s);
  }
  if (sums.size === 0) return;
  const rows = [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
  await tx.query(
    `INSERT INTO journey_stats_flag_hourly AS t (flag, hour, sets, clears)
     SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::int[])
     ON CONFLICT (flag, hour) DO UPDATE SET sets = t.sets + EXCLUDED.sets, clears = t.clears + EXCLUDED.clears`,
    [rows.map((r) => r.flag), rows.map((r) => r.hour), rows.map((r) => r.sets), rows.map((r) => r.clears)],
  );
}

/** One rise of a rule (its actions ran) per entry, at decision time `at`. */
export async function recordRuleRollup(tx: Writer, rises: readonly { ruleId: string; version: number }[], at: number): Promise<void> {
  if (rises.length === 0) return;
  const sums = new Map<string, { ruleId: string; version: number; fired: number }>();
  for (const r of rises) {
    const key = `${r.ruleId}\u0000${r.version}`;
    const s = sums.get(key) ?? { ruleId: r.ruleId, version: r.version, fired: 0 };
    s.fired++;
    sums.set(key, s);
  }
  const rows = [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
  await tx.query(
    `INSERT INTO journey_stats_rule_hourly AS t (rule_id, version, hour, fired, last_fired_at)
     SELECT r, v, $3::timestamptz, f, $4::timestamptz FROM unnest($1::text[], $2::int[], $5::int[]) AS x(r, v, f)
     ON CONFLICT (rule_id, version, hour) DO UPDATE SET fired = t.fired + EXCLUDED.fired,
       last_fired_at = greatest(t.last_fired_at, EXCLUDED.last_fired_at)`,
    [rows.map((r) => r.ruleId), rows.map((r) => r.version), hourOf(at), new Date(at).toISOString(), rows.map((r) => r.fired)],
  );
}
