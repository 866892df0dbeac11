/**
 * Joins work handed in concurrently into fewer, larger runs. kafkajs hands each partition's batch to
 * its own `eachBatch` call; with many partitions and a steady stream, each carries a handful of
 * events, and one database transaction per handful is mostly round trips. Every submission made while
 * a run is in progress (or in the same turn of the event loop as the first) joins the next run, up
 * to `max` items; each submitter learns the outcome of the run that carried its items.
 *
 * A run that fails with several submissions in it is retried one submission at a time, so one bad
 * submission neither fails nor delays the verdict on the others.
 */
export class Coalescer<T> {
  private readonly queue: { items: T[]; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private draining = false;

  constructor(
    private readonly run: (items: T[]) => Promise<void>,
    private readonly max: number,
  ) {}

  /** Resolves once `items` are committed as part of some run; rejects with that run's error. */
  submit(items: T[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        // After the current turn: the other partitions of the same fetch hand theirs in meanwhile.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const group = [this.queue.shift()!];
      let size = group[0].items.length;
      while (this.queue.length && size + this.queue[0].items.length <= this.max) {
        size += this.queue[0].items.length;
        group.push(this.queue.shift()!);
      }
      try {
        await this.run(group.length === 1 ? group[0].items : group.flatMap((s) => s.items));
        for (const s of group) s.resolve();
      } catch (e) {
        if (group.length === 1) group[0].reject(e);
        else for (const s of group) await this.run(s.items).then(s.resolve, s.reject);
      }
    }
    this.draining = false;
  }
}
