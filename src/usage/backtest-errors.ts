import { registerErrorCodes } from "../kernel/errors.js";

/** Backtests' stable error codes; an event's own rating errors keep the script's codes (errors.ts). */
export const backtestErrors = registerErrorCodes({
  invalid_backtest_period: "invalid",
  backtest_customer_not_rated: "invalid",
  backtest_not_found: "not_found",
});
