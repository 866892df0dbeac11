/**
 * The seed's three default rules (Journey_Engine.md "Default Rules"), as rule documents,
 * through the scenarios a program manager would check.
 */
import type { RuleDocument } from '../contracts/rule.js';
import { validateRule } from '../contracts/validation.js';
import { DAY, HOUR, MENTOR_READY_RULE as mentorReady, T0, context, journey, record } from './testing.js';
import type { Decision, EntityRecord } from './types.js';

const followupNeeded: RuleDocument = {
  id: 'followup_needed_001',
  name: 'Follow-up needed',
  description: 'No activity in last 14 days despite active enrollment',
  flag: 'followup_needed',
  priority: 15,
  active: true,
  conditions: [
    { type: 'exists', entity: 'program_enrollments', field: 'status', operator: '=', value: 'active' },
    { type: 'time_since', entity: 'buddy_events', field: 'last_activity', duration: '14 days' },
  ],
  actions: [{ type: 'set_flag', flag: 'followup_needed', value: true }],
};

const languageSupportNeeded: RuleDocument = {
  id: 'language_support_needed_001',
  name: 'Language support needed',
  description: 'Low language comfort detected by Q2Q (score < 0.5)',
  flag: 'language_support_needed',
  priority: 10,
  active: true,
  conditions: [
    {
      type: 'value',
      entity: 'outcome_scores',
      field: 'score',
      operator: '<',
      value: 0.5,
      where: [{ field: 'dimension', value: 'language_comfort' }],
    },
  ],
  actions: [{ type: 'set_flag', flag: 'language_support_needed', value: true }],
};

const DEFAULTS = [mentorReady, followupNeeded, languageSupportNeeded];
const flags = (d: Decision) => d.flagChanges.map((c) => [c.flag, c.value]);
const session = (key: string, ago: number, sessionType: string, rating?: number): EntityRecord =>
  record(key, T0 - ago, rating === undefined ? { session_type: sessionType } : { session_type: sessionType, rating });
const score = (key: string, at: number, dimension: string, value: number) => record(key, at, { dimension, score: value });

it.each(DEFAULTS.map((r) => [r.id, r]))('%s is a valid rule document with no warnings', (_, doc) => {
  expect(validateRule(doc)).toMatchObject({ ok: true, problems: [], warnings: [] });
});

describe('mentor_ready_001', () => {
  it.each<[string, EntityRecord[], boolean]>([
    [
      '3 language sessions rated 5, 4, 4',
      [session('a', 3 * DAY, 'language', 5), session('b', 2 * DAY, 'language', 4), session('c', DAY, 'language', 4)],
      true,
    ],
    [
      '3 language sessions all rated exactly 4',
      [session('a', 3 * DAY, 'language', 4), session('b', 2 * DAY, 'language', 4), session('c', DAY, 'language', 4)],
      true,
    ],
    ['2 language sessions rated 5', [session('a', 2 * DAY, 'language', 5), session('b', DAY, 'language', 5)], false],
    [
      '3 language sessions averaging 3.9',
      [session('a', 3 * DAY, 'language', 4.2), session('b', 2 * DAY, 'language', 3.5), session('c', DAY, 'language', 4)],
      false,
    ],
    [
      '2 language + 1 mentorship session',
      [session('a', 3 * DAY, 'language', 5), session('b', 2 * DAY, 'language', 5), session('c', DAY, 'mentorship', 5)],
      false,
    ],
    [
      'a badly rated mentorship session does not lower the language average',
      [
        session('a', 4 * DAY, 'language', 4),
        session('b', 3 * DAY, 'language', 4),
        session('c', 2 * DAY, 'language', 4),
        session('m', DAY, 'mentorship', 1),
      ],
      true,
    ],
    [
      '3 language sessions, none rated: no average, not 0 and not ready',
      [session('a', 3 * DAY, 'language'), session('b', 2 * DAY, 'language'), session('c', DAY, 'language')],
      false,
    ],
    [
      '3 language sessions, 2 rated 4 and 5: the average is over rated ones',
      [session('a', 3 * DAY, 'language', 4), session('b', 2 * DAY, 'language', 5), session('c', DAY, 'language')],
      true,
    ],
  ])('%s → %s', (_, sessions, ready) => {
    const d = journey(DEFAULTS).at(context({ kintell_sessions: sessions }), T0);
    expect(d.triggeredRules.includes('mentor_ready_001')).toBe(ready);
    expect(flags(d)).toEqual(ready ? [['mentor_ready', true]] : []);
    expect(d.milestones).toEqual(
      ready ? [{ milestone: 'mentor_ready', ruleId: 'mentor_ready_001', metadata: { reason: 'Completed 3+ language sessions' } }] : [],
    );
  });

  it('reaches the milestone once: the flag follows the average, the milestone stays', () => {
    const j = journey(DEFAULTS);
    const three = [session('a', 3 * DAY, 'language', 5), session('b', 2 * DAY, 'language', 4), session('c', DAY, 'language', 4)];
    expect(j.at(context({ kintell_sessions: three }), T0).milestones).toHaveLength(1);
    expect(j.at(context({ kintell_sessions: three }), T0 + HOUR).events).toEqual([]);

    const dragged = [...three, session('d', -2 * HOUR, 'language', 1)]; // average 3.5
    const drop = j.at(context({ kintell_sessions: dragged }), T0 + 3 * HOUR);
    expect(drop.flagChanges).toEqual([
      expect.objectContaining({ flag: 'mentor_ready', value: false, reason: 'conditions no longer hold' }),
    ]);

    const recovered = [...dragged, session('e', -4 * HOUR, 'language', 5), session('f', -5 * HOUR, 'language', 5)]; // average 4
    const back = j.at(context({ kintell_sessions: recovered }), T0 + 6 * HOUR);
    expect(flags(back)).toEqual([['mentor_ready', true]]);
    expect(back.milestones).toEqual([]);
    expect(back.events.map((e) => e.type)).toEqual(['orchestration.flag.updated']);
  });
});

