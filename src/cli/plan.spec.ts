import type { RuleDocument } from '../contracts/rule.js';
import { canonical, changes, plan, sameRule, updateBody } from './plan.js';

const rule = (id: string, extra: Partial<RuleDocument> = {}): RuleDocument => ({
  id,
  name: id,
  flag: 'f',
  priority: 1,
  conditions: [{ type: 'exists', entity: 'credentials' }],
  actions: [{ type: 'set_flag', flag: 'f' }],
  ...extra,
});

describe('sameRule', () => {
  it.each<[string, RuleDocument, RuleDocument, boolean]>([
    ['identical', rule('a'), rule('a'), true],
    ['fields in another order', rule('a'), Object.fromEntries(Object.entries(rule('a')).reverse()) as unknown as RuleDocument, true],
    ['active left out means true', rule('a'), rule('a', { active: true }), true],
    ['sticky left out means false', rule('a'), rule('a', { sticky: false }), true],
    ['inactive', rule('a'), rule('a', { active: false }), false],
    ['another priority', rule('a'), rule('a', { priority: 2 }), false],
    ['a description added', rule('a'), rule('a', { description: 'x' }), false],
    ['a nested change', rule('a'), rule('a', { actions: [{ type: 'set_flag', flag: 'f', value: false }] }), false],
  ])('%s', (_, a, b, same) => {
    expect(sameRule(a, b)).toBe(same);
  });
});

describe('plan', () => {
  const local = (r: RuleDocument) => ({ file: `${r.id}.yaml`, rule: r });

  it('sorts rules into create, update, unchanged; active server rules missing from the folder are kept or, pruned, deactivated', () => {
    const remote = [rule('same'), rule('changed'), rule('gone'), rule('gone_inactive', { active: false })];
    const folder = [local(rule('same')), local(rule('changed', { priority: 5 })), local(rule('new'))];
    const kept = plan(folder, remote, false);
    expect({
      create: kept.create.map((c) => c.rule.id),
      update: kept.update.map((u) => u.local.rule.id),
      unchanged: kept.unchanged,
      deactivate: kept.deactivate.map((d) => d.id),
      kept: kept.kept.map((k) => k.id),
    }).toEqual({ create: ['new'], update: ['changed'], unchanged: ['same'], deactivate: [], kept: ['gone'] });
    expect(plan(folder, remote, true).deactivate.map((d) => d.id)).toEqual(['gone']);
  });
});

describe('updateBody', () => {
  it('sends the whole document, and null for an optional field the file dropped', () => {
    expect(updateBody(rule('a'), rule('a', { description: 'old', sticky: true, active: true }))).toEqual({
      ...rule('a'),
      description: null,
      sticky: null,
      active: null,
    });
    expect(updateBody(rule('a', { description: 'new' }), rule('a', { description: 'old' }))).toEqual(rule('a', { description: 'new' }));
  });
});

describe('changes', () => {
  it.each<[string, RuleDocument, RuleDocument, ReturnType<typeof changes>]>([
    [
      'none when only the order of keys differs',
      rule('a'),
      Object.fromEntries(Object.entries(rule('a')).reverse()) as unknown as RuleDocument,
      [],
    ],
    ['none for a default written out', rule('a'), rule('a', { active: true, sticky: false }), []],
    ['one for a priority', rule('a'), rule('a', { priority: 2 }), [{ path: 'priority', before: 1, after: 2 }]],
    [
      'a nested value, by its path',
      rule('a'),
      rule('a', { actions: [{ type: 'set_flag', flag: 'f', value: false }] }),
      [{ path: 'actions[0].value', after: false }],
    ],
    [
      'an added condition, whole',
      rule('a'),
      rule('a', { conditions: [...rule('a').conditions, { type: 'exists', entity: 'buddy_events' }] }),
      [{ path: 'conditions[1]', after: { type: 'exists', entity: 'buddy_events' } }],
    ],
    ['a removed field', rule('a', { description: 'x' }), rule('a'), [{ path: 'description', before: 'x' }]],
  ])('%s', (_, a, b, expected) => {
    expect(changes(a, b)).toEqual(expected);
  });
});

describe('canonical', () => {
  it('orders a rule’s fields as files are written, unknown ones last, and drops undefined ones', () => {
    const doc = {
      actions: [],
      conditions: [],
      priority: 1,
      flag: 'f',
      name: 'n',
      id: 'i',
      extra: 1,
      description: undefined,
    } as unknown as RuleDocument;
    expect(Object.keys(canonical(doc))).toEqual(['id', 'name', 'flag', 'priority', 'conditions', 'actions', 'extra']);
  });
});

describe('canonical, nested', () => {
  it('orders conditions, where filters, actions and payloads as the seed files do', () => {
    const fromServer = {
      id: 'i',
      flag: 'f',
      name: 'n',
      actions: [
        { flag: 'f', type: 'set_flag', value: true },
        { type: 'emit_event', event: 'e', payload: { reason: 'r', milestone: 'm' } },
      ],
      priority: 1,
      conditions: [
        { type: 'count', count: '>=', field: 'session_type', value: 'language', entity: 'kintell_sessions', count_value: 3 },
        {
          type: 'value',
          field: 'avg_rating',
          value: 4,
          where: [{ value: 'language', field: 'session_type' }],
          entity: 'kintell_sessions',
          operator: '>=',
        },
      ],
    } as unknown as RuleDocument;
    const c = canonical(fromServer) as unknown as { conditions: object[]; actions: object[] };
    expect(Object.keys(c.conditions[0])).toEqual(['type', 'entity', 'field', 'value', 'count', 'count_value']);
    expect(Object.keys(c.conditions[1])).toEqual(['type', 'entity', 'field', 'where', 'operator', 'value']);
    expect(Object.keys((c.conditions[1] as { where: object[] }).where[0])).toEqual(['field', 'value']);
    expect(Object.keys(c.actions[0])).toEqual(['type', 'flag', 'value']);
    expect(Object.keys(c.actions[1])).toEqual(['type', 'event', 'payload']);
    expect(Object.keys((c.actions[1] as { payload: object }).payload)).toEqual(['milestone', 'reason']);
  });
});
