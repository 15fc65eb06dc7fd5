import fc from "fast-check";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { DomainError } from "./errors.js";
import {
  type BillingAnchor,
  type BillingInterval,
  type BillingSchedule,
  billingPeriod,
  nextPeriod,
  parseInterval,
  periodContaining,
  periodsBetween,
} from "./periods.js";

const ANNIVERSARY: BillingAnchor = { kind: "anniversary" };
const onDay = (day: number): BillingAnchor => ({ kind: "day_of_month", day });
const every = (count: number, unit: BillingInterval["unit"]): BillingInterval => ({ unit, count });
const MONTHLY = every(1, "month");

/** A schedule starting at a local wall-clock time in the zone (resolved 'compatible'). */
function schedule(start: string, timeZone: string, interval: BillingInterval, anchor: BillingAnchor): BillingSchedule {
  const instant = Temporal.PlainDateTime.from(start).toZonedDateTime(timeZone).toInstant();
  return { start: instant, timeZone, interval, anchor };
}

function caught(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError");
}

describe("periodContaining", () => {
  const billing = schedule("2024-01-10T14:23", "America/New_York", MONTHLY, onDay(31));
  it.each([
    ["2024-01-10T19:23:00Z", 0], // the start instant itself is in the stub
    ["2024-01-31T04:59:59.999999999Z", 0], // one nanosecond before Jan 31 00:00 EST
    ["2024-01-31T05:00:00Z", 1], // Jan 31 00:00 EST opens period 1
    ["2024-03-31T03:59:59Z", 2], // Mar 30 23:59:59 EDT, still the period from Feb 29
    ["2024-03-31T04:00:00Z", 3], // Mar 31 00:00 EDT
    ["2034-05-31T04:00:00Z", 125], // May 2034 is Jan 2024 + 124 months; that boundary opens period 124 + 1 (the stub is 0)
  ])("puts %s in the right period", (instant, expectedIndex) => {
    const at = Temporal.Instant.from(instant);
    const period = periodContaining(billing, at);
    expect(period.index).toBe(expectedIndex);
    expect(period).toEqual(billingPeriod(billing, expectedIndex));
    expect(Temporal.Instant.compare(period.start, at)).toBeLessThanOrEqual(0);
    expect(Temporal.Instant.compare(at, period.end)).toBeLessThan(0);
  });

  it("rejects an instant before billing starts", () => {
    expect(caught(() => periodContaining(billing, Temporal.Instant.from("2024-01-10T19:22:59Z"))).code).toBe(
      "invalid_date",
    );
  });

  const zones = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "America/Santiago",
    "Asia/Kathmandu",
    "Pacific/Chatham",
  ];
  const intervals = [
    every(1, "day"),
    every(10, "day"),
    every(1, "week"),
    every(2, "week"),
    MONTHLY,
    every(3, "month"),
    every(1, "year"),
  ];
  const anchors: BillingAnchor[] = [ANNIVERSARY, onDay(1), onDay(15), onDay(29), onDay(30), onDay(31)];
  it("always finds the period that holds the instant, and periods tile without gaps", () => {
    const arbitrarySchedule = fc
      .record({
        startSeconds: fc.integer({ min: 946_684_800, max: 2_000_000_000 }), // 2000 to 2033
        timeZone: fc.constantFrom(...zones),
        interval: fc.constantFrom(...intervals),
        anchor: fc.constantFrom(...anchors),
      })
      .filter(
        ({ interval, anchor }) =>
          anchor.kind === "anniversary" || interval.unit === "month" || interval.unit === "year",
      )
      .map(
        ({ startSeconds, ...rest }): BillingSchedule => ({
          start: Temporal.Instant.fromEpochMilliseconds(startSeconds * 1000),
          ...rest,
        }),
      );
    fc.assert(
      fc.property(arbitrarySchedule, fc.integer({ min: 0, max: 400_000_000 }), (billing, offsetSeconds) => {
        const at = billing.start.add({ seconds: offsetSeconds });
        const period = periodContaining(billing, at);
        expect(Temporal.Instant.compare(period.start, at)).toBeLessThanOrEqual(0);
        expect(Temporal.Instant.compare(at, period.end)).toBeLessThan(0);
        expect(nextPeriod(billing, period).start.equals(period.end)).toBe(true);
        if (period.index > 0) expect(billingPeriod(billing, period.index - 1).end.equals(period.start)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});

describe("periodsBetween", () => {
  const billing = schedule("2024-01-10T00:00", "UTC", MONTHLY, onDay(1));
  const at = (text: string) => Temporal.Instant.from(text);
  it.each<[string, string, string, number[]]>([
    ["a range inside one period", "2024-02-05T00:00:00Z", "2024-02-06T00:00:00Z", [1]],
    ["a catch-up from before the start", "2023-06-01T00:00:00Z", "2024-04-01T00:00:00Z", [0, 1, 2]], // stub, Feb, Mar; [Apr 1… is outside [.., Apr 1)
    ["a range ending one second into a period", "2024-02-15T00:00:00Z", "2024-04-01T00:00:01Z", [1, 2, 3]],
    ["a range ending before billing starts", "2023-01-01T00:00:00Z", "2024-01-10T00:00:00Z", []],
    ["an empty range", "2024-02-05T00:00:00Z", "2024-02-05T00:00:00Z", []],
    ["two years of catch-up", "2024-01-10T00:00:00Z", "2026-01-01T00:00:00Z", Array.from({ length: 24 }, (_, i) => i)], // stub + Feb 2024…Dec 2025 = 1 + 23
  ])("lists %s", (_case, from, to, indexes) => {
    expect(periodsBetween(billing, at(from), at(to)).map((period) => period.index)).toEqual(indexes);
  });

  it("rejects a range that ends before it starts", () => {
    const error = caught(() => periodsBetween(billing, at("2024-03-01T00:00:00Z"), at("2024-02-01T00:00:00Z")));
    expect([error.code, error.param]).toEqual(["invalid_date", "to"]);
  });

  it("refuses a range of more periods than any catch-up needs", () => {
    const daily = schedule("2000-01-01T00:00", "UTC", every(1, "day"), ANNIVERSARY);
    expect(periodsBetween(daily, at("2000-01-01T00:00:00Z"), at("2027-05-19T00:00:00Z"))).toHaveLength(10_000); // 27 years + 138 days
    expect(caught(() => periodsBetween(daily, at("2000-01-01T00:00:00Z"), at("2027-05-20T00:00:00Z"))).code).toBe(
      "invalid_date",
    );
  });
});

describe("schedules that cannot bill", () => {
  it.each<[string, BillingSchedule, string, string]>([
    [
      "a zero count",
      schedule("2024-01-01T00:00", "UTC", every(0, "month"), ANNIVERSARY),
      "invalid_interval",
      "interval.count",
    ],
    [
      "a fractional count",
      schedule("2024-01-01T00:00", "UTC", every(1.5, "month"), ANNIVERSARY),
      "invalid_interval",
      "interval.count",
    ],
    [
      "more than three years",
      schedule("2024-01-01T00:00", "UTC", every(37, "month"), ANNIVERSARY),
      "invalid_interval",
      "interval.count",
    ],
    [
      "an hourly unit",
      schedule("2024-01-01T00:00", "UTC", { unit: "hour", count: 1 } as unknown as BillingInterval, ANNIVERSARY),
      "invalid_interval",
      "interval.unit",
    ],
    [
      "a day-of-month anchor on weekly billing",
      schedule("2024-01-01T00:00", "UTC", every(1, "week"), onDay(1)),
      "invalid_interval",
      "billing_anchor",
    ],
    ["day 0", schedule("2024-01-01T00:00", "UTC", MONTHLY, onDay(0)), "invalid_interval", "billing_anchor.day"],
    ["day 32", schedule("2024-01-01T00:00", "UTC", MONTHLY, onDay(32)), "invalid_interval", "billing_anchor.day"],
    [
      "an unknown time zone",
      { ...schedule("2024-01-01T00:00", "UTC", MONTHLY, ANNIVERSARY), timeZone: "Mars/Olympus" },
      "invalid_time_zone",
      "time_zone",
    ],
  ])("rejects %s", (_case, billing, code, param) => {
    const error = caught(() => billingPeriod(billing, 0));
    expect([error.code, error.param]).toEqual([code, param]);
  });

  it.each([
    [
      { unit: "month", count: 1 },
      { unit: "month", count: 1 },
    ],
    [
      { unit: "day", count: 1095 },
      { unit: "day", count: 1095 },
    ], // three years of days
    [
      { unit: "week", count: 156, extra: true },
      { unit: "week", count: 156 },
    ], // unknown keys are dropped
  ])("parseInterval reads %j", (input, expected) => {
    expect(parseInterval(input)).toEqual(expected);
  });

  it.each([[null], ["month"], [{ unit: "month" }], [{ unit: "month", count: "1" }], [{ unit: "year", count: 4 }]])(
    "parseInterval rejects %j",
    (input) => {
      expect(caught(() => parseInterval(input, "plan.interval")).param).toMatch(/^plan\.interval\./);
    },
  );
});
