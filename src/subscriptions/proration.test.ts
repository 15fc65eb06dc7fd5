import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { chargeBeforeRounding, validateChargeModel } from "../catalog/charge-models.js";
import { DomainError } from "../kernel/errors.js";
import { Decimal } from "../kernel/money.js";
import { type BillingInterval, type BillingPeriod, billingPeriod } from "../kernel/periods.js";
import {
  type ItemChange,
  type PricedItem,
  type ProrationBehavior,
  parseProrationBehavior,
  perUnitItem,
  prorateCancellation,
  prorateIntervalChange,
  prorateItemChange,
  type SeatChange,
  seatTrueUp,
} from "./proration.js";

const MONTHLY: BillingInterval = { unit: "month", count: 1 };
const NY = "America/New_York";
const d = (text: string) => new Decimal(text);

/** Period 0 of a monthly anniversary schedule starting at local midnight on `date`. */
function monthFrom(date: string, timeZone: string): BillingPeriod {
  const start = Temporal.PlainDate.from(date).toZonedDateTime({ timeZone }).toInstant();
  return billingPeriod({ start, timeZone, interval: MONTHLY, anchor: { kind: "anniversary" } }, 0);
}

/** An instant given as wall-clock time in the period's zone. */
function at(period: BillingPeriod, dateTime: string): Temporal.Instant {
  return Temporal.PlainDateTime.from(dateTime).toZonedDateTime(period.startLocal.timeZoneId).toInstant();
}

const seats = (quantity: string, price = "10.00") => perUnitItem("Seat", d(quantity), d(price));

