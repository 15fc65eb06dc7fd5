import { registerErrorCodes } from "../kernel/errors.js";

/** Error codes of the credit note service, beside the pure core's in errors.ts. */
export const creditNoteErrors = registerErrorCodes({
  credit_note_not_found: "not_found",
  invalid_credit_note_line: "invalid",
  invalid_credit_note_scope: "invalid",
  invoice_has_credit_notes: "conflict",
  credit_note_pending_approval: "conflict",
  credit_note_credit_applied: "conflict",
  credit_note_refund_executed: "conflict",
});
