import { registerErrorCodes } from "../kernel/errors.js";

/** The test clocks' stable error codes; the API maps each kind to one HTTP status. */
export const testClockErrors = registerErrorCodes({
  test_clock_not_found: "not_found",
  test_clock_advancing: "conflict",
  test_clock_backwards: "invalid",
  test_clock_advance_too_far: "invalid",
});
