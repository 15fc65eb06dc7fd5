import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import {
  type BillingAnchor,
  type BillingInterval,
  type BillingPeriod,
  type BillingSchedule,
  billingPeriod,
  nextPeriod,
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

const list = (text: string) => text.trim().split(/\s+/);
const local = (zoned: Temporal.ZonedDateTime) => zoned.toString({ smallestUnit: "minute", timeZoneName: "never" });

/** The first `count` periods as their local start times, then the last period's end. */
function boundaries(billing: BillingSchedule, count: number): string[] {
  const periods = Array.from({ length: count }, (_, index) => billingPeriod(billing, index));
  return [...periods.map((period) => local(period.startLocal)), local((periods.at(-1) as BillingPeriod).endLocal)];
}

describe("month ends: the anchor day is clamped per month and never drifts", () => {
  it.each<[string, BillingSchedule, string[]]>([
    [
      "day 31 through leap 2024", // Feb has 29 days in 2024, and Mar goes back to 31 (not 29)
      schedule("2024-01-31T00:00", "UTC", MONTHLY, onDay(31)),
      list(`2024-01-31 2024-02-29 2024-03-31 2024-04-30 2024-05-31 2024-06-30 2024-07-31
        2024-08-31 2024-09-30 2024-10-31 2024-11-30 2024-12-31 2025-01-31`),
    ],
    [
      "day 31 through 2023", // Feb 28, then Mar 31, not Mar 28
      schedule("2023-01-31T00:00", "UTC", MONTHLY, onDay(31)),
      list(`2023-01-31 2023-02-28 2023-03-31 2023-04-30 2023-05-31 2023-06-30 2023-07-31
        2023-08-31 2023-09-30 2023-10-31 2023-11-30 2023-12-31 2024-01-31`),
    ],
    [
      "day 30 through 2023", // only February is short of 30 days
      schedule("2023-01-30T00:00", "UTC", MONTHLY, onDay(30)),
      list(`2023-01-30 2023-02-28 2023-03-30 2023-04-30 2023-05-30 2023-06-30 2023-07-30
        2023-08-30 2023-09-30 2023-10-30 2023-11-30 2023-12-30 2024-01-30`),
    ],
    [
      "day 29 from 2023 into leap 2024", // Feb 28 in 2023, Feb 29 in 2024
      schedule("2023-01-29T00:00", "UTC", MONTHLY, onDay(29)),
      list(`2023-01-29 2023-02-28 2023-03-29 2023-04-29 2023-05-29 2023-06-29 2023-07-29
        2023-08-29 2023-09-29 2023-10-29 2023-11-29 2023-12-29 2024-01-29 2024-02-29`),
    ],
    [
      "day 29 in 2100, which is not a leap year", // divisible by 100 and not by 400
      schedule("2100-01-29T00:00", "UTC", MONTHLY, onDay(29)),
      ["2100-01-29", "2100-02-28", "2100-03-29"],
    ],
    [
      "anniversary on Jan 31 keeps the 31st where it exists",
      schedule("2024-01-31T00:00", "UTC", MONTHLY, ANNIVERSARY),
      ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"],
    ],
    [
      "quarterly on day 31", // Jan 31 + 3, 6, 9, 12 months
      schedule("2024-01-31T00:00", "UTC", every(3, "month"), onDay(31)),
      ["2024-01-31", "2024-04-30", "2024-07-31", "2024-10-31", "2025-01-31"],
    ],
  ])("%s", (_case, billing, expectedDates) => {
    const dates = boundaries(billing, expectedDates.length - 1).map((text) => text.slice(0, 10));
    expect(dates).toEqual(expectedDates);
  });

  it("reaches the same period by chaining nextPeriod as by number", () => {
    const billing = schedule("2024-01-31T00:00", "America/New_York", MONTHLY, onDay(31));
    let period = billingPeriod(billing, 0);
    for (let step = 0; step < 25; step += 1) period = nextPeriod(billing, period);
    expect(period).toEqual(billingPeriod(billing, 25));
    expect(local(period.startLocal)).toBe("2026-02-28T00:00-05:00"); // Jan 2024 + 25 months = Feb 2026, 28 days
  });
});

describe("leap days and years", () => {
  it.each<[string, BillingSchedule, string[]]>([
    [
      "yearly anniversary on 2024-02-29", // each year from the anchor: Feb 28 until the next leap year, not a drift to the 28th
      schedule("2024-02-29T10:00", "UTC", every(1, "year"), ANNIVERSARY),
      list(`2024-02-29T10:00+00:00 2025-02-28T10:00+00:00 2026-02-28T10:00+00:00 2027-02-28T10:00+00:00
        2028-02-29T10:00+00:00`),
    ],
    [
      "yearly from 2096-02-29 through 2100's missing leap day", // 2100 is divisible by 100 and not 400; 2104 is leap
      schedule("2096-02-29T00:00", "UTC", every(1, "year"), ANNIVERSARY),
      list(`2096-02-29T00:00+00:00 2097-02-28T00:00+00:00 2098-02-28T00:00+00:00 2099-02-28T00:00+00:00
        2100-02-28T00:00+00:00 2101-02-28T00:00+00:00 2102-02-28T00:00+00:00 2103-02-28T00:00+00:00
        2104-02-29T00:00+00:00`),
    ],
  ])("%s", (_case, billing, expected) => {
    expect(boundaries(billing, expected.length - 1)).toEqual(expected);
  });
});

describe("daylight saving time", () => {
  it.each<[string, BillingSchedule, string[]]>([
    [
      "New York, March: midnights keep their date as the offset changes", // 2024-03-10 02:00 EST → 03:00 EDT
      schedule("2024-02-01T00:00", "America/New_York", MONTHLY, onDay(1)),
      ["2024-02-01T00:00-05:00", "2024-03-01T00:00-05:00", "2024-04-01T00:00-04:00"],
    ],
    [
      "New York, March: a daily 02:30 anniversary that does not exist moves to 03:30 that day only", // 'compatible': forward by the 1 h gap
      schedule("2024-03-09T02:30", "America/New_York", every(1, "day"), ANNIVERSARY),
      ["2024-03-09T02:30-05:00", "2024-03-10T03:30-04:00", "2024-03-11T02:30-04:00"],
    ],
    [
      "New York, November: a repeated 01:30 takes the first occurrence (EDT)", // 2024-11-03 02:00 EDT → 01:00 EST
      schedule("2024-11-02T01:30", "America/New_York", every(1, "day"), ANNIVERSARY),
      ["2024-11-02T01:30-04:00", "2024-11-03T01:30-04:00", "2024-11-04T01:30-05:00"],
    ],
    [
      "New York, November: monthly midnights across the change",
      schedule("2024-10-01T00:00", "America/New_York", MONTHLY, onDay(1)),
      ["2024-10-01T00:00-04:00", "2024-11-01T00:00-04:00", "2024-12-01T00:00-05:00"],
    ],
    [
      "London, spring and autumn", // BST from 2024-03-31 01:00 UTC to 2024-10-27 01:00 UTC
      schedule("2024-03-01T00:00", "Europe/London", every(1, "month"), onDay(1)),
      list(`2024-03-01T00:00+00:00 2024-04-01T00:00+01:00 2024-05-01T00:00+01:00 2024-06-01T00:00+01:00
        2024-07-01T00:00+01:00 2024-08-01T00:00+01:00 2024-09-01T00:00+01:00 2024-10-01T00:00+01:00
        2024-11-01T00:00+00:00`),
    ],
    [
      "London: a 01:30 anniversary on the skipped hour", // 2024-03-31 01:00 GMT → 02:00 BST
      schedule("2024-03-30T01:30", "Europe/London", every(1, "day"), ANNIVERSARY),
      ["2024-03-30T01:30+00:00", "2024-03-31T02:30+01:00", "2024-04-01T01:30+01:00"],
    ],
    [
      "Sydney: the southern hemisphere springs forward in October", // 2024-10-06 02:00 AEST → 03:00 AEDT
      schedule("2024-09-01T00:00", "Australia/Sydney", MONTHLY, onDay(1)),
      ["2024-09-01T00:00+10:00", "2024-10-01T00:00+10:00", "2024-11-01T00:00+11:00"],
    ],
    [
      "Sydney: and falls back in April", // 2024-04-07 03:00 AEDT → 02:00 AEST
      schedule("2024-03-01T00:00", "Australia/Sydney", MONTHLY, onDay(1)),
      ["2024-03-01T00:00+11:00", "2024-04-01T00:00+11:00", "2024-05-01T00:00+10:00"],
    ],
    [
      "Santiago: midnight of 2022-09-11 never happened, so that period starts at 01:00", // 00:00 -04 → 01:00 -03
      schedule("2022-08-11T00:00", "America/Santiago", MONTHLY, onDay(11)),
      ["2022-08-11T00:00-04:00", "2022-09-11T01:00-03:00", "2022-10-11T00:00-03:00"],
    ],
  ])("%s", (_case, billing, expected) => {
    expect(boundaries(billing, expected.length - 1)).toEqual(expected);
  });

  it("starts period 0 at the exact start even in the second occurrence of a repeated hour", () => {
    // 06:30Z is 01:30 EST, the second 01:30 of 2024-11-03; 'compatible' alone would say 05:30Z
    const billing: BillingSchedule = {
      start: Temporal.Instant.from("2024-11-03T06:30:00Z"),
      timeZone: "America/New_York",
      interval: MONTHLY,
      anchor: ANNIVERSARY,
    };
    const first = billingPeriod(billing, 0);
    expect(first.start.toString()).toBe("2024-11-03T06:30:00Z");
    expect(first.end.toString()).toBe("2024-12-03T06:30:00Z"); // 01:30 EST on Dec 3
  });
});

describe("odd offsets", () => {
  it.each<[string, BillingSchedule, string[]]>([
    [
      "Kathmandu +05:45",
      schedule("2024-01-01T00:00", "Asia/Kathmandu", MONTHLY, onDay(1)),
      ["2023-12-31T18:15:00Z", "2024-01-31T18:15:00Z"],
    ], // 00:00 − 5:45
    [
      "Kolkata +05:30",
      schedule("2024-01-01T00:00", "Asia/Kolkata", MONTHLY, onDay(1)),
      ["2023-12-31T18:30:00Z", "2024-01-31T18:30:00Z"],
    ], // 00:00 − 5:30
    [
      "Chatham in summer, +13:45",
      schedule("2024-01-01T00:00", "Pacific/Chatham", MONTHLY, onDay(1)),
      ["2023-12-31T10:15:00Z", "2024-01-31T10:15:00Z"],
    ], // 00:00 − 13:45
    [
      "Chatham across its April change to +12:45",
      schedule("2024-04-01T00:00", "Pacific/Chatham", MONTHLY, onDay(1)),
      ["2024-03-31T10:15:00Z", "2024-04-30T11:15:00Z"],
    ], // 00:00 − 13:45, then 00:00 − 12:45
  ])("%s", (_case, billing, [start, end]) => {
    const period = billingPeriod(billing, 0);
    expect([period.start.toString(), period.end.toString()]).toEqual([start, end]);
  });
});

describe("intervals", () => {
  it.each<[string, BillingSchedule, string[]]>([
    [
      "weekly",
      schedule("2024-01-01T09:00", "UTC", every(1, "week"), ANNIVERSARY),
      ["2024-01-01T09:00+00:00", "2024-01-08T09:00+00:00", "2024-01-15T09:00+00:00"],
    ],
    [
      "every 2 weeks across New York's March change",
      schedule("2024-03-04T09:00", "America/New_York", every(2, "week"), ANNIVERSARY),
      ["2024-03-04T09:00-05:00", "2024-03-18T09:00-04:00", "2024-04-01T09:00-04:00"],
    ], // 14 calendar days, 13 d 23 h
    [
      "every 10 days",
      schedule("2024-02-25T00:00", "UTC", every(10, "day"), ANNIVERSARY),
      ["2024-02-25T00:00+00:00", "2024-03-06T00:00+00:00", "2024-03-16T00:00+00:00"],
    ], // 25 + 10 = 35 = Mar 6 (29-day Feb)
    [
      "yearly",
      schedule("2023-06-15T12:00", "Europe/London", every(1, "year"), ANNIVERSARY),
      ["2023-06-15T12:00+01:00", "2024-06-15T12:00+01:00", "2025-06-15T12:00+01:00"],
    ],
    [
      "every 2 months, anniversary at 15:00",
      schedule("2024-12-31T15:00", "UTC", every(2, "month"), ANNIVERSARY),
      ["2024-12-31T15:00+00:00", "2025-02-28T15:00+00:00", "2025-04-30T15:00+00:00", "2025-06-30T15:00+00:00"],
    ],
  ])("%s", (_case, billing, expected) => {
    expect(boundaries(billing, expected.length - 1)).toEqual(expected);
  });
});

describe("stub periods before the first anchor day", () => {
  it.each<[string, BillingSchedule, string[], boolean]>([
    [
      "start Jan 10, bill on the 1st: stub to Feb 1",
      schedule("2024-01-10T14:23", "UTC", MONTHLY, onDay(1)),
      ["2024-01-10T14:23+00:00", "2024-02-01T00:00+00:00", "2024-03-01T00:00+00:00"],
      true,
    ],
    [
      "start at midnight on the anchor day: no stub",
      schedule("2024-01-01T00:00", "UTC", MONTHLY, onDay(1)),
      ["2024-01-01T00:00+00:00", "2024-02-01T00:00+00:00", "2024-03-01T00:00+00:00"],
      false,
    ],
    [
      "start during the anchor day: the next month's",
      schedule("2024-01-01T00:01", "UTC", MONTHLY, onDay(1)),
      ["2024-01-01T00:01+00:00", "2024-02-01T00:00+00:00", "2024-03-01T00:00+00:00"],
      true,
    ],
    [
      "start Jan 5, bill on the 20th: stub to Jan 20",
      schedule("2024-01-05T00:00", "America/New_York", MONTHLY, onDay(20)),
      ["2024-01-05T00:00-05:00", "2024-01-20T00:00-05:00", "2024-02-20T00:00-05:00"],
      true,
    ],
    [
      "start Feb 29 10:00, bill on the 30th (Feb 29 was the 30th's stand-in, already past)",
      schedule("2024-02-29T10:00", "UTC", MONTHLY, onDay(30)),
      ["2024-02-29T10:00+00:00", "2024-03-30T00:00+00:00", "2024-04-30T00:00+00:00"],
      true,
    ],
    [
      "start Feb 10, bill on the 31st: stub to Feb 29",
      schedule("2024-02-10T00:00", "UTC", MONTHLY, onDay(31)),
      ["2024-02-10T00:00+00:00", "2024-02-29T00:00+00:00", "2024-03-31T00:00+00:00"],
      true,
    ],
    [
      "yearly on the 1st: stub to Feb 1, then a year",
      schedule("2024-01-10T00:00", "UTC", every(1, "year"), onDay(1)),
      ["2024-01-10T00:00+00:00", "2024-02-01T00:00+00:00", "2025-02-01T00:00+00:00"],
      true,
    ],
  ])("%s", (_case, billing, expected, isStub) => {
    expect(boundaries(billing, expected.length - 1)).toEqual(expected);
    expect(billingPeriod(billing, 0).isStub).toBe(isStub);
    expect(billingPeriod(billing, 1).isStub).toBe(false);
  });
});
