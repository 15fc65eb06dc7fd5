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
  invalid_currency_options: "invalid",
  invalid_billable_metric: "invalid",
  // A quantity or transaction amount handed to rating.
  invalid_quantity: "invalid",
  // A price or override may not take effect before now: what was billed stays billed.
  effective_from_in_past: "invalid",
  // A price on a plan is in the plan's currency; a price is rated only in its currencies.
  price_currency_mismatch: "invalid",
  price_currency_unavailable: "invalid",
  // The state of the catalog forbids it now.
  product_archived: "conflict",
  plan_archived: "conflict",
  price_archived: "conflict",
  commitment_archived: "conflict",
  price_override_ended: "conflict",
  // Versions and overrides are appended: a new one starts after the latest.
  price_version_out_of_order: "conflict",
  price_override_out_of_order: "conflict",
  // A new version whose tiers no longer fit a customer's override.
  price_override_incompatible: "conflict",
  product_not_found: "not_found",
  plan_not_found: "not_found",
  price_not_found: "not_found",
  price_override_not_found: "not_found",
  commitment_not_found: "not_found",
  // No version of the price was in effect at the instant asked about.
  price_version_not_found: "not_found",
  // Rate cards: named rates, versioned, changed only with a second person's approval.
  invalid_rate_code: "invalid",
  invalid_rate_value: "invalid",
  invalid_rate_card: "invalid",
  invalid_rate_change: "invalid",
  rate_card_exists: "conflict",
  rate_card_draft_open: "conflict",
  rate_card_version_out_of_order: "conflict",
  rate_card_version_not_editable: "conflict",
  rate_card_self_approval: "conflict",
  rate_card_approval_stale: "conflict",
  rate_card_version_not_pending: "conflict",
  rate_card_currency_mismatch: "conflict",
  rate_card_not_found: "not_found",
  rate_card_version_not_found: "not_found",
  // No default or customer version was in force at the instant asked about.
  rate_card_not_in_force: "not_found",
});
