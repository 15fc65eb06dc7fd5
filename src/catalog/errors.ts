import { registerErrorCodes } from "../kernel/errors.js";

/** The catalog's stable error codes and how the API answers each. */
export const catalogErrors = registerErrorCodes({
  // A price definition that could never rate anything correctly.
  invalid_charge_model: "invalid",
  invalid_price: "invalid",
  invalid_tiers: "invalid",
  invalid_package_size: "invalid",
  invalid_percent: "invalid",
  invalid_minimum: "invalid",
  invalid_override: "invalid",
  invalid_price_versions: "invalid",
  invalid_commitment: "invalid",
  // A quantity or transaction amount handed to rating.
  invalid_quantity: "invalid",
  // No version of the price was in effect at the instant asked about.
  price_version_not_found: "not_found",
});
