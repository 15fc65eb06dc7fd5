import { registerErrorCodes } from "../kernel/errors.js";

/** Error codes of the draft review: the checklist gate, overrides and finalize approvals. */
export const reviewErrors = registerErrorCodes({
  invoice_review_blocked: "conflict",
  invoice_finding_not_found: "not_found",
  invoice_approval_stale: "conflict",
  invalid_review_settings: "invalid",
});
