import { registerErrorCodes } from "../kernel/errors.js";

export const webhookErrors = registerErrorCodes({
  webhook_endpoint_not_found: "not_found",
  webhook_delivery_not_found: "not_found",
  webhook_url_invalid: "invalid",
  webhook_url_insecure: "invalid",
  webhook_event_type_invalid: "invalid",
  webhook_endpoint_disabled: "conflict",
});
