import { registerErrorCodes } from "../kernel/errors.js";

export const jobErrors = registerErrorCodes({
  job_not_found: "not_found",
  job_not_retryable: "conflict",
});
