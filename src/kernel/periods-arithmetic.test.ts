import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { daysInMonth, monthsAfter } from "./calendar.js";
import { DomainError } from "./errors.js";
import {
  type BillingAnchor,
  type BillingInterval,
  type BillingSchedule,
  billingPeriod,
  periodContaining,
} from "./periods.js";

const ANNIVERSARY: BillingAnchor = { kind: "anniversary" };
const onDay = (day: number): BillingAnchor => ({ kind: "day_of_month", day });
const MONTHLY: BillingInterval = { unit: "month", count: 1 };

/** A schedule starting at a local wall-clock time in the zone (resolved 'compatible'). */
function schedule(start: string, timeZone: string, anchor: BillingAnchor, interval = MONTHLY): BillingSchedule {
  const instant = Temporal.PlainDateTime.from(start).toZonedDateTime(timeZone).toInstant();
  return { start: instant, timeZone, interval, anchor };
}

describe("daysInMonth", () => {
  it.each([
    [2024, 2, 29], // 2024 is divisible by 4 and not by 100: a leap year
    [2023, 2, 28],
    [1900, 2, 28], // divisible by 100 but not by 400: not a leap year
    [2000, 2, 29], // divisible by 400: a leap year
    [2024, 1, 31],
    [2024, 4, 30],
    [2024, 9, 30],
    [2024, 12, 31],
  ])("%i-%i has %i days", (year, month, days) => {
    expect(daysInMonth(year, month)).toBe(days);
    expect(daysInMonth(year, month)).toBe(Temporal.PlainYearMonth.from({ year, month }).daysInMonth);
  });
});

describe("monthsAfter", () => {
  it.each<[string, { year: number; month: number }, number, number, string]>([
    ["one month after January, on the 31st", { year: 2024, month: 1 }, 1, 31, "2024-02-29"], // Feb 2024 has 29 days
    ["the same in a common year", { year: 2023, month: 1 }, 1, 31, "2023-02-28"], // Feb 2023 has 28 days
    ["two months after January, on the 31st", { year: 2024, month: 1 }, 2, 31, "2024-03-31"], // from the anchor: no drift to the 29th
    ["across a year end, on the 30th", { year: 2024, month: 11 }, 3, 30, "2025-02-28"], // Nov + 3 = Feb 2025, 28 days
    ["December to January", { year: 2024, month: 12 }, 1, 15, "2025-01-15"], // 2024 × 12 + 11 + 1 = 2025 × 12 + 0
    ["four years and a month, on the 29th", { year: 2024, month: 1 }, 49, 29, "2028-02-29"], // 48 + 1 months: Feb 2028, a leap year
    ["thirteen months, on the 29th", { year: 2024, month: 1 }, 13, 29, "2025-02-28"], // Feb 2025 is not a leap year
    ["no months at all", { year: 2024, month: 4 }, 0, 31, "2024-04-30"], // April has 30 days
  ])("%s", (_case, from, months, day, expected) => {
    const { year, month, day: onDay } = monthsAfter(from, months, day);
    expect(new Temporal.PlainDate(year, month, onDay).toString()).toBe(expected);
  });
});

