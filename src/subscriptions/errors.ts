import { registerErrorCodes } from "../kernel/errors.js";

/** The subscriptions module's stable error codes and how the API answers each. */
registerErrorCodes({
  invalid_proration_behavior: "invalid",
  invalid_seat_count: "invalid",
  // A change dated outside the period it is prorated against: the caller picked the wrong period.
  change_outside_period: "invalid",
});

registerErrorCodes({
  subscription_not_found: "not_found",
  // The plan's currency must be the customer's: one invoice is in one currency.
  subscription_currency_mismatch: "invalid",
  // A price sold alone (no plan) is billed once by invoicing, never each period.
  price_not_recurring: "invalid",
  // Every item of a subscription is billed on one schedule, so its prices share interval, currency and timing.
  plan_terms_mismatch: "invalid",
  duplicate_subscription_price: "invalid",
  invalid_subscription_quantity: "invalid",
  invalid_subscription_date: "invalid",
  subscription_canceled: "conflict",
  subscription_paused: "conflict",
  subscription_not_paused: "conflict",
});
