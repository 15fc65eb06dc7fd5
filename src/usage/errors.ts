import { registerErrorCodes } from "../kernel/errors.js";

/**
 * The usage module's stable error codes; the API maps each kind to one HTTP
 * status. Per-event codes (an event's `rejected` result) are listed too: the
 * same code names the problem in a batch result, a rejects file and the
 * rejections list.
 */
export const usageErrors = registerErrorCodes({
  // One event's problems.
  event_invalid: "invalid",
  event_field_missing: "invalid",
  event_field_invalid: "invalid",
  event_customer_not_found: "invalid",
  event_too_old: "invalid",
  event_in_future: "invalid",
  event_line_not_json: "invalid",
  event_line_too_long: "invalid",
  // Requests and stored objects.
  event_batch_too_large: "too_large",
  event_rejection_not_found: "not_found",
  event_rejection_resolved: "conflict",
  usage_settings_invalid: "invalid",
});

/** The codes an event's `rejected` result can carry. */
export type EventRejectionCode =
  | "event_invalid"
  | "event_field_missing"
  | "event_field_invalid"
  | "event_customer_not_found"
  | "event_too_old"
  | "event_in_future"
  | "event_line_not_json"
  | "event_line_too_long";

/** Meters and usage queries. */
export const meterErrors = registerErrorCodes({
  meter_not_found: "not_found",
  meter_code_taken: "conflict",
  meter_archived: "conflict",
  invalid_meter: "invalid",
  invalid_meter_filter: "invalid",
  invalid_meter_value_property: "invalid",
  invalid_meter_group_by: "invalid",
  invalid_usage_range: "invalid",
});

/** Lua charge scripts, their versions and test cases. */
export const scriptErrors = registerErrorCodes({
  // Compiling a script.
  script_syntax_error: "invalid",
  script_missing_charge: "invalid",
  script_invalid_finalize: "invalid",
  script_load_error: "invalid",
  // One event's rating problems (an unrated event carries one of these).
  script_runtime_error: "invalid",
  script_instruction_limit: "invalid",
  script_memory_limit: "invalid",
  script_string_limit: "invalid",
  script_invalid_charge: "invalid",
  // Stored scripts and versions.
  script_not_found: "not_found",
  script_version_not_found: "not_found",
  script_name_taken: "conflict",
  script_version_not_draft: "conflict",
  script_version_not_published: "conflict",
  script_version_pending_approval: "conflict",
  script_version_changed: "conflict",
  script_tests_failing: "conflict",
  script_no_version_effective: "not_found",
  invalid_script_test_case: "invalid",
  invalid_effective_from: "invalid",
});

/** Why one event could not be rated by a script. */
export type ScriptEventErrorCode =
  | "script_runtime_error"
  | "script_instruction_limit"
  | "script_memory_limit"
  | "script_string_limit"
  | "script_invalid_charge";

/** Rating periods, re-rating, explanations and reconciliations. */
export const ratingErrors = registerErrorCodes({
  usage_no_charge_script: "invalid",
  usage_period_invalid: "invalid",
  usage_period_finalized: "conflict",
  invoice_line_not_found: "not_found",
});
