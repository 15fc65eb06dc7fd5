import { registerErrorCodes } from "../kernel/errors.js";

/** The invoicing module's stable error codes and how the API answers each. */
export const invoicingErrors = registerErrorCodes({
  invoice_transition_invalid: "conflict",
  credit_note_transition_invalid: "conflict",
  credit_note_exceeds_invoice: "conflict",
  credit_note_exceeds_amount_due: "conflict",
  credit_note_invoice_not_finalized: "conflict",
  credit_note_line_not_found: "invalid",
  credit_note_empty: "invalid",
  coupon_expired: "conflict",
  coupon_max_redemptions_reached: "conflict",
  coupon_currency_mismatch: "invalid",
  invalid_coupon: "invalid",
  invalid_invoice_line: "invalid",
  invalid_tax_rate: "invalid",
  tax_rate_not_found: "invalid",
  invalid_number_series: "invalid",
  finalization_blocked: "conflict",
  invoice_not_found: "not_found",
  invoice_not_draft: "conflict",
  invoice_line_not_found: "not_found",
  invoice_item_not_found: "not_found",
  legal_entity_not_found: "not_found",
  legal_entity_exists: "conflict",
  legal_entity_prefix_taken: "conflict",
  invalid_legal_entity: "invalid",
});
