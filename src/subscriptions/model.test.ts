import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { Decimal } from "../kernel/money.js";
import { activeShare, billablePeriods, type Pause, type SubscriptionTerms, statusAt } from "./model.js";

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
