import { registerErrorCodes } from "../kernel/errors.js";

/** The subscriptions module's stable error codes and how the API answers each. */
registerErrorCodes({
  invalid_proration_behavior: "invalid",
  invalid_seat_count: "invalid",
  // A change dated outside the period it is prorated against: the caller picked the wrong period.
  change_outside_period: "invalid",
});
