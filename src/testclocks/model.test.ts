import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { advanceInProgress, advanceLimit, type ClockInterval, inSpan, nextInstant, overdueAt } from "./model.js";

const at = (text: string) => Temporal.Instant.from(text);
const monthly = (time_zone: string): ClockInterval => ({ interval: { unit: "month", count: 1 }, time_zone });

describe("advanceLimit: two intervals of the shortest subscription", () => {
  const cases: { name: string; from: string; intervals: ClockInterval[]; limit: string }[] = [
    {
      name: "monthly in Los Angeles, from local midnight January 1",
      from: "2026-01-01T08:00:00Z",
      intervals: [monthly("America/Los_Angeles")],
      limit: "2026-03-01T08:00:00Z", // Jan 1 + 2 months, still PST (DST starts March 8)
    },
    {
      name: "across the spring DST change the local time of day is kept",
      from: "2026-02-15T08:00:00Z",
      intervals: [monthly("America/Los_Angeles")],
      limit: "2026-04-15T07:00:00Z", // Apr 15 00:00 PDT = 07:00 UTC
    },
    {
      name: "December 31 + 2 months clamps to February 28",
      from: "2026-12-31T08:00:00Z",
      intervals: [monthly("America/Los_Angeles")],
      limit: "2027-02-28T08:00:00Z",
    },
    {
      name: "the shortest interval wins: weekly beside yearly",
      from: "2026-01-01T00:00:00Z",
      intervals: [
        { interval: { unit: "year", count: 1 }, time_zone: "UTC" },
        { interval: { unit: "week", count: 1 }, time_zone: "UTC" },
      ],
      limit: "2026-01-15T00:00:00Z", // 2 × 7 days
    },
    {
      name: "a quarterly plan (3 months) allows six months",
      from: "2026-01-01T00:00:00Z",
      intervals: [{ interval: { unit: "month", count: 3 }, time_zone: "UTC" }],
      limit: "2026-07-01T00:00:00Z",
    },
    {
      name: "no subscription: two years",
      from: "2026-01-01T00:00:00Z",
      intervals: [],
      limit: "2028-01-01T00:00:00Z",
    },
  ];
  for (const row of cases) {
    it(row.name, () => {
      expect(advanceLimit(at(row.from), row.intervals).toString()).toBe(row.limit);
    });
  }
});

describe("overdueAt: local midnight after the due date", () => {
  const cases = [
    { due: "2026-02-01", zone: "America/Los_Angeles", overdue: "2026-02-02T08:00:00Z" }, // PST, UTC−8
    { due: "2026-07-01", zone: "America/Los_Angeles", overdue: "2026-07-02T07:00:00Z" }, // PDT, UTC−7
    { due: "2026-03-07", zone: "America/Los_Angeles", overdue: "2026-03-08T08:00:00Z" }, // midnight before the 02:00 change
    { due: "2026-12-31", zone: "Asia/Tokyo", overdue: "2026-12-31T15:00:00Z" }, // Jan 1 00:00 JST, UTC+9
  ];
  for (const row of cases) {
    it(`${row.due} in ${row.zone}`, () => {
      expect(overdueAt(row.due, row.zone).toString()).toBe(row.overdue);
    });
  }
});

describe("advanceInProgress: an advance silent for ten minutes died with its process", () => {
  const saved = at("2026-11-23T12:00:00Z");
  const cases = [
    { status: "ready" as const, now: "2026-11-23T12:00:01Z", busy: false },
    { status: "advancing" as const, now: "2026-11-23T12:09:59Z", busy: true }, // 9 min 59 s after the last stop
    { status: "advancing" as const, now: "2026-11-23T12:10:00Z", busy: false }, // 10 min: free again
  ];
  for (const row of cases) {
    it(`${row.status} at ${row.now}`, () => {
      expect(advanceInProgress({ status: row.status, updated_at: saved }, at(row.now))).toBe(row.busy);
    });
  }
});

describe("nextInstant and inSpan: the half-open span (after, until]", () => {
  const after = at("2026-01-01T00:00:00Z");
  const until = at("2026-03-01T00:00:00Z");
  it("takes the earliest candidate inside the span, never `after` itself", () => {
    const candidates = ["2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "2026-01-15T00:00:00Z", "2026-04-01T00:00:00Z"];
    expect(nextInstant(candidates.map(at), after, until)?.toString()).toBe("2026-01-15T00:00:00Z");
  });
  it("includes `until` and finds nothing past it", () => {
    expect(nextInstant([until], after, until)?.toString()).toBe(until.toString());
    expect(nextInstant([at("2026-03-01T00:00:01Z")], after, until)).toBeUndefined();
  });
  it("counts an instant once across consecutive spans", () => {
    const boundary = at("2026-02-01T00:00:00Z");
    expect([inSpan(boundary, after, boundary), inSpan(boundary, boundary, until)]).toEqual([true, false]);
  });
});
