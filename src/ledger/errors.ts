import { registerErrorCodes } from "../kernel/errors.js";

/** The ledger's stable error codes and how the API answers each. */
export const ledgerErrors = registerErrorCodes({
  // A journal entry that could never be posted, whatever the state of the books.
  entry_unbalanced: "invalid",
  entry_lines_too_few: "invalid",
  entry_lines_too_many: "invalid",
  line_side_invalid: "invalid",
  amount_precision: "invalid",
  amount_out_of_range: "invalid",
  entry_key_invalid: "invalid",
  source_invalid: "invalid",
  account_code_invalid: "invalid",
  account_party_invalid: "invalid",
  reopen_reason_required: "invalid",
  // The state of the books forbids it now.
  period_closed: "conflict",
  period_already_closed: "conflict",
  period_not_closed: "conflict",
  entry_already_reversed: "conflict",
  reversal_not_reversible: "conflict",
  account_archived: "conflict",
  account_code_taken: "conflict",
  account_not_found: "not_found",
  entry_not_found: "not_found",
});
