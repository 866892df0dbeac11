import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { RowOf } from '../database/row.js';
import type { JsonRow, Reader } from '../database/read-batch.js';
import { MANUAL_OWNER } from '../contracts/rule.js';
import type { FlagState } from '../engine/types.js';
import { FlagEntity, FlagHistoryEntity } from './flag.entity.js';
import { deleteBatch } from '../database/batched-delete.js';
import { recordFlagRollup } from '../stats/rollup.js';
import type { Writer } from '../database/write-batch.js';

export interface FlagRow {
  flag: string;
  value: boolean;
  setByRule: string;
  setAt: Date;
  expiresAt: Date | null;
}
/** What started the evaluation behind a change: input events, a due instant, a manual action, or a re-evaluation (rule change, reconciliation). */
export type Trigger = 'events' | 'time' | 'manual' | 'evaluation';

export interface HistoryRow {
  flag: string;
  value: boolean;
  previousValue: boolean | null;
  setByRule: string;
  ruleVersion: number | null;
  reason: string;
  causedBy: string | null;
  explanation: unknown;
  changedAt: Date;
  occurredAt: Date;
}
export interface FlagWrite {
  userId: string;
  flag: string;
  value: boolean;
  previousValue: boolean | null;
  ruleId: string;
  ruleVersion: number | null;
  reason: string;
  expiresAt: number | null;
  causedBy: string | null;
  /** Every input event behind the change (null when none: time, manual, re-evaluation). */
  causedByEvents: string[] | null;
  trigger: Trigger;
  explanation: unknown;
  /** Decision time. */
  at: number;
  /** Program time of the cause. */
  occurredAt: number;
  /** The name of the API key behind a manual change (absent for the rules' own). */
  actor?: string;
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

@Injectable()
export class FlagsRepository {
  constructor(private readonly db: DataSource) {}

  async findByUser(userId: string): Promise<FlagRow[]> {
    const rows = await this.db.getRepository(FlagEntity).find({ where: { userId }, order: { flag: 'ASC' } });
    return rows.map((r) => ({ flag: r.flag, value: r.value, setByRule: r.setByRule, setAt: r.setAt, expiresAt: r.expiresAt }));
  }

  async findHistory(userId: string): Promise<HistoryRow[]> {
    const rows = await this.db.getRepository(FlagHistoryEntity).find({ where: { userId }, order: { id: 'ASC' } });
    return rows.map((r) => ({
      flag: r.flag,
      value: r.value,
      previousValue: r.previousValue,
      setByRule: r.ruleId,
      ruleVersion: r.ruleVersion,
      reason: r.reason,
      causedBy: r.causedBy,
      explanation: r.explanation,
      changedAt: r.changedAt,
      occurredAt: r.occurredAt,
    }));
  }

  async loadStates(reader: Reader, userIds: string[]): Promise<Map<string, Record<string, FlagState>>> {
    const out = new Map<string, Record<string, FlagState>>();
    if (userIds.length === 0) return out;
    const rows = await reader.query<JsonRow<Omit<RowOf<FlagEntity>, 'id'>>>(
      `SELECT user_id, flag, value, set_by_rule, set_at, expires_at FROM journey_flags WHERE user_id = ANY($1::uuid[])`,
      [userIds],
    );
    for (const r of rows) {
      const flags = out.get(r.user_id) ?? (Object.create(null) as Record<string, FlagState>);
      flags[r.flag] = {
        value: r.value,
        setByRule: r.set_by_rule,
        setAt: Date.parse(r.set_at),
        expiresAt: r.expires_at === null ? null : Date.parse(r.expires_at),
      };
      out.set(r.user_id, flags);
    }
    return out;
  }

  /** Writes flag changes and their history rows (one row per change, only for changes). */
  async applyChanges(tx: Writer, changes: FlagWrite[]): Promise<void> {
    if (changes.length === 0) return;
    // The last change per (user, flag) is the current value.
    const latest = new Map<string, FlagWrite>();
    for (const c of changes) latest.set(`${c.userId}\u0000${c.flag}`, c);
    const cur = [...latest.values()];
    await tx.query(
      `INSERT INTO journey_flags (user_id, flag, value, set_by_rule, set_at, expires_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::bool[], $4::text[], $5::timestamptz[], $6::timestamptz[])
       ON CONFLICT (user_id, flag) DO UPDATE SET value = EXCLUDED.value, set_by_rule = EXCLUDED.set_by_rule,
         set_at = EXCLUDED.set_at, expires_at = EXCLUDED.expires_at`,
      [
        cur.map((c) => c.userId),
        cur.map((c) => c.flag),
        cur.map((c) => c.value),
        cur.map((c) => c.ruleId),
        cur.map((c) => iso(c.at)),
        cur.map((c) => iso(c.expiresAt)),
      ],
    );
    await this.insertHistory(tx, changes);
  }

