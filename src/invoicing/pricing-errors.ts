import { registerErrorCodes } from "../kernel/errors.js";

/** Error codes of tax rates, coupons, discounts and customer credit balances. */
export const pricingErrors = registerErrorCodes({
  tax_rate_missing: "not_found",
  tax_rate_overlap: "conflict",
  coupon_not_found: "not_found",
  coupon_archived: "conflict",
  discount_not_found: "not_found",
  discount_ended: "conflict",
  discount_subscription_mismatch: "invalid",
  credit_balance_insufficient: "conflict",
});
