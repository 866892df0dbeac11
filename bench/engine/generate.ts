/**
 * The engine part's inputs: generated rule sets (counts, values, aggregates, time conditions,
 * nesting) and participant contexts shaped like the read model the service builds from events.
 * Seeded: every run of the suite sees the same rules and the same participants.
 */
import { resolve } from 'node:path';
import type { EntityName } from '../../src/contracts/entities.js';
import type { Action, Comparator, Condition, Filter, Operator, RuleDocument } from '../../src/contracts/rule.js';
import { formatProblems, validateRule } from '../../src/contracts/validation.js';
import { DAY, HOUR, MINUTE, record } from '../../src/engine/testing.js';
import type { EntityRecord, ParticipantContext } from '../../src/engine/types.js';
import { readRuleFiles } from '../../src/rules/rule-files.js';
import { Random } from '../random.js';

/** The default rules, as `npm start` loads them. */
export function defaultRules(): RuleDocument[] {
  return readRuleFiles(resolve(import.meta.dirname, '../../seeds'));
}

/* ------------------------------------------------------------------ vocabulary */

const CATEGORICAL: Partial<Record<EntityName, Record<string, readonly string[]>>> = {
  buddy_matches: { status: ['active', 'ended'], end_reason: ['completed', 'moved', 'no_contact'] },
  buddy_events: { event_type: ['coffee', 'sports', 'culture', 'workshop'], source: ['logged', 'attended'] },
  buddy_checkins: { mood: ['great', 'good', 'okay', 'low'] },
  buddy_feedback: { from_role: ['participant', 'buddy'] },
  kintell_sessions: { session_type: ['language', 'mentorship'], language_level: ['A1', 'A2', 'B1', 'B2', 'C1'] },
  learning_progress: { status: ['enrolled', 'in_progress', 'completed', 'dropped'], course_id: ['c-1', 'c-2', 'c-3', 'c-4'] },
  credentials: { credential_type: ['certificate', 'badge'], course_id: ['c-1', 'c-2', 'c-3', 'c-4'] },
  program_enrollments: { program_type: ['buddy', 'language', 'mentorship', 'upskilling'], status: ['active', 'completed', 'dropped'] },
  outcome_scores: { dimension: ['confidence', 'belonging', 'language_comfort', 'job_readiness', 'well_being'] },
};

/** Numeric fields with the range of values rules compare them with. */
const NUMERIC: Partial<Record<EntityName, Record<string, readonly [number, number, number]>>> = {
  buddy_feedback: { rating: [0, 1, 0.1] },
  kintell_sessions: { rating: [1, 5, 0.5], duration_minutes: [30, 90, 15] },
  learning_progress: { progress_percent: [0, 100, 10], final_score: [50, 100, 10] },
  outcome_scores: { score: [0, 1, 0.1] },
};

const ACTIVITY: EntityName[] = ['buddy_events', 'buddy_checkins', 'kintell_sessions', 'learning_progress', 'outcome_scores'];
const ALL: EntityName[] = Object.keys(CATEGORICAL) as EntityName[];
const WINDOWS = ['7 days', '14 days', '30 days'];
const DURATIONS = ['3 days', '7 days', '14 days', '30 days'];
const COUNT_OPS: Comparator[] = ['>=', '>=', '>', '<', '<=', '='];
const NUM_OPS: Operator[] = ['>=', '>', '<', '<='];

/* ------------------------------------------------------------------ rules */

function filterOn(rnd: Random, entity: EntityName): Filter {
  const fields = CATEGORICAL[entity]!;
  const field = rnd.pick(Object.keys(fields));
  const values = fields[field];
  const roll = rnd.next();
  if (roll < 0.7) return { field, value: rnd.pick(values) };
  if (roll < 0.85) return { field, operator: '!=', value: rnd.pick(values) };
  const pickN = values.filter(() => rnd.chance(0.5));
  return { field, operator: rnd.chance(0.7) ? 'in' : 'not_in', value: pickN.length ? pickN : [values[0]] };
}

function numberIn(rnd: Random, [lo, hi, step]: readonly [number, number, number]): number {
  return Math.round((lo + step * rnd.int(0, Math.round((hi - lo) / step))) * 100) / 100;
}

