import { registerErrorCodes } from "../kernel/errors.js";

/**
 * The access module's stable error codes and how the API answers each.
 * Registered on load: model.ts imports this file, and every access service imports model.ts.
 */
registerErrorCodes({
  invalid_credentials: "unauthenticated",
  sign_in_throttled: "rate_limited",
  unauthenticated: "unauthenticated",
  csrf_token_invalid: "forbidden",
  permission_denied: "forbidden",
  role_escalation: "forbidden",
  role_unknown: "invalid",
  password_too_short: "invalid",
  password_too_long: "invalid",
  email_invalid: "invalid",
  api_key_secret_invalid: "invalid",
  email_taken: "conflict",
  api_key_revoked: "conflict",
  approval_not_pending: "conflict",
  approval_self_decision: "forbidden",
  approval_handler_missing: "invalid",
  user_not_found: "not_found",
  api_key_not_found: "not_found",
  approval_not_found: "not_found",
});
