import { Temporal } from "temporal-polyfill";
import { assertNever, DomainError } from "../kernel/errors.js";
import { allocate, Decimal, parseAmount, parseCurrencyAmount, roundToMinor } from "../kernel/money.js";

/**
 * Coupons and the discounts they grant. A coupon is the offer (20 % off for
 * 3 months, 50 EUR off once); a discount is one coupon redeemed by a customer
 * or a subscription, counting the invoices it has already reduced.
 */

export type CouponValue =
  | { type: "percent"; percent_off: string }
  | { type: "fixed"; amount_off: string; currency: string };

export type CouponDuration = { type: "once" } | { type: "repeating"; periods: number } | { type: "forever" };

export interface Coupon {
  id: string;
  name: string;
  value: CouponValue;
  duration: CouponDuration;
  /** Across all customers; null: unlimited. */
  max_redemptions: number | null;
  /** The last day it can be redeemed, inclusive; null: no expiry. Discounts already granted keep running. */
  redeem_by: string | null;
}

/** A customer discount reduces every line; a subscription discount only that subscription's lines. */
export type DiscountScope = { type: "customer" } | { type: "subscription"; subscription_id: string };

export interface Discount {
  coupon: Coupon;
  scope: DiscountScope;
  /** How many invoices it has already reduced; `once` stops after 1, `repeating` after `periods`. */
  periods_applied: number;
}

/** Refuses a redemption past the coupon's date or count: `coupon_expired`, `coupon_max_redemptions_reached`. */
export function checkRedemption(coupon: Coupon, state: { times_redeemed: number; on: Temporal.PlainDate }): void {
  if (coupon.redeem_by !== null && Temporal.PlainDate.compare(state.on, coupon.redeem_by) > 0) {
    throw new DomainError("coupon_expired", `coupon ${coupon.id} could be redeemed until ${coupon.redeem_by}`, {
      param: "coupon",
    });
  }
  if (coupon.max_redemptions !== null && state.times_redeemed >= coupon.max_redemptions) {
    throw new DomainError(
      "coupon_max_redemptions_reached",
      `coupon ${coupon.id} was redeemed ${state.times_redeemed} times, its limit`,
      {
        param: "coupon",
      },
    );
  }
}

/** Whether the discount still reduces the next invoice. */
export function discountActive(discount: Discount): boolean {
  const { duration } = discount.coupon;
  switch (duration.type) {
    case "once":
      return discount.periods_applied < 1;
    case "repeating":
      return discount.periods_applied < duration.periods;
    case "forever":
      return true;
    default:
      return assertNever(duration, "coupon duration");
  }
}

export interface DiscountableLine {
  /** The line's rounded amount. Negative lines (proration credits) are never discounted further. */
  amount: Decimal;
  subscription_id: string | null;
}

export interface AppliedDiscount {
  coupon_id: string;
  /** Per line, in line order, each in minor units; zero for lines outside its scope. */
  line_amounts: Decimal[];
  amount: Decimal;
}

/**
 * Percent-off coupons go first, then fixed amounts, each in the order given
 * and each on what the earlier ones left. Percent first means the customer's
 * "20 % off" is 20 % of the price they see, whichever order the coupons were
 * attached in. A percent discount is rounded once per line; a fixed amount is
 * spread over the lines in proportion to what is left of them with `allocate`,
 * so its parts add up to it exactly, and it is capped at what is left (a
 * 50-off coupon on a 30 invoice takes 30, and the rest is not carried over).
 */
export function applyDiscounts(
  lines: readonly DiscountableLine[],
  discounts: readonly Discount[],
  currency: string,
): AppliedDiscount[] {
  const remaining = lines.map((line) => Decimal.max(line.amount, 0));
  const ordered = [
    ...discounts.filter((d) => d.coupon.value.type === "percent"),
    ...discounts.filter((d) => d.coupon.value.type === "fixed"),
  ].filter(discountActive);
  return ordered.map((discount) => {
    const inScope = lines.map((line) => scopeCovers(discount.scope, line));
    const parts = discountParts(discount.coupon, remaining, inScope, currency);
    parts.forEach((part, index) => {
      remaining[index] = (remaining[index] as Decimal).minus(part);
    });
    return { coupon_id: discount.coupon.id, line_amounts: parts, amount: sum(parts) };
  });
}

function scopeCovers(scope: DiscountScope, line: DiscountableLine): boolean {
  return scope.type === "customer" || line.subscription_id === scope.subscription_id;
}

function discountParts(coupon: Coupon, remaining: readonly Decimal[], inScope: readonly boolean[], currency: string) {
  const base = remaining.map((amount, index) => (inScope[index] ? amount : new Decimal(0)));
  const { value } = coupon;
  switch (value.type) {
    case "percent": {
      const percent = parseAmount(value.percent_off, "coupon.percent_off");
      if (percent.isNegative() || percent.greaterThan(100)) {
        throw new DomainError("invalid_coupon", "percent_off is from 0 to 100", { param: "coupon.percent_off" });
      }
      return base.map((amount) => roundToMinor(amount.times(percent).div(100), currency));
    }
    case "fixed": {
      if (value.currency !== currency) {
        throw new DomainError(
          "coupon_currency_mismatch",
          `coupon ${coupon.id} is in ${value.currency}, the invoice in ${currency}`,
          {
            param: "coupon",
          },
        );
      }
      const available = sum(base);
      if (available.isZero()) return base;
      return allocate(
        Decimal.min(parseCurrencyAmount(value.amount_off, currency, "coupon.amount_off"), available),
        base,
        currency,
      );
    }
    default:
      return assertNever(value, "coupon value");
  }
}

function sum(amounts: readonly Decimal[]): Decimal {
  return amounts.reduce((total, amount) => total.plus(amount), new Decimal(0));
}
