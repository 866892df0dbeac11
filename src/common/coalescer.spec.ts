import { Coalescer } from './coalescer.js';

const tick = () => new Promise((r) => setImmediate(r));

function recorder(fail: (items: number[]) => boolean = () => false) {
  const runs: number[][] = [];
  let release: (() => void) | undefined;
  const gate = { hold: false };
  const run = async (items: number[]) => {
    runs.push(items);
    if (gate.hold) await new Promise<void>((r) => (release = r));
    if (fail(items)) throw new Error(`refused ${items.join(',')}`);
  };
  return { runs, run, gate, release: () => release?.() };
}

describe('Coalescer', () => {
  it('joins the submissions of one turn into one run, in submission order', async () => {
    const r = recorder();
    const c = new Coalescer(r.run, 100);
    await Promise.all([c.submit([1, 2]), c.submit([3]), c.submit([4, 5])]);
    expect(r.runs).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('never puts more than max items in a run, but never splits a submission', async () => {
    const r = recorder();
    const c = new Coalescer(r.run, 3);
    await Promise.all([c.submit([1, 2]), c.submit([3]), c.submit([4, 5]), c.submit([6, 7, 8, 9])]);
    expect(r.runs).toEqual([
      [1, 2, 3],
      [4, 5],
      [6, 7, 8, 9],
    ]);
  });

  it('gathers what arrives during a run into the next one', async () => {
    const r = recorder();
    r.gate.hold = true;
    const c = new Coalescer(r.run, 100);
    const first = c.submit([1]);
    await tick();
    expect(r.runs).toEqual([[1]]);
    const later = [c.submit([2]), c.submit([3])];
    r.gate.hold = false;
    r.release();
    await Promise.all([first, ...later]);
    expect(r.runs).toEqual([[1], [2, 3]]);
  });

  it('retries a failed run one submission at a time: only the bad one is rejected', async () => {
    const r = recorder((items) => items.includes(3));
    const c = new Coalescer(r.run, 100);
    const outcomes = await Promise.allSettled([c.submit([1, 2]), c.submit([3]), c.submit([4])]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe('refused 3');
    expect(r.runs).toEqual([[1, 2, 3, 4], [1, 2], [3], [4]]);
  });

  it('keeps working after a failure', async () => {
    const r = recorder((items) => items.includes(0));
    const c = new Coalescer(r.run, 100);
    await expect(c.submit([0])).rejects.toThrow('refused 0');
    await c.submit([7]);
    expect(r.runs).toEqual([[0], [7]]);
  });
});

describe('Coalescer results', () => {
  it('gives each submitter the result of the run that carried its items', async () => {
    const runs: number[][] = [];
    const c = new Coalescer(async (items: number[]) => {
      runs.push(items);
      if (items.includes(3)) throw new Error('refused 3');
      return items.reduce((a, b) => a + b, 0);
    }, 100);
    const outcomes = await Promise.allSettled([c.submit([1, 2]), c.submit([4])]);
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 7 },
      { status: 'fulfilled', value: 7 },
    ]);
    const again = await Promise.allSettled([c.submit([1, 2]), c.submit([3]), c.submit([4])]);
    expect(again.map((o) => (o.status === 'fulfilled' ? o.value : 'rejected'))).toEqual([3, 'rejected', 4]);
  });

  it("rejects every submission of a failed run at once when the failure is not one submission's doing", async () => {
    const r = recorder(() => true);
    const c = new Coalescer(r.run, 100, 50, (e) => !(e as Error).message.includes('refused'));
    const outcomes = await Promise.allSettled([c.submit([1]), c.submit([2])]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(r.runs).toEqual([[1, 2]]);
  });
});

describe('Coalescer with members', () => {
  it('waits for every member still working before it runs', async () => {
    const r = recorder();
    const c = new Coalescer(r.run, 100, 10_000);
    c.join();
    c.join();
    const a = c.submit([1]);
    await new Promise((res) => setTimeout(res, 30));
    expect(r.runs).toEqual([]); // the second member is still at work
    const b = c.submit([2]);
    await Promise.all([a, b]);
    expect(r.runs).toEqual([[1, 2]]);
  });

  it('runs without a member that left', async () => {
    const r = recorder();
    const c = new Coalescer(r.run, 100, 10_000);
    c.join();
    c.join();
    const a = c.submit([1]);
    await tick();
    c.leave();
    await a;
    expect(r.runs).toEqual([[1]]);
  });

  it('runs once full, or after the linger, without waiting for the rest', async () => {
    const r = recorder();
    const full = new Coalescer(r.run, 2, 10_000);
    full.join();
    full.join();
    full.join();
    await Promise.all([full.submit([1]), full.submit([2])]);
    expect(r.runs).toEqual([[1, 2]]);

    const lingering = new Coalescer(r.run, 100, 30);
    lingering.join();
    lingering.join();
    const started = Date.now();
    await lingering.submit([3]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(r.runs).toEqual([[1, 2], [3]]);
  });
});
