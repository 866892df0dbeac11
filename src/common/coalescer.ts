/**
 * Joins work handed in concurrently into fewer, larger runs: one database transaction carries the
 * items of many submitters instead of one transaction each.
 *
 * - Kafka: kafkajs hands each partition's batch to its own `eachBatch` call; with many partitions,
 *   each carries a slice of the stream. Callers `join()` while they work and `leave()` when done;
 *   a run starts once every member has handed its items in (the others are between two slices:
 *   committing offsets, heartbeating), or once `max` items wait, or at the latest `lingerMs` after
 *   the first submission.
 * - HTTP (group commit): requests never join as members, so a run starts as soon as the previous
 *   one is over, with every request that arrived meanwhile. One run at a time also on PostgreSQL:
 *   two in flight made the groups smaller (10 events instead of 16 with 32 clients) and cost more
 *   CPU per request on two cores (measured, BENCHMARKS.md §7).
 *
 * Each submitter learns the outcome of the run that carried its items: its result, or its error.
 * A run that fails with several submissions in it is retried one submission at a time (when
 * `isolate` says the failure may be one submission's doing), so one bad submission neither fails
 * nor delays the verdict on the others.
 */
export class Coalescer<T, R = void> {
  private readonly queue: { items: T[]; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private members = 0;
  private draining = false;
  /** Wakes a drain waiting for the members still working. */
  private wake?: () => void;

  constructor(
    private readonly run: (items: T[]) => Promise<R>,
    private readonly max: number,
    private readonly lingerMs = 50,
    /** Whether a failed run with several submissions is retried one submission at a time (default: always). */
    private readonly isolate: (e: unknown) => boolean = () => true,
  ) {}

  /** Callers at work now. */
  get size(): number {
    return this.members;
  }

  join(): void {
    this.members++;
  }

  leave(): void {
    this.members--;
    this.wake?.();
  }

  /** Resolves with the result of the run that committed `items`; rejects with that run's error. */
  submit(items: T[]): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.wake?.();
      if (!this.draining) {
        this.draining = true;
        void this.drain();
      }
    });
  }

  /** Every member has handed its items in, or there is enough for a full run. */
  private ready(): boolean {
    let queued = 0;
    for (const s of this.queue) queued += s.items.length;
    return this.queue.length >= this.members || queued >= this.max;
  }

  private async gather(): Promise<void> {
    const deadline = Date.now() + this.lingerMs;
    // Once around the event loop at least: members of the same fetch hand theirs in meanwhile.
    await new Promise<void>((r) => setImmediate(r));
    while (!this.ready() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      await this.gather();
      const group = [this.queue.shift()!];
      let size = group[0].items.length;
      while (this.queue.length && size + this.queue[0].items.length <= this.max) {
        size += this.queue[0].items.length;
        group.push(this.queue.shift()!);
      }
      try {
        const r = await this.run(group.length === 1 ? group[0].items : group.flatMap((s) => s.items));
        for (const s of group) s.resolve(r);
      } catch (e) {
        if (group.length === 1 || !this.isolate(e)) for (const s of group) s.reject(e);
        else for (const s of group) await this.run(s.items).then(s.resolve, s.reject);
      }
    }
    this.draining = false;
  }
}
