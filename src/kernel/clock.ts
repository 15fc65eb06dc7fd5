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

/**
 * The time of a test clock: its frozen instant, and the clock's id, which
 * names the ledger book its customers post to. Services that run for a
 * customer on a test clock receive one of these as their clock.
 */
export class FrozenClock implements Clock {
  readonly test_clock_id: string;
  readonly #instant: Temporal.Instant;

  constructor(testClockId: string, instant: Temporal.Instant) {
    this.test_clock_id = testClockId;
    this.#instant = instant;
  }

  now(): Temporal.Instant {
    return this.#instant;
  }
}

/** The test clock a service runs on, or null for real time (the live book). */
export function testClockOf(clock: Clock): string | null {
  return clock instanceof FrozenClock ? clock.test_clock_id : null;
}

/** Instants travel as ISO strings; a Date is only made at the database edge. */
export function toDate(instant: Temporal.Instant): Date {
  return new Date(instant.epochMilliseconds);
}

/**
 * The texts of recent instants: a billing run formats the same few (its
 * instant, the period bounds) for every invoice, and a lookup is a tenth of
 * toISOString. Emptied when full, so it never grows past a few hundred kB.
 */
const instantTexts = new Map<number, string>();
const INSTANT_TEXTS_KEPT = 4096;

/**
 * A stored instant as the API writes it, exactly Temporal.Instant's text
 * ("2026-02-01T00:00:00Z", fractional seconds only when there are any),
 * without building an Instant: views of thousands of rows (a billing run's
 * audit trail) spend most of their time there otherwise.
 */
export function instantText(date: Date): string {
  const epoch = date.getTime();
  const known = instantTexts.get(epoch);
  if (known !== undefined) return known;
  const iso = date.toISOString();
  const ms = date.getUTCMilliseconds();
  const text =
    ms === 0 ? `${iso.slice(0, 19)}Z` : `${iso.slice(0, 20)}${String(ms).padStart(3, "0").replace(/0+$/, "")}Z`;
  if (instantTexts.size >= INSTANT_TEXTS_KEPT) instantTexts.clear();
  instantTexts.set(epoch, text);
  return text;
}

/** instantText for a Temporal.Instant: the same text as its toString(), faster when it holds whole milliseconds. */
export function instantToText(instant: Temporal.Instant): string {
  return instant.epochNanoseconds % 1_000_000n === 0n
    ? instantText(new Date(instant.epochMilliseconds))
    : instant.toString();
}

export function fromDate(date: Date): Temporal.Instant {
  return Temporal.Instant.fromEpochMilliseconds(date.getTime());
}

/**
 * The wall clock itself, for what is stamped with real time whichever clock
 * a service runs on: ids, which sort by when they were made (src/kernel/ids.ts).
 */
export function wallClockMilliseconds(): number {
  return Date.now();
}
