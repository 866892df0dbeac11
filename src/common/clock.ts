import { Global, Injectable, Module } from '@nestjs/common';

/**
 * Where the service reads "now": ingest, flag reads, manual evaluations, milestones, the scheduler
 * and the sweep. The engine takes `now` as an input; tests replace `now` to drive time.
 */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}

@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class ClockModule {}
