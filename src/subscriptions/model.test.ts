import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { Decimal } from "../kernel/money.js";
import {
  activeShare,
  type BillingCycle,
  billablePeriods,
  currentPeriod,
  cycleAt,
  type Pause,
  type PhaseCycle,
  type SubscriptionTerms,
  scheduleSegments,
  statusAt,
  subscriptionPeriod,
} from "./model.js";

const utc = (text: string) => Temporal.Instant.from(`${text}T00:00:00Z`);

function terms(overrides: Partial<SubscriptionTerms> = {}): SubscriptionTerms {
  return {
    id: "sub_test",
    customer_id: "cus_test",
    currency: "USD",
    interval: { unit: "month", count: 1 },
    billing_timing: "in_arrears",
    time_zone: "UTC",
    anchor: { kind: "anniversary" },
    start_at: utc("2024-04-01"),
    billing_start: utc("2024-04-01"),
    last_billed_period_index: null,
    phases: [
      {
        id: "sph_test",
        starts_at: utc("2024-04-01"),
        items: [
          {
            id: "si_test",
            price_id: "price_test",
            price_version_id: "pv_test",
            quantity: new Decimal(1),
            metered: false,
            description: "Seat",
          },
        ],
      },
    ],
    pauses: [],
    ...overrides,
  };
}

const april = (subscription: SubscriptionTerms) => billablePeriods(subscription, utc("2024-05-01"))[0];
const paused = (from: string, to?: string): Pause => ({ paused_at: utc(from), resumed_at: to ? utc(to) : undefined });

describe("activeShare (in arrears, April = 30 days = 2,592,000 s)", () => {
  it.each<[string, Partial<SubscriptionTerms>, string]>([
    ["live all month", {}, "2592000"],
    ["paused Apr 11 → Apr 21: 20 days", { pauses: [paused("2024-04-11", "2024-04-21")] }, "1728000"], // 20 × 86,400
    ["paused from Apr 21, never resumed: 20 days", { pauses: [paused("2024-04-21")] }, "1728000"],
    ["ended Apr 16: 15 days", { ended_at: utc("2024-04-16") }, "1296000"], // 15 × 86,400
    ["paused Apr 11, ended Apr 16: 10 days", { pauses: [paused("2024-04-11")], ended_at: utc("2024-04-16") }, "864000"],
  ])("%s", (_name, overrides, used) => {
    const subscription = terms(overrides);
    const period = billablePeriods(terms(), utc("2024-05-01"))[0];
    if (period === undefined) throw new Error("April is due by May 1");
    expect(activeShare(subscription, period).used.toString()).toBe(used);
  });
});

describe("billablePeriods", () => {
  it.each<[string, Partial<SubscriptionTerms>, string, number[]]>([
    ["in arrears: due at the end", {}, "2024-07-01", [0, 1, 2]],
    ["in advance: due at the start", { billing_timing: "in_advance" }, "2024-07-01", [0, 1, 2, 3]],
    ["after the last billed period", { last_billed_period_index: 1 }, "2024-07-01", [2]],
    ["nothing after the end", { ended_at: utc("2024-05-15") }, "2024-09-01", [0, 1]],
    ["a period paused throughout is skipped", { pauses: [paused("2024-05-01", "2024-06-01")] }, "2024-07-01", [0, 2]],
    [
      "in advance, paused at a period's start",
      { billing_timing: "in_advance", pauses: [paused("2024-04-20", "2024-05-10")] },
      "2024-06-01",
      [0, 2],
    ],
  ])("%s", (_name, overrides, asOf, indexes) => {
    expect(billablePeriods(terms(overrides), utc(asOf)).map((period) => period.index)).toEqual(indexes);
  });

  it.each<[string, Partial<SubscriptionTerms>, string, number, number[]]>([
    ["the next one only", { billing_timing: "in_advance" }, "2024-07-01", 1, [0]], // 0–3 are due; one asked for
    ["a limit past what is due", {}, "2024-07-01", 5, [0, 1, 2]], // only 3 are due in arrears
    ["the first billed after a skipped one", { pauses: [paused("2024-04-01", "2024-05-01")] }, "2024-07-01", 1, [1]], // April paused throughout
  ])("stops at a limit: %s", (_name, overrides, asOf, limit, indexes) => {
    expect(billablePeriods(terms(overrides), utc(asOf), limit).map((period) => period.index)).toEqual(indexes);
  });

  it("the April period is whole", () => {
    expect(april(terms())?.end.toString()).toBe("2024-05-01T00:00:00Z");
  });
});

