import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { Decimal, roundToMinor } from "./money.js";
import {
  type BillingInterval,
  type BillingPeriod,
  billingPeriod,
  fractionOfPeriod,
  type ProrationMode,
  periodShare,
} from "./periods.js";

const MONTHLY: BillingInterval = { unit: "month", count: 1 };
const DAY = 86_400;

/** Period 0 of a schedule starting at local midnight on `date`, billed on that day of the month. */
function periodFrom(date: string, timeZone: string, interval: BillingInterval = MONTHLY): BillingPeriod {
  const start = Temporal.PlainDate.from(date).toZonedDateTime({ timeZone }).toInstant();
  return billingPeriod({ start, timeZone, interval, anchor: { kind: "anniversary" } }, 0);
}

/** An instant given as local wall-clock time in the period's zone. */
function localAt(period: BillingPeriod, dateTime: string): Temporal.Instant {
  return Temporal.PlainDateTime.from(dateTime).toZonedDateTime(period.startLocal.timeZoneId).toInstant();
}

const january = periodFrom("2024-01-01", "UTC"); // 31 days
const marchNewYork = periodFrom("2024-03-01", "America/New_York"); // 31 days, one of them 23 h: 743 h
const novemberNewYork = periodFrom("2024-11-01", "America/New_York"); // 30 days, one of them 25 h: 721 h
const aprilChatham = periodFrom("2024-04-01", "Pacific/Chatham"); // 30 days, one of them 25 h (+13:45 → +12:45)
const octoberSydney = periodFrom("2024-10-01", "Australia/Sydney"); // 31 days, one of them 23 h
const stub = billingPeriod(
  {
    start: Temporal.Instant.from("2024-01-10T14:23:00Z"),
    timeZone: "UTC",
    interval: MONTHLY,
    anchor: { kind: "day_of_month", day: 1 },
  },
  0,
); // [Jan 10 14:23, Feb 1 00:00)

describe("periodShare and fractionOfPeriod", () => {
  it.each<[string, BillingPeriod, string, string, ProrationMode, string, string]>([
    ["the last 10 of 31 days", january, "2024-01-22T00:00", "2024-02-01T00:00", "days", "10", "31"],
    [
      "the same range in seconds",
      january,
      "2024-01-22T00:00",
      "2024-02-01T00:00",
      "seconds",
      `${10 * DAY}`,
      `${31 * DAY}`,
    ],
    ["a change at 15:00 counts its whole day", january, "2024-01-22T15:00", "2024-02-01T00:00", "days", "10", "31"],
    [
      "… but not its morning in seconds",
      january,
      "2024-01-22T15:00",
      "2024-02-01T00:00",
      "seconds",
      "810000",
      `${31 * DAY}`,
    ], // 10 × 86400 − 15 × 3600
    ["half a second", january, "2024-01-01T00:00", "2024-01-01T00:00:00.5", "seconds", "0.5", `${31 * DAY}`],
    ["New York's 23-hour day in days", marchNewYork, "2024-03-10T00:00", "2024-03-11T00:00", "days", "1", "31"],
    [
      "New York's 23-hour day in seconds",
      marchNewYork,
      "2024-03-10T00:00",
      "2024-03-11T00:00",
      "seconds",
      "82800",
      "2674800",
    ], // 23 h of 31 × 24 − 1 = 743 h
    [
      "an evening change counts its local day",
      marchNewYork,
      "2024-03-20T21:00",
      "2024-04-01T00:00",
      "days",
      "12",
      "31",
    ], // Mar 20–31 in New York; in UTC it is already Mar 21
    ["Sydney's 23-hour day in days", octoberSydney, "2024-10-06T00:00", "2024-10-07T00:00", "days", "1", "31"], // local midnights are 13:00 or 14:00 UTC the day before
    ["New York's 25-hour day in days", novemberNewYork, "2024-11-03T00:00", "2024-11-04T00:00", "days", "1", "30"],
    [
      "New York's 25-hour day in seconds",
      novemberNewYork,
      "2024-11-03T00:00",
      "2024-11-04T00:00",
      "seconds",
      "90000",
      "2595600",
    ], // 25 h of 30 × 24 + 1 = 721 h
    [
      "Chatham's 25-hour day in seconds",
      aprilChatham,
      "2024-04-07T00:00",
      "2024-04-08T00:00",
      "seconds",
      "90000",
      "2595600",
    ], // 25 h of 721 h
    [
      "Sydney's 23-hour day in seconds",
      octoberSydney,
      "2024-10-06T00:00",
      "2024-10-07T00:00",
      "seconds",
      "82800",
      "2674800",
    ], // 23 h of 743 h
    ["a stub in days", stub, "2024-01-10T14:23", "2024-02-01T00:00", "days", "22", "22"], // Jan 10 → Feb 1
    ["a stub in seconds", stub, "2024-01-20T00:00", "2024-02-01T00:00", "seconds", `${12 * DAY}`, "1849020"], // 21 d 9 h 37 min = 1814400 + 34620
    ["a range wider than the period is clamped", january, "2023-12-15T00:00", "2024-02-15T00:00", "days", "31", "31"],
    [
      "a range starting before the period is clamped",
      january,
      "2023-12-15T00:00",
      "2024-01-11T00:00",
      "days",
      "10",
      "31",
    ],
    [
      "a range after the period is empty",
      january,
      "2024-03-01T00:00",
      "2024-04-01T00:00",
      "seconds",
      "0",
      `${31 * DAY}`,
    ],
    ["an empty range", january, "2024-01-15T00:00", "2024-01-15T00:00", "days", "0", "31"],
  ])("%s", (_case, period, from, to, mode, used, whole) => {
    const share = periodShare(period, localAt(period, from), localAt(period, to), mode);
    expect([share.used.toFixed(), share.whole.toFixed()]).toEqual([used, whole]);
    const fraction = fractionOfPeriod(period, localAt(period, from), localAt(period, to), mode);
    expect(fraction.eq(new Decimal(used).div(whole))).toBe(true);
  });

  it("gives 10/31 to 84 significant digits", () => {
    const fraction = fractionOfPeriod(january, localAt(january, "2024-01-22T00:00"), january.end, "days");
    expect(fraction.toFixed(12)).toBe("0.322580645161"); // 10 / 31
    expect(fraction.sd()).toBe(84);
  });

  it("rejects a range that ends before it starts", () => {
    const from = localAt(january, "2024-01-20T00:00");
    const to = localAt(january, "2024-01-10T00:00");
    for (const mode of ["days", "seconds"] as const) {
      expect(() => fractionOfPeriod(january, from, to, mode)).toThrow(
        expect.objectContaining({ code: "invalid_date", param: "to" }),
      );
    }
  });

  it("lets proration multiply before dividing, so an exact half cent rounds up", () => {
    const from = localAt(novemberNewYork, "2024-11-21T00:00");
    const { used, whole } = periodShare(novemberNewYork, from, novemberNewYork.end, "days");
    const price = new Decimal("1.515");
    expect(roundToMinor(price.times(used).div(whole), "USD").toFixed(2)).toBe("0.51"); // 1.515 × 10 / 30 = 0.505 exactly → up
    // The pre-divided 10/30 = 0.333…3 (84 digits) lands just under the half cent, which is why periodShare exists.
    const fraction = fractionOfPeriod(novemberNewYork, from, novemberNewYork.end, "days");
    expect(roundToMinor(price.times(fraction), "USD").toFixed(2)).toBe("0.50");
  });
});