function leaf(rnd: Random, now: number): Condition {
  const roll = rnd.next();
  if (roll < 0.22) {
    const entity = rnd.pick(ALL);
    const c: Condition = { type: 'count', entity, count: rnd.pick(COUNT_OPS), count_value: rnd.int(0, 4) };
    if (rnd.chance(0.7)) Object.assign(c, filterOn(rnd, entity));
    if (rnd.chance(0.3)) c.within = rnd.pick(WINDOWS);
    return c;
  }
  if (roll < 0.4) {
    const entity = rnd.pick(ALL);
    const c: Condition = { type: 'exists', entity };
    if (rnd.chance(0.8)) Object.assign(c, filterOn(rnd, entity));
    if (rnd.chance(0.4)) c.within = rnd.pick(WINDOWS);
    return c;
  }
  if (roll < 0.55) {
    // an aggregate or the latest value of a numeric field, optionally filtered
    const entity = rnd.pick(Object.keys(NUMERIC) as EntityName[]);
    const field = rnd.pick(Object.keys(NUMERIC[entity]!));
    const fn = rnd.pick(['', 'avg_', 'avg_', 'min_', 'max_', 'sum_']);
    const range = NUMERIC[entity]![field];
    const value = fn === 'sum_' ? numberIn(rnd, range) * rnd.int(1, 4) : numberIn(rnd, range);
    const c: Condition = { type: 'value', entity, field: fn + field, operator: rnd.pick(NUM_OPS), value };
    if (rnd.chance(0.6)) c.where = [filterOn(rnd, entity)];
    return c;
  }
  if (roll < 0.65) {
    // the latest record's category
    const entity = rnd.pick(ALL);
    const f = filterOn(rnd, entity);
    const c: Condition = { type: 'value', entity, field: f.field, operator: f.operator ?? '=', value: f.value };
    if (rnd.chance(0.3)) c.where = [filterOn(rnd, entity)];
    return c;
  }
  if (roll < 0.72) {
    // a time value: the last activity or a match's start compared with an instant
    const entity = rnd.pick(ACTIVITY);
    const iso = new Date(now - rnd.int(1, 40) * DAY).toISOString();
    if (rnd.chance(0.3)) return { type: 'value', entity: 'buddy_matches', field: 'matched_at', operator: rnd.pick(NUM_OPS), value: iso };
    return { type: 'value', entity, field: 'last_activity', operator: rnd.pick(NUM_OPS), value: iso };
  }
  if (roll < 0.78) {
    const entity = rnd.pick(ALL);
    return { type: 'value', entity, field: 'count', operator: rnd.pick(NUM_OPS), value: rnd.int(0, 5) };
  }
  // time_since
  const entity = rnd.pick(ACTIVITY);
  const c: Condition = { type: 'time_since', entity, duration: rnd.pick(DURATIONS) };
  if (rnd.chance(0.15)) return { type: 'time_since', entity: 'buddy_matches', field: 'matched_at', duration: rnd.pick(DURATIONS) };
  if (rnd.chance(0.3)) c.where = [filterOn(rnd, entity)];
  return c;
}

function condition(rnd: Random, now: number, depth: number): Condition {
  if (depth < 3 && rnd.chance(depth === 0 ? 0.3 : 0.2)) {
    const roll = rnd.next();
    if (roll < 0.2) return { type: 'not', condition: condition(rnd, now, depth + 1) };
    const kids = Array.from({ length: rnd.int(2, 3) }, () => condition(rnd, now, depth + 1));
    return { type: roll < 0.55 ? 'all_of' : 'any_of', conditions: kids };
  }
  return leaf(rnd, now);
}

/** `n` valid rules (checked by the product's own validator), over 20 flags so that priorities conflict. */
export function generateRules(n: number, now: number, seed = 42): RuleDocument[] {
  const rnd = new Random(seed);
  const rules: RuleDocument[] = [];
  for (let i = 0; i < n; i++) {
    const id = `gen_${String(i).padStart(3, '0')}`;
    const flag = `flag_${i % 20}`;
    const conditions = Array.from({ length: rnd.int(1, 4) }, () => condition(rnd, now, 0));
    const actions: Action[] = [{ type: 'set_flag', flag, value: true }];
    if (rnd.chance(0.1)) actions.push({ type: 'set_flag', flag: `flag_${(i + 7) % 20}`, value: false });
    if (rnd.chance(0.1))
      actions.push({ type: 'emit_event', event: 'orchestration.milestone.reached', payload: { milestone: `m_${i % 10}` } });
    if (rnd.chance(0.1)) actions.push({ type: 'emit_event', event: 'bench.rule.fired', payload: { n: i } });
    const doc: RuleDocument = { id, name: id, flag, priority: rnd.int(0, 100), sticky: rnd.chance(0.1), conditions, actions };
    const v = validateRule(doc);
    if (!v.ok) throw new Error(`generated rule ${id} is invalid: ${formatProblems(v.problems)}`);
    rules.push(doc);
  }
  return rules;
}