describe("statusAt", () => {
  it.each<[string, Partial<SubscriptionTerms>, string, string]>([
    ["before the start", {}, "2024-03-01", "scheduled"],
    ["in the trial", { trial_end: utc("2024-04-15"), billing_start: utc("2024-04-15") }, "2024-04-10", "trialing"],
    ["paused", { pauses: [paused("2024-04-10")] }, "2024-04-12", "paused"],
    ["resumed", { pauses: [paused("2024-04-10", "2024-04-11")] }, "2024-04-12", "active"],
    ["ended", { ended_at: utc("2024-04-20") }, "2024-04-20", "canceled"],
  ])("%s", (_name, overrides, at, status) => {
    expect(statusAt(terms(overrides), utc(at))).toBe(status);
  });
});

// ---------------------------------------------------------------- interval changes (schedule segments)

const BERLIN = "Europe/Berlin";
const berlin = (dateTime: string) => Temporal.PlainDateTime.from(dateTime).toZonedDateTime(BERLIN).toInstant();
const ANNUAL: BillingCycle = { interval: { unit: "year", count: 1 }, anchor: { kind: "anniversary" } };
const MONTHLY: BillingCycle = { interval: { unit: "month", count: 1 }, anchor: { kind: "anniversary" } };

/** Monthly from 2026-03-01 00:00 in Berlin, then a phase per `[local start, cycle]`. */
function berlinTerms(changes: [string, PhaseCycle | undefined][], overrides: Partial<SubscriptionTerms> = {}) {
  const base = terms({
    time_zone: BERLIN,
    start_at: berlin("2026-03-01T00:00"),
    billing_start: berlin("2026-03-01T00:00"),
  });
  const [first] = base.phases;
  if (first === undefined) throw new Error("terms() has a phase");
  const phases = [
    { ...first, starts_at: berlin("2026-03-01T00:00") },
    ...changes.map(([at, cycle], i) => ({ ...first, id: `sph_${i}`, starts_at: berlin(at), cycle })),
  ];
  return { ...base, phases, ...overrides };
}

/** A period as local dates: "2026-03-01 → 2026-03-16". */
const span = (period: { startLocal: Temporal.ZonedDateTime; endLocal: Temporal.ZonedDateTime }) =>
  `${period.startLocal.toPlainDate()} → ${period.endLocal.toPlainDate()}`;

