import { splitIntoLanes } from './lanes.js';

/** Which lane (by index) each key went to. */
function laneOfKeys(lanes: { key: string }[][]): Map<string, number> {
  const where = new Map<string, number>();
  lanes.forEach((lane, n) => {
    for (const x of lane) {
      expect(where.get(x.key) ?? n).toBe(n);
      where.set(x.key, n);
    }
  });
  return where;
}

describe('splitIntoLanes', () => {
  const items = Array.from({ length: 200 }, (_, i) => ({ i, key: `participant-${i % 40}` }));
  const keys = items.map((x) => x.key);

  it('keeps every item once, the items of one key in one lane, in their order', () => {
    const lanes = splitIntoLanes(items, keys, 2);
    expect(lanes).toHaveLength(2);
    expect(
      lanes
        .flat()
        .map((x) => x.i)
        .sort((a, b) => a - b),
    ).toEqual(items.map((x) => x.i));
    for (const lane of lanes) {
      const order = lane.map((x) => x.i);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    expect(laneOfKeys(lanes).size).toBe(40);
  });

  it('puts keys together or apart the same way in every run, whatever else the run holds', () => {
    const whole = laneOfKeys(splitIntoLanes(items, keys, 3));
    const part = laneOfKeys(splitIntoLanes(items.slice(0, 150).reverse(), keys.slice(0, 150).reverse(), 3));
    const seen = [...part.keys()];
    for (const a of seen) for (const b of seen) expect(part.get(a) === part.get(b)).toBe(whole.get(a) === whole.get(b));
  });

  it('is one lane when asked for one, or for a single item, and never an empty lane', () => {
    expect(splitIntoLanes(items, keys, 1)).toEqual([items]);
    expect(splitIntoLanes([items[0]], [keys[0]], 8)).toEqual([[items[0]]]);
    expect(splitIntoLanes([items[0], items[40]], [keys[0], keys[40]], 8)).toEqual([[items[0], items[40]]]);
  });

  it('spreads many keys over every lane', () => {
    const many = Array.from({ length: 1000 }, (_, i) => `p-${i}`);
    const sizes = splitIntoLanes(many, many, 4).map((l) => l.length);
    expect(sizes).toHaveLength(4);
    for (const n of sizes) expect(n).toBeGreaterThan(150);
  });
});
