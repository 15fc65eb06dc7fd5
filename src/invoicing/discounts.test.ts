import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { Decimal } from "../kernel/money.js";
import { applyDiscounts, type Coupon, checkRedemption, type Discount, discountActive } from "./discounts.js";

const coupon = (overrides: Partial<Coupon> = {}): Coupon => ({
  id: "coupon_1",
  name: "Launch",
  value: { type: "percent", percent_off: "25" },
  duration: { type: "once" },
  max_redemptions: null,
  redeem_by: null,
  ...overrides,
});

const discount = (c: Coupon, periods_applied: number): Discount => ({
  coupon: c,
  scope: { type: "customer" },
  periods_applied,
});

describe("discountActive", () => {
  it.each([
    [{ type: "once" } as const, 0, true],
    [{ type: "once" } as const, 1, false],
    [{ type: "repeating", periods: 3 } as const, 2, true], // the third invoice
    [{ type: "repeating", periods: 3 } as const, 3, false], // the fourth
    [{ type: "forever" } as const, 120, true],
  ])("%o after %i invoices → %s", (duration, periods, expected) => {
    expect(discountActive(discount(coupon({ duration }), periods))).toBe(expected);
  });
});

describe("checkRedemption", () => {
  const on = Temporal.PlainDate.from("2026-03-31");
  it.each([
    [coupon({ redeem_by: "2026-03-31" }), 0, null], // redeem_by is the last day, inclusive
    [coupon({ redeem_by: "2026-03-30" }), 0, "coupon_expired"],
    [coupon({ max_redemptions: 100 }), 99, null], // the 100th redemption
    [coupon({ max_redemptions: 100 }), 100, "coupon_max_redemptions_reached"],
  ])("%o redeemed %i times → %s", (c, times_redeemed, code) => {
    const attempt = () => checkRedemption(c, { times_redeemed, on });
    if (code === null) expect(attempt).not.toThrow();
    else expect(attempt).toThrow(expect.objectContaining({ code }));
  });
});

describe("applyDiscounts", () => {
  const lines = [
    { amount: new Decimal("19.99"), subscription_id: "sub_1" },
    { amount: new Decimal("-5.00"), subscription_id: "sub_1" },
  ];

  it("rounds a percent discount once per line and leaves credit lines alone", () => {
    const [applied] = applyDiscounts(lines, [discount(coupon(), 0)], "USD");
    expect(applied?.line_amounts.map(String)).toEqual(["5", "0"]); // 19.99 × 25 % = 4.9975 → 5.00; −5.00 is not discounted
  });

  it("refuses a fixed coupon in another currency", () => {
    const euros = coupon({ value: { type: "fixed", amount_off: "5", currency: "EUR" } });
    expect(() => applyDiscounts(lines, [discount(euros, 0)], "USD")).toThrow(
      expect.objectContaining({ code: "coupon_currency_mismatch" }),
    );
  });

  it("refuses a percentage above 100", () => {
    const silly = coupon({ value: { type: "percent", percent_off: "120" } });
    expect(() => applyDiscounts(lines, [discount(silly, 0)], "USD")).toThrow(
      expect.objectContaining({ code: "invalid_coupon" }),
    );
  });
});