describe("scheduleSegments and subscriptionPeriod across an interval change (Europe/Berlin)", () => {
  it.each<[string, [string, PhaseCycle | undefined][], [number, number][], string[]]>([
    [
      "no change: one segment, monthly periods",
      [],
      [[0, 0]], // [segment, its first period's index]
      ["2026-03-01 → 2026-04-01", "2026-04-01 → 2026-05-01", "2026-05-01 → 2026-06-01"],
    ],
    [
      "a seat change without a cycle leaves the schedule alone",
      [["2026-03-16T00:00", undefined]],
      [[0, 0]],
      ["2026-03-01 → 2026-04-01", "2026-04-01 → 2026-05-01", "2026-05-01 → 2026-06-01"],
    ],
    [
      // March is cut at the 16th (period 0); the year is period 1, the next year period 2.
      "monthly → annual on Mar 16: March cut short, then years from the 16th",
      [["2026-03-16T00:00", ANNUAL]],
      [
        [0, 0],
        [1, 1],
      ],
      ["2026-03-01 → 2026-03-16", "2026-03-16 → 2027-03-16", "2027-03-16 → 2028-03-16"],
    ],
    [
      // Apr 1 is where period 1 would start: nothing is cut, the year takes number 1.
      "monthly → annual at period end (Apr 1)",
      [["2026-04-01T00:00", ANNUAL]],
      [
        [0, 0],
        [1, 1],
      ],
      ["2026-03-01 → 2026-04-01", "2026-04-01 → 2027-04-01", "2027-04-01 → 2028-04-01"],
    ],
    [
      // April (period 1) was billed before the change on Apr 1: it is cut to nothing, the year is period 2.
      "monthly → annual on Apr 1 after April was billed: the change records first index 2",
      [["2026-04-01T00:00", { ...ANNUAL, first_index: 2 }]],
      [
        [0, 0],
        [1, 2],
      ],
      ["2026-03-01 → 2026-04-01", "2026-04-01 → 2026-04-01", "2026-04-01 → 2027-04-01"],
    ],
    [
      // Period 1 (the year from Mar 16) is cut on Jun 10; months restart there as period 2.
      "monthly → annual on Mar 16, back to monthly on Jun 10",
      [
        ["2026-03-16T00:00", ANNUAL],
        ["2026-06-10T00:00", MONTHLY],
      ],
      [
        [0, 0],
        [1, 1],
        [2, 2],
      ],
      ["2026-03-01 → 2026-03-16", "2026-03-16 → 2026-06-10", "2026-06-10 → 2026-07-10"],
    ],
    [
      // Two months billed (Mar, Apr), May cut on the 20th as period 2; the year is period 3.
      "monthly → annual on May 20: the period after index 2 is 3",
      [["2026-05-20T00:00", ANNUAL]],
      [
        [0, 0],
        [1, 3],
      ],
      ["2026-03-01 → 2026-04-01", "2026-04-01 → 2026-05-01", "2026-05-01 → 2026-05-20", "2026-05-20 → 2027-05-20"],
    ],
  ])("%s", (_name, changes, firstIndexes, periods) => {
    const subscription = berlinTerms(changes);
    const segments = scheduleSegments(subscription);
    expect(segments.map((segment, i) => [i, segment.first_index])).toEqual(firstIndexes);
    expect(periods.map((_, index) => span(subscriptionPeriod(subscription, index)))).toEqual(periods);
    // Each period starts where the one before ends: no gap, no overlap across the reset.
    for (let index = 1; index < periods.length; index += 1) {
      expect(subscriptionPeriod(subscription, index).start).toEqual(subscriptionPeriod(subscription, index - 1).end);
    }
  });

  it("an interval change during a trial replaces the first segment's cycle", () => {
    const subscription = berlinTerms([["2026-03-05T00:00", ANNUAL]], {
      trial_end: berlin("2026-03-15T00:00"),
      billing_start: berlin("2026-03-15T00:00"),
    });
    expect(scheduleSegments(subscription)).toHaveLength(1);
    expect(span(subscriptionPeriod(subscription, 0))).toBe("2026-03-15 → 2027-03-15");
  });

  it("keeps a day-of-month anchor on the new interval", () => {
    const onFirst: BillingCycle = { interval: { unit: "year", count: 1 }, anchor: { kind: "day_of_month", day: 1 } };
    const subscription = berlinTerms([["2026-04-01T00:00", onFirst]], { anchor: { kind: "day_of_month", day: 1 } });
    expect(span(subscriptionPeriod(subscription, 1))).toBe("2026-04-01 → 2027-04-01");
    expect(cycleAt(subscription, berlin("2026-05-01T00:00")).anchor).toEqual({ kind: "day_of_month", day: 1 });
  });

  it.each<[string, string, number | undefined, string | undefined]>([
    ["before billing starts", "2026-02-20T00:00", undefined, undefined],
    ["in the cut March", "2026-03-10T12:00", 0, "2026-03-01 → 2026-03-16"],
    ["at the change", "2026-03-16T00:00", 1, "2026-03-16 → 2027-03-16"],
    ["in the year", "2026-12-31T23:59", 1, "2026-03-16 → 2027-03-16"],
    ["in the second year", "2027-03-16T00:00", 2, "2027-03-16 → 2028-03-16"],
  ])("currentPeriod %s", (_name, at, index, expected) => {
    const period = currentPeriod(berlinTerms([["2026-03-16T00:00", ANNUAL]]), berlin(at));
    expect(period?.index).toBe(index);
    expect(period === undefined ? undefined : span(period)).toBe(expected);
  });

  it.each<[string, Partial<SubscriptionTerms>, string, number[]]>([
    // In advance: period 0 at Mar 1, the year (1) at Mar 16, the next year (2) on 2027-03-16.
    ["in advance, by 2026-03-16", { billing_timing: "in_advance" }, "2026-03-16T00:00", [0, 1]],
    ["in advance, by 2027-03-15", { billing_timing: "in_advance" }, "2027-03-15T00:00", [0, 1]],
    ["in advance, by 2027-03-16", { billing_timing: "in_advance" }, "2027-03-16T00:00", [0, 1, 2]],
    [
      "in advance, March already billed",
      { billing_timing: "in_advance", last_billed_period_index: 0 },
      "2027-03-16T00:00",
      [1, 2],
    ],
    // In arrears: the cut March is due at its new end, Mar 16; the year at 2027-03-16.
    ["in arrears, by 2026-03-16", {}, "2026-03-16T00:00", [0]],
    ["in arrears, by 2027-03-16", {}, "2027-03-16T00:00", [0, 1]],
  ])("billablePeriods %s", (_name, overrides, asOf, indexes) => {
    const subscription = berlinTerms([["2026-03-16T00:00", ANNUAL]], overrides);
    expect(billablePeriods(subscription, berlin(asOf)).map((period) => period.index)).toEqual(indexes);
  });

  it("a cut period in arrears bills the share of the month it would have been", () => {
    const subscription = berlinTerms([["2026-03-16T00:00", ANNUAL]]);
    const share = activeShare(subscription, subscriptionPeriod(subscription, 0));
    expect(share.used.toString()).toBe("1296000"); // Mar 1 → Mar 16: 15 × 86,400 s (before the DST change)
    expect(share.whole.toString()).toBe("2674800"); // all of March: 31 × 86,400 − 3,600 (Mar 29 has 23 h)
  });
});
