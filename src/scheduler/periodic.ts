import { Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { withCorrelation } from '../common/logger.js';

/**
 * Runs `work` every `intervalMs` (measured from the end of one run to the start of the next, so runs
 * never overlap), until stopped. A run may ask for the next one sooner by returning a delay.
 * Stopping waits for a run in progress to finish.
 */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly work: () => Promise<number | void>,
    private readonly logger: Logger,
  ) {}

  /** Starts the cycle, the first run after `firstDelayMs`. An interval of 0 means disabled. */
  start(firstDelayMs = this.intervalMs): void {
    if (this.intervalMs <= 0 || !this.stopped) return;
    this.stopped = false;
    this.schedule(firstDelayMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = withCorrelation(this.name, () => this.runOnce()).then((delay) => {
        this.running = undefined;
        this.schedule(delay);
      });
    }, delayMs);
    // The service's own handles keep the process alive; a forgotten close must not be kept alive by this.
    this.timer.unref();
  }

  /** The delay before the next run: what the run asked for, never more than the interval. */
  private async runOnce(): Promise<number> {
    try {
      const asked = await this.work();
      return typeof asked === 'number' ? Math.max(0, Math.min(asked, this.intervalMs)) : this.intervalMs;
    } catch (e) {
      // A failed run is retried at the next one; a database outage must not stop the cycle.
      this.logger.error(`${this.name} failed: ${(e as Error).message}`);
      return this.intervalMs;
    }
  }
}

/**
 * A service whose work runs periodically from start-up to shutdown (the scheduler, the reconciler,
 * retention): `tick` every `intervalMs` (0: never), the first after `firstDelayMs`; a long run reads
 * `closing` to stop early at shutdown, which waits for it.
 */
export abstract class PeriodicService implements OnApplicationBootstrap, OnModuleDestroy {
  protected readonly logger = new Logger(this.constructor.name);
  protected closing = false;
  private readonly loop: Periodic;

  constructor(
    name: string,
    intervalMs: number,
    private readonly firstDelayMs = intervalMs,
  ) {
    this.loop = new Periodic(name, intervalMs, () => this.tick(), this.logger);
  }

  /** One run; it may ask for the next one sooner by returning a delay (ms). */
  protected abstract tick(): Promise<number | void>;

  onApplicationBootstrap(): void {
    this.loop.start(this.firstDelayMs);
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    await this.loop.stop();
  }
}
