import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

const SAMPLE_MS = 100;

export interface EventLoopReport {
  healthy: boolean;
  /** The longest the loop was blocked within the window, in ms (0: never beyond the limit). */
  stalledMs: number;
  stalledAt: string | null;
  limitMs: number;
  windowMs: number;
}

/**
 * Notices an event loop blocked for seconds (a runaway evaluation, a synchronous loop): a timer
 * due every 100 ms measures how late it fires. A stall longer than JOURNEY_LIVE_MAX_STALL_MS
 * makes /health/live fail for ten times that long, so a probe that could not get an answer during
 * the stall still sees it afterwards (and an orchestrator restarts a process that keeps stalling).
 */
@Injectable()
export class EventLoopMonitor implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private lastTick = performance.now();
  private stall?: { ms: number; at: number };

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** From the end of start-up: migrations and the embedded database's start may block the loop, once. */
  onApplicationBootstrap(): void {
    this.lastTick = performance.now();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  report(): EventLoopReport {
    if (this.timer) this.sample(); // a request served before the late timer still counts the stall it waited behind
    const limitMs = this.config.liveMaxStallMs;
    const windowMs = 10 * limitMs;
    const recent = this.stall && Date.now() - this.stall.at <= windowMs ? this.stall : undefined;
    return {
      healthy: !recent,
      stalledMs: Math.round(recent?.ms ?? 0),
      stalledAt: recent ? new Date(recent.at).toISOString() : null,
      limitMs,
      windowMs,
    };
  }

  private sample(): void {
    const now = performance.now();
    const late = now - this.lastTick - SAMPLE_MS;
    if (late > this.config.liveMaxStallMs) {
      const recent = this.stall && Date.now() - this.stall.at <= 10 * this.config.liveMaxStallMs;
      this.stall = { ms: Math.max(late, recent ? this.stall!.ms : 0), at: Date.now() };
    }
    this.lastTick = now;
  }
}