/* ------------------------------------------------------------------ contexts */

/**
 * A participant's read model: enrollments, matches, buddy events, check-ins, feedback, sessions,
 * course progress, credentials and outcome scores, about 20 records on average.
 */
export function generateContext(rnd: Random, now: number, userId: string): ParticipantContext {
  // Activity is spread over the last 45 days; a third of participants went quiet two weeks ago.
  const quiet = rnd.chance(0.33);
  const rec = (prefix: string, n: number, fields: () => Record<string, unknown>): EntityRecord[] =>
    Array.from({ length: n }, (_, i) =>
      // fields as the service reads them back from jsonb: parsed JSON, absent values left out
      record(
        `${prefix}-${i}`,
        now - (quiet ? 15 * DAY : 0) - rnd.int(0, 45 * DAY),
        JSON.parse(JSON.stringify(fields())) as Record<string, unknown>,
      ),
    );
  const c = CATEGORICAL;
  const maybe = <T>(p: number, v: () => T) => (rnd.chance(p) ? v() : undefined);
  const entities: ParticipantContext['entities'] = {
    program_enrollments: rec('enr', rnd.int(1, 2), () => ({
      program_type: rnd.pick(c.program_enrollments!.program_type),
      status: rnd.pick(['active', 'active', 'completed', 'dropped']),
    })),
    buddy_matches: rec('match', rnd.int(0, 2), () => {
      const ended = rnd.chance(0.3);
      return {
        buddy_id: `b-${rnd.int(1, 500)}`,
        status: ended ? 'ended' : 'active',
        matched_at: new Date(now - rnd.int(10 * DAY, 90 * DAY)).toISOString(),
        ...(ended
          ? { ended_at: new Date(now - rnd.int(0, 9 * DAY)).toISOString(), end_reason: rnd.pick(c.buddy_matches!.end_reason) }
          : {}),
      };
    }),
    buddy_events: rec('bev', rnd.int(0, 6), () => ({
      event_type: rnd.pick(c.buddy_events!.event_type),
      source: rnd.pick(c.buddy_events!.source),
    })),
    buddy_checkins: rec('chk', rnd.int(0, 5), () => (rnd.chance(0.8) ? { mood: rnd.pick(c.buddy_checkins!.mood) } : {})),
    buddy_feedback: rec('fb', rnd.int(0, 2), () => ({ from_role: rnd.pick(c.buddy_feedback!.from_role), rating: rnd.int(0, 10) / 10 })),
    kintell_sessions: rec('ses', rnd.int(0, 6), () => ({
      session_type: rnd.pick(['language', 'language', 'mentorship']),
      duration_minutes: rnd.pick([30, 45, 60, 90]),
      language_level: maybe(0.6, () => rnd.pick(c.kintell_sessions!.language_level)),
      rating: maybe(0.8, () => rnd.int(2, 10) / 2),
    })),
    learning_progress: rec('lp', rnd.int(0, 3), () => {
      const status = rnd.pick(c.learning_progress!.status);
      return {
        course_id: rnd.pick(c.learning_progress!.course_id),
        course_name: 'Course',
        status,
        progress_percent: status === 'completed' ? 100 : rnd.int(0, 9) * 10,
        final_score: status === 'completed' ? maybe(0.7, () => rnd.int(50, 100)) : undefined,
      };
    }),
    credentials: rec('cred', rnd.int(0, 1), () => ({
      course_id: rnd.pick(c.credentials!.course_id),
      credential_type: rnd.pick(c.credentials!.credential_type),
    })),
    outcome_scores: rec('score', rnd.int(0, 5), () => ({ dimension: rnd.pick(c.outcome_scores!.dimension), score: rnd.int(0, 10) / 10 })),
  };
  let first = now;
  for (const rs of Object.values(entities)) for (const r of rs) first = Math.min(first, r.occurredAt);
  return { userId, firstSeenAt: first - rnd.int(0, 5) * HOUR - rnd.int(0, 59) * MINUTE, entities };
}

export function generateContexts(n: number, now: number, seed = 7): ParticipantContext[] {
  const rnd = new Random(seed);
  return Array.from({ length: n }, () => generateContext(rnd, now, rnd.uuid()));
}
