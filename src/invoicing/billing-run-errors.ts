import { registerErrorCodes } from "../kernel/errors.js";

/** Error codes of billing runs and the upcoming-invoice preview. */
export const billingRunErrors = registerErrorCodes({
  billing_run_not_found: "not_found",
  billing_run_conflict: "conflict",
  upcoming_invoice_none: "not_found",
});
