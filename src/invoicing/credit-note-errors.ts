import { registerErrorCodes } from "../kernel/errors.js";

/** Error codes of the credit note service, beside the pure core's in errors.ts. */
export const creditNoteErrors = registerErrorCodes({
  credit_note_not_found: "not_found",
  invalid_credit_note_line: "invalid",
  invalid_credit_note_scope: "invalid",
  invoice_has_credit_notes: "conflict",
});