  /** History rows alone: a change whose flag row is written otherwise (or removed, a manual flag handed back). */
  async insertHistory(tx: Writer, changes: FlagWrite[]): Promise<void> {
    if (changes.length === 0) return;
    await tx.query(
      `INSERT INTO journey_flag_history (user_id, flag, value, previous_value, rule_id, rule_version, reason, caused_by, explanation,
         changed_at, occurred_at, trigger, caused_by_events, actor)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(user_id uuid, flag text, value bool, previous_value bool, rule_id text,
         rule_version int, reason text, caused_by uuid, explanation jsonb, changed_at timestamptz, occurred_at timestamptz, trigger text,
         caused_by_events uuid[], actor text)`,
      [
        JSON.stringify(
          changes.map((c) => ({
            user_id: c.userId,
            flag: c.flag,
            value: c.value,
            previous_value: c.previousValue,
            rule_id: c.ruleId,
            rule_version: c.ruleVersion,
            reason: c.reason,
            caused_by: c.causedBy,
            explanation: c.explanation ?? null,
            changed_at: iso(c.at),
            occurred_at: iso(c.occurredAt),
            trigger: c.trigger,
            caused_by_events: c.causedByEvents ?? null,
            actor: c.actor ?? null,
          })),
        ),
      ],
    );
    await recordFlagRollup(tx, changes);
  }

  /** A flag stays true but another matching rule now holds it. */
  async reassign(tx: EntityManager, rows: { userId: string; flag: string; ruleId: string }[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.query(
      `UPDATE journey_flags f SET set_by_rule = x.r FROM unnest($1::uuid[], $2::text[], $3::text[]) AS x(u, fl, r)
       WHERE f.user_id = x.u AND f.flag = x.fl`,
      [rows.map((r) => r.userId), rows.map((r) => r.flag), rows.map((r) => r.ruleId)],
    );
  }

  /** Deletes history rows decided before `cutoff` (retention, only when configured); how many. */
  deleteHistoryBefore(cutoff: Date, limit: number): Promise<number> {
    return deleteBatch(this.db.manager, 'journey_flag_history', 'id', 'changed_at < $1', [cutoff.toISOString()], limit);
  }

  /**
   * Lets go of a flag set by hand: it keeps its value as of `now` but no owner (`setByRule` ''), so the
   * rules decide it from there. Its value, or undefined when the flag was not set by hand.
   */
  async release(tx: EntityManager, userId: string, flag: string, now: number): Promise<boolean | undefined> {
    // (A CTE: TypeORM answers [rows, count] to a bare UPDATE … RETURNING.)
    const rows: Pick<RowOf<FlagEntity>, 'value'>[] = await tx.query(
      `WITH u AS (UPDATE journey_flags SET set_by_rule = '', value = value AND (expires_at IS NULL OR expires_at > $3), expires_at = NULL
       WHERE user_id = $1 AND flag = $2 AND set_by_rule = '${MANUAL_OWNER}' RETURNING value) SELECT value FROM u`,
      [userId, flag, iso(now)],
    );
    return rows[0]?.value;
  }

  /** Removes a flag released by hand that no rule took (see release). */
  async removeReleased(tx: EntityManager, userId: string, flag: string): Promise<void> {
    await tx.query(`DELETE FROM journey_flags WHERE user_id = $1 AND flag = $2 AND set_by_rule = ''`, [userId, flag]);
  }

  async findOne(tx: EntityManager, userId: string, flag: string): Promise<FlagRow | undefined> {
    const rows: Pick<RowOf<FlagEntity>, 'flag' | 'value' | 'set_by_rule' | 'set_at' | 'expires_at'>[] = await tx.query(
      `SELECT flag, value, set_by_rule, set_at, expires_at FROM journey_flags WHERE user_id = $1 AND flag = $2`,
      [userId, flag],
    );
    const r = rows[0];
    return r && { flag: r.flag, value: r.value, setByRule: r.set_by_rule, setAt: r.set_at, expiresAt: r.expires_at };
  }
}
