import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { statsRange, type FlagStatsResponse, type RuleStatsResponse, type StatsQuery } from './stats.dto.js';
import { StatsRepository } from './stats.repository.js';

const iso = (t: number) => new Date(t).toISOString();

/** Trends of flags and rules, per bucket, from the hourly rollups and today's holders. */
@Injectable()
export class StatsService {
  constructor(
    private readonly stats: StatsRepository,
    private readonly clock: Clock,
  ) {}

  async flags(query: StatsQuery): Promise<FlagStatsResponse> {
    const at = this.clock.now();
    const q = statsRange(query, at);
    const size = q.starts.length > 1 ? q.starts[1] - q.starts[0] : q.to - q.from;
    const [now, after, buckets, participants] = await Promise.all([
      this.stats.holdersNow(at),
      this.stats.netSince(q.to),
      this.stats.flagBuckets(q.from, q.to, size),
      this.stats.participantsKnown(),
    ]);
    const names = new Set([...now.keys(), ...buckets.map((b) => b.flag)]);
    const byFlag = new Map<string, { sets: number[]; clears: number[] }>();
    for (const name of names) byFlag.set(name, { sets: q.starts.map(() => 0), clears: q.starts.map(() => 0) });
    for (const b of buckets) {
      const f = byFlag.get(b.flag)!;
      f.sets[b.i] += b.sets;
      f.clears[b.i] += b.clears;
    }
    const ats = q.starts.map(iso);
    const flags = [...names].sort().map((flag) => {
      const { sets, clears } = byFlag.get(flag)!;
      // Holders at `to` are today's minus what changed since; each earlier bucket's end, minus its successor's changes.
      const holders = (now.get(flag) ?? 0) - (after.get(flag) ?? 0);
      const series = new Array<{ at: string; holders: number; set: number; cleared: number }>(q.starts.length);
      let h = holders;
      for (let i = q.starts.length - 1; i >= 0; i--) {
        series[i] = { at: ats[i], holders: h, set: sets[i], cleared: clears[i] };
        h -= sets[i] - clears[i];
      }
      return { flag, holders, series };
    });
    return { bucket: q.bucket, from: iso(q.from), to: iso(q.to), participants, flags };
  }

  async rules(query: StatsQuery): Promise<RuleStatsResponse> {
    const q = statsRange(query, this.clock.now());
    const size = q.starts.length > 1 ? q.starts[1] - q.starts[0] : q.to - q.from;
    const rows = await this.stats.ruleBuckets(q.from, q.to, size);
    const byRule = new Map<string, { ruleId: string; version: number; fired: number[]; last: number }>();
    for (const r of rows) {
      const key = `${r.ruleId}\u0000${r.version}`;
      const e = byRule.get(key) ?? { ruleId: r.ruleId, version: r.version, fired: q.starts.map(() => 0), last: 0 };
      e.fired[r.i] += r.fired;
      e.last = Math.max(e.last, new Date(r.last).getTime());
      byRule.set(key, e);
    }
    const ats = q.starts.map(iso);
    const rules = [...byRule.values()]
      .sort((a, b) => (a.ruleId === b.ruleId ? a.version - b.version : a.ruleId < b.ruleId ? -1 : 1))
      .map((e) => ({
        ruleId: e.ruleId,
        version: e.version,
        fired: e.fired.reduce((s, n) => s + n, 0),
        lastFiredAt: e.last ? iso(e.last) : null,
        series: ats.map((at, i) => ({ at, fired: e.fired[i] })),
      }));
    return { bucket: q.bucket, from: iso(q.from), to: iso(q.to), rules };
  }
}