function thrown(action: () => unknown): DomainError {
  try {
    action();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError");
}

const april = monthFrom("2024-04-01", NY); // 30 days of 24 h: 2,592,000 s
const march = monthFrom("2024-03-01", NY); // 31 days, Mar 10 has 23 h: 743 h = 2,674,800 s
const januaryTokyo = monthFrom("2024-01-01", "Asia/Tokyo"); // 31 days
const januaryBahrain = monthFrom("2024-01-01", "Asia/Bahrain"); // 31 days
const aprilUtc = monthFrom("2024-04-01", "UTC"); // 30 days

describe("prorateItemChange", () => {
  it.each<[string, BillingPeriod, string, PricedItem, PricedItem, string, string, string]>([
    // −10 × 10.00 × 15 d / 30 d; +15 × 10.00 × 15 / 30: net +25.00 = 5 seats for half the month
    ["+5 seats after 15 of 30 days", april, "2024-04-16T00:00", seats("10"), seats("15"), "USD", "-50.00", "75.00"],
    [
      "a price change, same seats",
      april,
      "2024-04-16T00:00",
      seats("10"),
      seats("10", "12.00"),
      "USD",
      "-50.00",
      "60.00",
    ],
    // 16 × 86,400 = 1,382,400 s of 2,674,800 s: −100.00 × 1,382,400 / 2,674,800 = −51.6823…; 150.00 × … = 77.5235…
    // (counting days would give 16/31: 51.61 and 77.42; the 23-hour day is why they differ)
    [
      "+5 seats after DST, to the second",
      march,
      "2024-03-16T00:00",
      seats("10"),
      seats("15"),
      "USD",
      "-51.68",
      "77.52",
    ],
    // 1,382,400 − (14 × 3,600 + 37 × 60 + 21 = 52,641) = 1,329,759 s: 100.00 × … = 49.7143…; 150.00 × … = 74.5715…
    ["… at 14:37:21", march, "2024-03-16T14:37:21", seats("10"), seats("15"), "USD", "-49.71", "74.57"],
    // before the spring-forward: 27 × 86,400 − 3,600 = 2,329,200 s: 100.00 × … = 87.0794…; 150.00 × … = 130.6191…
    ["+5 seats before DST", march, "2024-03-05T00:00", seats("10"), seats("15"), "USD", "-87.08", "130.62"],
    // −3,000 × 21/31 = −2,032.26; 4,000 × 21/31 = 2,709.68 (the lines net 678, prorating the 1,000 difference 677)
    ["JPY", januaryTokyo, "2024-01-11T00:00", seats("3", "1000"), seats("4", "1000"), "JPY", "-2032", "2710"],
    // −7 × 12.345 × 21/31 = −58.539193…; 9 × 12.345 × 21/31 = 75.264677…
    ["BHD", januaryBahrain, "2024-01-11T00:00", seats("7", "12.345"), seats("9", "12.345"), "BHD", "-58.539", "75.265"],
    // 10.005 × 10/30 = 3.335 → −3.34, away from zero; 30.015 × 10/30 = 10.005 exactly → 10.01
    // (30.015 × (1/3 rounded) would be 10.00499… and round down)
    ["half a cent", aprilUtc, "2024-04-21T00:00", seats("1", "10.005"), seats("3", "10.005"), "USD", "-3.34", "10.01"],
  ])("%s", (_name, period, local, from, to, currency, credit, charge) => {
    const change: ItemChange = {
      period,
      change_at: at(period, local),
      time_zone: period.startLocal.timeZoneId,
      currency,
      behavior: "create_prorations",
      from,
      to,
    };
    const { lines, invoice_now } = prorateItemChange(change);
    expect(lines.map((line) => line.amount.toFixed())).toEqual([d(credit).toFixed(), d(charge).toFixed()]);
    expect(lines.every((line) => line.proration)).toBe(true);
    expect(invoice_now).toBe(false);
  });

  const change: ItemChange = {
    period: april,
    change_at: at(april, "2024-04-16T00:00"),
    time_zone: NY,
    currency: "USD",
    behavior: "create_prorations",
    from: seats("10"),
    to: seats("15"),
  };

  it("describes each line and the time it pays for", () => {
    const [credit, charge] = prorateItemChange(change).lines;
    expect(credit).toMatchObject({
      description: "Unused time on 10 × Seat from 2024-04-16 00:00 to 2024-05-01 00:00 (America/New_York)",
      explanation: "-100 × 1296000 s / 2592000 s = -50.00 USD",
      proration: true,
    });
    expect(credit?.period_start.toString()).toBe("2024-04-16T04:00:00Z");
    expect(credit?.period_end.toString()).toBe("2024-05-01T04:00:00Z");
    expect(charge?.description).toBe(
      "Remaining time on 15 × Seat from 2024-04-16 00:00 to 2024-05-01 00:00 (America/New_York)",
    );
    expect([charge?.quantity.toFixed(), charge?.unit_amount?.toFixed(2)]).toEqual(["15", "10.00"]);
  });

  it.each<[ProrationBehavior, number, boolean]>([
    ["create_prorations", 2, false],
    ["always_invoice", 2, true],
    ["none", 0, false],
  ])("%s → %i lines, invoice now: %s", (behavior, count, now) => {
    const result = prorateItemChange({ ...change, behavior });
    expect([result.lines.length, result.invoice_now]).toEqual([count, now]);
  });

  it("prorates any charge model priced by the catalog", () => {
    const model = validateChargeModel(
      {
        kind: "volume",
        tiers: [
          { up_to: "10", unit_amount: "10.00" },
          { up_to: null, unit_amount: "8.00" },
        ],
      },
      "USD",
    );
    const priced = (quantity: string) => ({
      description: "Seat",
      quantity: d(quantity),
      period_amount: chargeBeforeRounding(model, d(quantity)),
    });
    const { lines } = prorateItemChange({ ...change, from: priced("8"), to: priced("12") });
    // −8 × 10.00 × 15/30 = −40.00; 12 × 8.00 (all seats in tier 2) × 15/30 = 48.00
    expect(lines.map((line) => line.amount.toFixed(2))).toEqual(["-40.00", "48.00"]);
  });

  it("refuses a change outside the period", () => {
    const late = { ...change, change_at: april.end }; // [start, end): the end belongs to the next period
    expect(thrown(() => prorateItemChange(late))).toMatchObject({ code: "change_outside_period", param: "change_at" });
  });
});

describe("prorateCancellation", () => {
  const cancellation = {
    period: april,
    cancel_at: at(april, "2024-04-21T00:00"),
    time_zone: NY,
    currency: "USD",
    item: seats("10"),
  };

  it.each<[ProrationBehavior, string[], boolean]>([
    ["create_prorations", ["-33.33"], false], // −10 × 10.00 × 10/30 = −33.333…
    ["always_invoice", ["-33.33"], true],
    ["none", [], false], // cancelled without a credit
  ])("%s", (behavior, amounts, now) => {
    const result = prorateCancellation({ ...cancellation, behavior });
    expect(result.lines.map((line) => line.amount.toFixed(2))).toEqual(amounts);
    expect(result.invoice_now).toBe(now);
  });
});

describe("prorateIntervalChange", () => {
  const upgrade = {
    period: april,
    change_at: at(april, "2024-04-11T00:00"),
    time_zone: NY,
    currency: "USD",
    from: perUnitItem("Pro (monthly)", d("1"), d("50.00")),
  };

  // The cycle restarts at the change: only the unused old time is a line; the billing run bills the new year.
  it.each<[ProrationBehavior, string[], boolean]>([
    ["create_prorations", ["-33.33"], false], // −50.00 × 20 d / 30 d = −33.333…
    ["always_invoice", ["-33.33"], true],
    ["none", [], false],
  ])("monthly → annual mid-period, %s", (behavior, amounts, now) => {
    const result = prorateIntervalChange({ ...upgrade, behavior });
    expect(result.lines.map((line) => line.amount.toFixed(2))).toEqual(amounts);
    expect(result.invoice_now).toBe(now);
    expect(result.lines.every((line) => line.proration)).toBe(true);
  });

  it("names the unused span on the customer's clock", () => {
    const [credit] = prorateIntervalChange({ ...upgrade, behavior: "create_prorations" }).lines;
    expect(credit?.description).toBe(
      "Unused time on 1 × Pro (monthly) from 2024-04-11 00:00 to 2024-05-01 00:00 (America/New_York)",
    );
  });
});

describe("seatTrueUp", () => {
  const day = (n: number) => at(april, `2024-04-${String(n).padStart(2, "0")}T09:00`);
  const perSeat = (price: string) => (count: Decimal) => count.times(price);
  const input = { period: april, seats_at_start: 10, description: "Seat", currency: "USD" };

  it.each<[string, SeatChange[], (count: Decimal) => Decimal, number, number, string | undefined]>([
    // highest 12 held; 10 billed in advance: (12 − 10) × 10.00 for the whole period, no proration
    [
      "up to 12, down to 8",
      [
        { at: day(5), seats: 12 },
        { at: day(20), seats: 8 },
      ],
      perSeat("10.00"),
      12,
      8,
      "20.00",
    ],
    [
      "the same, listed out of order",
      [
        { at: day(20), seats: 8 },
        { at: day(5), seats: 12 },
      ],
      perSeat("10.00"),
      12,
      8,
      "20.00",
    ],
    // a decrease is not credited this period: the next one bills 7 in advance
    ["down to 7 only", [{ at: day(10), seats: 7 }], perSeat("10.00"), 10, 7, undefined],
    ["no changes", [], perSeat("10.00"), 10, 10, undefined],
    // graduated: 12 seats = 10 × 10.00 + 2 × 8.00 = 116.00; 10 billed = 100.00: 16.00, not 2 × 10.00
    ["graduated seat tiers", [{ at: day(5), seats: 12 }], tiered("graduated"), 12, 12, "16.00"],
    // volume: 12 seats = 12 × 8.00 = 96.00 < 100.00 billed; true-up mode never credits mid-period
    ["volume seat tiers below the cliff", [{ at: day(5), seats: 12 }], tiered("volume"), 12, 12, undefined],
    // 11 × 0.333 = 3.663 → 3.66; 10 × 0.333 = 3.33: the two lines add up to the 11-seat charge
    ["sub-cent seat price", [{ at: day(5), seats: 11 }], perSeat("0.333"), 11, 11, "0.33"],
  ])("%s", (_name, changes, price_for_period, highest, atEnd, amount) => {
    const result = seatTrueUp({ ...input, changes, price_for_period });
    expect([result.seats_billed, result.seats_highest, result.seats_at_end]).toEqual([10, highest, atEnd]);
    expect(result.line?.amount.toFixed(2)).toBe(amount);
  });

  it("bills the rise for the whole period", () => {
    const { line } = seatTrueUp({ ...input, changes: [{ at: day(29), seats: 15 }], price_for_period: perSeat("10") });
    expect(line).toMatchObject({
      description: "Seat true-up: 5 × Seat, 15 held at most, 10 billed in advance",
      explanation: "150.00 USD for 15 seats − 100.00 USD billed for 10 = 50.00 USD",
      proration: false,
    });
    expect([line?.period_start, line?.period_end]).toEqual([april.start, april.end]);
  });

  it.each<[string, number, SeatChange[], string, string]>([
    ["fractional seats", 10, [{ at: day(5), seats: 1.5 }], "invalid_seat_count", "changes[0].seats"],
    ["negative seats at the start", -1, [], "invalid_seat_count", "seats_at_start"],
    ["a change after the period", 10, [{ at: april.end, seats: 12 }], "change_outside_period", "changes[0].at"],
  ])("refuses %s", (_name, seats_at_start, changes, code, param) => {
    const action = () => seatTrueUp({ ...input, seats_at_start, changes, price_for_period: perSeat("10") });
    expect(thrown(action)).toMatchObject({ code, param });
  });
});

/** Seats priced by the catalog: 10.00 each up to 10, 8.00 above. */
function tiered(kind: "graduated" | "volume") {
  const tiers = [
    { up_to: "10", unit_amount: "10.00" },
    { up_to: null, unit_amount: "8.00" },
  ];
  const model = validateChargeModel({ kind, tiers }, "USD");
  return (count: Decimal) => chargeBeforeRounding(model, count);
}

describe("anchor on the 31st through February of a leap year", () => {
  const schedule = {
    start: Temporal.Instant.from("2024-01-31T05:00:00Z"), // Jan 31 00:00 in New York
    timeZone: NY,
    interval: MONTHLY,
    anchor: { kind: "day_of_month", day: 31 } as const,
  };

  it.each([
    [0, "2024-01-31", "2024-02-29", 29], // clamped to Feb 29 in a leap year
    [1, "2024-02-29", "2024-03-31", 31], // back on the 31st: computed from the anchor, not Feb 29 + 1 month
    [2, "2024-03-31", "2024-04-30", 30],
    [3, "2024-04-30", "2024-05-31", 31],
  ])("period %i runs %s to %s (%i days)", (index, start, end, days) => {
    const period = billingPeriod(schedule, index);
    expect(period.startLocal.toPlainDate().toString()).toBe(start);
    expect(period.endLocal.toPlainDate().toString()).toBe(end);
    expect(period.startLocal.toPlainDate().until(period.endLocal.toPlainDate()).days).toBe(days);
  });

  it("prorates inside the short period by its own length", () => {
    const february = billingPeriod(schedule, 0);
    const { lines } = prorateItemChange({
      period: february,
      change_at: at(february, "2024-02-15T00:00"),
      time_zone: NY,
      currency: "USD",
      behavior: "create_prorations",
      from: seats("1"),
      to: seats("2"),
    });
    // 14 of 29 days: −10.00 × 14/29 = −4.8275…; 20.00 × 14/29 = 9.6551…
    expect(lines.map((line) => line.amount.toFixed(2))).toEqual(["-4.83", "9.66"]);
  });
});

describe("parseProrationBehavior", () => {
  it("reads the three behaviours and refuses others", () => {
    expect(parseProrationBehavior("always_invoice")).toBe("always_invoice");
    expect(thrown(() => parseProrationBehavior("prorate"))).toMatchObject({
      code: "invalid_proration_behavior",
      param: "proration_behavior",
    });
  });
});
