import type { RuleDocument } from '../contracts/rule.js';
import { canonical, hunks, lineDiff, plan, sameRule, updateBody } from './plan.js';

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

describe('lineDiff and hunks', () => {
  it('marks removed lines before added ones, unchanged lines as context', () => {
    expect(lineDiff('a\nb\nc\n', 'a\nB\nc\n')).toEqual([
      { op: ' ', text: 'a' },
      { op: '-', text: 'b' },
      { op: '+', text: 'B' },
      { op: ' ', text: 'c' },
    ]);
    expect(lineDiff('', 'x\n')).toEqual([{ op: '+', text: 'x' }]);
    expect(lineDiff('x\n', 'x\n')).toEqual([{ op: ' ', text: 'x' }]);
  });

  it('keeps two lines of context around each change and marks what it leaves out', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7', '8'].join('\n');
    const after = before.replace('5', 'five');
    expect(hunks(lineDiff(before, after)).map((l) => (l ? `${l.op}${l.text}` : '…'))).toEqual([
      '…',
      ' 3',
      ' 4',
      '-5',
      '+five',
      ' 6',
      ' 7',
      '…',
    ]);
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
