import { Temporal } from "temporal-polyfill";

/**
 * Every service takes a Clock instead of reading the wall clock, so a test
 * clock can move a customer through a year of billing in milliseconds. This
 * file is the only place allowed to read the system time (test/no-wall-clock.test.ts).
 */
export interface Clock {
  now(): Temporal.Instant;
}

export const systemClock: Clock = {
  now: () => Temporal.Now.instant(),
};

/** A clock that only moves when told to. */
export class TestClock implements Clock {
  #current: Temporal.Instant;

  constructor(start: Temporal.Instant | string) {
    this.#current = typeof start === "string" ? Temporal.Instant.from(start) : start;
  }

  now(): Temporal.Instant {
    return this.#current;
  }

  set(instant: Temporal.Instant | string): void {
    const next = typeof instant === "string" ? Temporal.Instant.from(instant) : instant;
    if (Temporal.Instant.compare(next, this.#current) < 0) {
      throw new Error("a test clock never moves backwards");
    }
    this.#current = next;
  }

  advance(duration: Temporal.DurationLike): void {
    this.#current = this.#current.add(duration);
  }
}

/** Instants travel as ISO strings; a Date is only made at the database edge. */
export function toDate(instant: Temporal.Instant): Date {
  return new Date(instant.epochMilliseconds);
}

export function fromDate(date: Date): Temporal.Instant {
  return Temporal.Instant.fromEpochMilliseconds(date.getTime());
}
