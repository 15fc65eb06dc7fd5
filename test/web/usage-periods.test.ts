import { describe, expect, it } from "vitest";
import { formatQuantity, groupLabel, lineSourceText, pastPeriods, periodLabel } from "../../web/src/usage.js";

/** The web app's usage charts: which earlier periods are compared with the current one, and how figures read. */

describe("pastPeriods", () => {
  const cases = [
    {
      name: "calendar months in UTC step back month by month, whatever their length",
      current: { start: "2026-03-01T00:00:00Z", end: "2026-04-01T00:00:00Z" },
      timeZone: "UTC",
      expected: [
        { start: "2026-01-01T00:00:00Z", end: "2026-02-01T00:00:00Z" }, // 31 days
        { start: "2026-02-01T00:00:00Z", end: "2026-03-01T00:00:00Z" }, // 28 days, not 31
      ],
    },
    {
      name: "Chicago months keep local midnight across the DST change (CDT -5 from 8 March, CST -6 before)",
      current: { start: "2026-04-01T05:00:00Z", end: "2026-05-01T05:00:00Z" },
      timeZone: "America/Chicago",
      expected: [
        { start: "2026-02-01T06:00:00Z", end: "2026-03-01T06:00:00Z" }, // CST: midnight is 06:00 UTC
        { start: "2026-03-01T06:00:00Z", end: "2026-04-01T05:00:00Z" }, // 1 March CST → 1 April CDT
      ],
    },
    {
      name: "a subscription period anchored on the 15th steps back a month at a time",
      current: { start: "2026-11-15T09:30:00Z", end: "2026-12-15T09:30:00Z" },
      timeZone: "UTC",
      expected: [
        { start: "2026-09-15T09:30:00Z", end: "2026-10-15T09:30:00Z" },
        { start: "2026-10-15T09:30:00Z", end: "2026-11-15T09:30:00Z" },
      ],
    },
    {
      name: "weekly periods step back 7 days",
      current: { start: "2026-11-23T00:00:00Z", end: "2026-11-30T00:00:00Z" },
      timeZone: "UTC",
      expected: [
        { start: "2026-11-09T00:00:00Z", end: "2026-11-16T00:00:00Z" },
        { start: "2026-11-16T00:00:00Z", end: "2026-11-23T00:00:00Z" },
      ],
    },
    {
      name: "annual periods step back a year (2024 is a leap year: 366 days, still one period)",
      current: { start: "2026-01-01T00:00:00Z", end: "2027-01-01T00:00:00Z" },
      timeZone: "UTC",
      expected: [
        { start: "2024-01-01T00:00:00Z", end: "2025-01-01T00:00:00Z" },
        { start: "2025-01-01T00:00:00Z", end: "2026-01-01T00:00:00Z" },
      ],
    },
  ];
  for (const row of cases) {
    it(row.name, () => {
      expect(pastPeriods(row.current, row.timeZone, 2)).toEqual(row.expected);
    });
  }

  it("the periods are contiguous and end where the current one starts", () => {
    const current = { start: "2026-11-01T00:00:00Z", end: "2026-12-01T00:00:00Z" };
    const periods = pastPeriods(current, "Europe/Berlin", 5);
    expect(periods).toHaveLength(5);
    expect(periods.at(-1)?.end).toBe(current.start);
    for (let index = 1; index < periods.length; index += 1) {
      expect(periods[index]?.start).toBe(periods[index - 1]?.end);
    }
  });
});

describe("figures as people read them", () => {
  it.each([
    ["1234567.5", "1,234,567.5"],
    ["160.000000", "160.000000"], // every decimal the API sent, none invented
    ["0", "0"],
    ["-1200", "-1,200"],
    ["n/a", "n/a"], // not a number: shown as it came
  ])("formatQuantity(%s) = %s", (quantity, shown) => {
    expect(formatQuantity(quantity)).toBe(shown);
  });

  it("labels a period by its first and last day in the customer's time zone", () => {
    // [1 Nov 05:00Z, 1 Dec 06:00Z) in Chicago is 1–30 November: the end is exclusive.
    const label = periodLabel({ start: "2026-11-01T05:00:00Z", end: "2026-12-01T06:00:00Z" }, "America/Chicago");
    // Intl puts thin spaces around the dash.
    expect(label).toMatch(/^1\s–\s30 Nov 2026$/);
  });

  it("labels a group by its properties, a missing value as (none)", () => {
    expect(groupLabel({ warehouse: "DAL", service_level: null })).toBe("warehouse DAL · service_level (none)");
  });
});

describe("lineSourceText", () => {
  const cases = [
    {
      source: { type: "subscription", id: "usage:packaging|packaging=large_box" },
      text: "Usage · packaging · packaging=large_box",
    },
    {
      source: { type: "subscription", id: "usage:shipping|carrier=DHL,service_level=2day" },
      text: "Usage · shipping · carrier=DHL, service_level=2day",
    },
    { source: { type: "subscription", id: "usage:monthly_minimum|" }, text: "Usage · monthly_minimum" },
    { source: { type: "subscription", id: "price_01abc" }, text: "Subscription · price_01abc" },
    { source: { type: "manual", id: null }, text: "Manual" },
  ];
  for (const { source, text } of cases) {
    it(`${source.id ?? source.type} reads "${text}"`, () => {
      expect(lineSourceText({ source })).toBe(text);
    });
  }
});
