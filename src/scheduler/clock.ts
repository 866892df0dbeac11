import { Injectable } from '@nestjs/common';

/**
 * Where the time-driven parts of the service read "now". The engine takes `now` as an input;
 * this is the one place the scheduler and the sweep get it from, so tests can drive time.
 */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}