describe("the period holding an instant, found by month arithmetic and corrected", () => {
  const losAngeles31 = schedule("2024-01-31T00:00", "America/Los_Angeles", onDay(31));
  const aucklandAnniversary = schedule("2024-08-29T02:30", "Pacific/Auckland", ANNIVERSARY);
  const auckland31 = schedule("2024-01-15T10:00", "Pacific/Auckland", onDay(31));
  const losAngelesFallBack = schedule("2024-10-03T01:30", "America/Los_Angeles", ANNIVERSARY);
  it.each<[string, BillingSchedule, string, number, string]>([
    // Day 31 from Jan 31 PST: no stub; Feb 29 (leap year), then Mar 31 after DST began on Mar 10.
    [
      "LA, day 31: a second before Feb 29",
      losAngeles31,
      "2024-02-29T07:59:59Z",
      0,
      "2024-01-31T00:00:00-08:00[America/Los_Angeles]",
    ], // Feb 28 23:59:59 PST
    [
      "LA, day 31: Feb 29 opens period 1",
      losAngeles31,
      "2024-02-29T08:00:00Z",
      1,
      "2024-02-29T00:00:00-08:00[America/Los_Angeles]",
    ], // Feb 29 00:00 PST
    [
      "LA, day 31: a second before Mar 31 PDT",
      losAngeles31,
      "2024-03-31T06:59:59Z",
      1,
      "2024-02-29T00:00:00-08:00[America/Los_Angeles]",
    ], // Mar 30 23:59:59 PDT
    [
      "LA, day 31: Mar 31 PDT opens period 2",
      losAngeles31,
      "2024-03-31T07:00:00Z",
      2,
      "2024-03-31T00:00:00-07:00[America/Los_Angeles]",
    ], // midnight is now 07:00Z, not 08:00Z
    [
      "LA, day 31: Apr 30 closes March's period",
      losAngeles31,
      "2024-04-30T07:00:00Z",
      3,
      "2024-04-30T00:00:00-07:00[America/Los_Angeles]",
    ], // April has 30 days
    [
      "LA, day 31: a year on, Feb 28 2025",
      losAngeles31,
      "2025-02-28T08:00:00Z",
      13,
      "2025-02-28T00:00:00-08:00[America/Los_Angeles]",
    ], // Jan 2024 + 13 months, clamped to 28
    // Anniversary 02:30 from Aug 29 NZST; Sep 29 02:30 does not exist (02:00 → 03:00 NZDT), so it starts at 03:30.
    [
      "Auckland, anniversary: before the skipped 02:30",
      aucklandAnniversary,
      "2024-09-28T14:29:59Z",
      0,
      "2024-08-29T02:30:00+12:00[Pacific/Auckland]",
    ],
    [
      "Auckland, anniversary: 03:30 NZDT opens period 1",
      aucklandAnniversary,
      "2024-09-28T14:30:00Z",
      1,
      "2024-09-29T03:30:00+13:00[Pacific/Auckland]",
    ], // 02:30 moved forward by the 1-hour gap
    [
      "Auckland, anniversary: Oct 29 is back at 02:30",
      aucklandAnniversary,
      "2024-10-28T13:30:00Z",
      2,
      "2024-10-29T02:30:00+13:00[Pacific/Auckland]",
    ], // 02:30 NZDT = 13:30Z the day before
    // Day 31 from a stub starting Jan 15 NZDT: Jan 31, Feb 29, Mar 31 (NZDT), Apr 30 (NZST after Apr 7).
    [
      "Auckland, day 31: still in the stub",
      auckland31,
      "2024-01-30T10:59:59Z",
      0,
      "2024-01-15T10:00:00+13:00[Pacific/Auckland]",
    ], // Jan 30 23:59:59 NZDT
    [
      "Auckland, day 31: a second before Feb 29",
      auckland31,
      "2024-02-28T10:59:59Z",
      1,
      "2024-01-31T00:00:00+13:00[Pacific/Auckland]",
    ], // Feb 28 23:59:59 NZDT
    [
      "Auckland, day 31: Feb 29 opens period 2",
      auckland31,
      "2024-02-28T11:00:00Z",
      2,
      "2024-02-29T00:00:00+13:00[Pacific/Auckland]",
    ], // Feb 29 00:00 NZDT
    [
      "Auckland, day 31: Mar 31 NZDT opens period 3",
      auckland31,
      "2024-03-30T11:00:00Z",
      3,
      "2024-03-31T00:00:00+13:00[Pacific/Auckland]",
    ],
    [
      "Auckland, day 31: a second before Apr 30 NZST",
      auckland31,
      "2024-04-29T11:59:59Z",
      3,
      "2024-03-31T00:00:00+13:00[Pacific/Auckland]",
    ], // midnight is now 12:00Z
    [
      "Auckland, day 31: Apr 30 NZST opens period 4",
      auckland31,
      "2024-04-29T12:00:00Z",
      4,
      "2024-04-30T00:00:00+12:00[Pacific/Auckland]",
    ],
    // Anniversary 01:30 PDT; Nov 3 01:30 happens twice (PDT, then PST): the first one is the boundary.
    [
      "LA, fall back: before the first 01:30",
      losAngelesFallBack,
      "2024-11-03T08:29:59Z",
      0,
      "2024-10-03T01:30:00-07:00[America/Los_Angeles]",
    ],
    [
      "LA, fall back: the first 01:30 (PDT) opens period 1",
      losAngelesFallBack,
      "2024-11-03T08:30:00Z",
      1,
      "2024-11-03T01:30:00-07:00[America/Los_Angeles]",
    ],
    [
      "LA, fall back: the second 01:30 (PST) is inside it",
      losAngelesFallBack,
      "2024-11-03T09:30:00Z",
      1,
      "2024-11-03T01:30:00-07:00[America/Los_Angeles]",
    ],
  ])("%s", (_case, billing, instant, index, startLocal) => {
    const at = Temporal.Instant.from(instant);
    const period = periodContaining(billing, at);
    expect(period.index).toBe(index);
    expect(period.startLocal.toString()).toBe(startLocal);
    expect(Temporal.Instant.compare(period.start, at)).toBeLessThanOrEqual(0);
    expect(Temporal.Instant.compare(at, period.end)).toBeLessThan(0);
    expect(billingPeriod(billing, index + 1).start.equals(period.end)).toBe(true);
  });
});

describe("periods of a schedule asked for again", () => {
  const billing = schedule("2024-01-31T00:00", "America/Los_Angeles", onDay(31));

  it("are the same periods, as separate objects a caller may change", () => {
    const first = billingPeriod(billing, 1);
    const again = billingPeriod(billing, 1);
    expect(again).not.toBe(first);
    expect([again.start.toString(), again.end.toString()]).toEqual([first.start.toString(), first.end.toString()]);
    first.index = 99;
    expect(billingPeriod(billing, 1).index).toBe(1);
  });

  it("depend on the time zone, not only the instant", () => {
    const utc = { ...billing, timeZone: "UTC" };
    expect(billingPeriod(billing, 1).start.toString()).toBe("2024-02-29T08:00:00Z"); // Feb 29 00:00 PST
    expect(billingPeriod(utc, 1).start.toString()).toBe("2024-02-29T00:00:00Z"); // Feb 29 00:00 UTC
  });

  it("still reject bad input after the same schedule was read well-formed", () => {
    billingPeriod(billing, 0);
    const stringCount = { ...billing, interval: { unit: "month", count: "1" } as unknown as BillingInterval };
    expect(() => billingPeriod(stringCount, 0)).toThrow(DomainError);
    const stringDay = { ...billing, anchor: { kind: "day_of_month", day: "31" } as unknown as BillingAnchor };
    expect(() => billingPeriod(stringDay, 0)).toThrow(DomainError);
  });
});