describe('followup_needed_001', () => {
  const enrollment = (status: string, at = T0 - 30 * DAY) => record('e1', at, { program_type: 'buddy', status });

  it.each<[string, EntityRecord[], EntityRecord[], number, boolean]>([
    ['active enrollment, last buddy event exactly 14 days ago', [enrollment('active')], [record('b', T0 - 14 * DAY)], T0, true],
    [
      'active enrollment, last buddy event 14 days minus a second ago',
      [enrollment('active')],
      [record('b', T0 - 14 * DAY + 1000)],
      T0,
      false,
    ],
    ['no active enrollment, 20 days of silence', [enrollment('completed')], [record('b', T0 - 20 * DAY)], T0, false],
    ['no enrollment at all', [], [record('b', T0 - 20 * DAY)], T0, false],
    ['enrolled yesterday, no buddy event yet: not overdue', [enrollment('active', T0 - DAY)], [], T0, false],
    ['enrolled 14 days ago, no buddy event since', [enrollment('active', T0 - 14 * DAY)], [], T0, true],
  ])('%s → %s', (_, enrollments, events, now, expected) => {
    const d = journey(DEFAULTS).at(context({ program_enrollments: enrollments, buddy_events: events }), now);
    expect(flags(d)).toEqual(expected ? [['followup_needed', true]] : []);
  });

  it('is set 14 days after the last activity without any new event, and cleared when activity resumes', () => {
    const j = journey(DEFAULTS);
    const silent = context({ program_enrollments: [enrollment('active')], buddy_events: [record('b1', T0 - 10 * DAY)] });

    const now = j.at(silent, T0);
    expect(flags(now)).toEqual([]);
    expect(now.nextDueAt).toBe(T0 + 4 * DAY);

    const due = j.at(silent, now.nextDueAt!);
    expect(due.flagChanges).toEqual([expect.objectContaining({ flag: 'followup_needed', value: true, ruleId: 'followup_needed_001' })]);
    expect(due.nextDueAt).toBeNull();

    const resumed = context({
      program_enrollments: [enrollment('active')],
      buddy_events: [record('b1', T0 - 10 * DAY), record('b2', T0 + 5 * DAY)],
    });
    const cleared = j.at(resumed, T0 + 5 * DAY);
    expect(cleared.flagChanges).toEqual([
      expect.objectContaining({
        flag: 'followup_needed',
        value: false,
        previousValue: true,
        ruleId: 'followup_needed_001',
        reason: 'conditions no longer hold',
      }),
    ]);
    expect(cleared.nextDueAt).toBe(T0 + 19 * DAY);
  });
});

describe('language_support_needed_001', () => {
  it.each<[string, EntityRecord[], boolean]>([
    ['language_comfort 0.4', [score('s1', T0, 'language_comfort', 0.4)], true],
    ['language_comfort exactly 0.5', [score('s1', T0, 'language_comfort', 0.5)], false],
    ['a low score on another dimension', [score('s1', T0, 'confidence', 0.1)], false],
    ['no scores', [], false],
    ['0.4 then a later 0.7', [score('s1', T0 - DAY, 'language_comfort', 0.4), score('s2', T0, 'language_comfort', 0.7)], false],
    ['0.7 then a later 0.4', [score('s1', T0 - DAY, 'language_comfort', 0.7), score('s2', T0, 'language_comfort', 0.4)], true],
    [
      '0.4, then a later high score on another dimension',
      [score('s1', T0 - DAY, 'language_comfort', 0.4), score('s2', T0, 'belonging', 0.9)],
      true,
    ],
  ])('%s → %s', (_, scores, expected) => {
    const d = journey(DEFAULTS).at(context({ outcome_scores: scores }), T0);
    expect(flags(d)).toEqual(expected ? [['language_support_needed', true]] : []);
  });

  it('is set on a 0.4 score and cleared when a 0.7 score arrives later', () => {
    const j = journey(DEFAULTS);
    const low = [score('s1', T0, 'language_comfort', 0.4)];
    expect(flags(j.at(context({ outcome_scores: low }), T0))).toEqual([['language_support_needed', true]]);
    const d = j.at(context({ outcome_scores: [...low, score('s2', T0 + DAY, 'language_comfort', 0.7)] }), T0 + DAY);
    expect(d.flagChanges).toEqual([
      expect.objectContaining({ flag: 'language_support_needed', value: false, previousValue: true, reason: 'conditions no longer hold' }),
    ]);
    expect(j.state.flags.language_support_needed.value).toBe(false);
  });
});
