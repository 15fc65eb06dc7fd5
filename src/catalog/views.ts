import type { Temporal } from "temporal-polyfill";
import { fromDate } from "../kernel/clock.js";
import { assert } from "../kernel/errors.js";
import { type Decimal, formatAmountForApi, parseAmount } from "../kernel/money.js";
import type { IntervalUnit } from "../kernel/periods.js";
import type { ChargeModel } from "./charge-models.js";
import type { CommitmentScope } from "./commitments.js";
import {
  type BillingTiming,
  type CatalogStatus,
  type ChargeModelJson,
  type ChargeModelsByCurrency,
  chargeModelJson,
  chargeModelsFromJson,
  currentVersion,
} from "./model.js";
import { type OverridePatchJson, parseOverridePatch } from "./override-patches.js";
import type { ChargeModelOverride } from "./overrides.js";
import type { CommitmentRow, PlanRow, PriceOverrideRow, PriceRow, PriceVersionRow, ProductRow } from "./store.js";

/** What the catalog hands out: API objects (amounts as strings) and, for other modules, typed values. */

const iso = (date: Date) => fromDate(date).toString();
const isoOrNull = (date: Date | null) => (date === null ? null : iso(date));

export interface Product {
  object: "product";
  id: string;
  name: string;
  description: string | null;
  unit_label: string | null;
  tax_code: string | null;
  status: CatalogStatus;
  metadata: Record<string, string>;
  created_at: string;
  updated_at: string;
}

export function productView(row: ProductRow): Product {
  return {
    object: "product",
    ...row,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

export interface Plan {
  object: "plan";
  id: string;
  name: string;
  description: string | null;
  interval: { unit: IntervalUnit; count: number };
  currency: string;
  billing_timing: BillingTiming;
  trial_days: number;
  status: CatalogStatus;
  metadata: Record<string, string>;
  created_at: string;
  updated_at: string;
}

export function planView(row: PlanRow): Plan {
  const { interval_unit, interval_count, ...rest } = row;
  return {
    object: "plan",
    ...rest,
    interval: { unit: interval_unit, count: interval_count },
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** One version of a price's amounts, as other modules rate with it. */
export interface PriceVersion {
  id: string;
  price_id: string;
  effective_from: Temporal.Instant;
  /** The price's main currency; `charge_models` always has it. */
  currency: string;
  charge_models: ChargeModelsByCurrency;
}

/**
 * Read once per row: a memoized row (a billing run prices the same few
 * versions for every subscription) is not parsed and validated again.
 * Versions are immutable, and so is what is read from them.
 */
const versionsRead = new WeakMap<PriceVersionRow, PriceVersion>();

export function priceVersionOf(row: PriceVersionRow, currency: string): PriceVersion {
  const known = versionsRead.get(row);
  if (known !== undefined && known.currency === currency) return known;
  const charge_models = chargeModelsFromJson(row.charge_models);
  assert(charge_models[currency] !== undefined, "every version prices the main currency");
  const version = {
    id: row.id,
    price_id: row.price_id,
    effective_from: fromDate(row.effective_from),
    currency,
    charge_models,
  };
  versionsRead.set(row, version);
  return version;
}

/** Amounts of one version: the main currency's model, and the others in currency_options. */
interface VersionAmounts {
  charge_model: ChargeModelJson;
  currency_options: Record<string, ChargeModelJson>;
}

function versionAmounts(version: PriceVersion): VersionAmounts {
  const main = version.charge_models[version.currency] as ChargeModel;
  const currency_options = Object.fromEntries(
    Object.entries(version.charge_models)
      .filter(([currency]) => currency !== version.currency)
      .map(([currency, model]) => [currency, chargeModelJson(model, currency)]),
  );
  return { charge_model: chargeModelJson(main, version.currency), currency_options };
}

export interface PriceVersionJson extends VersionAmounts {
  object: "price_version";
  id: string;
  price: string;
  effective_from: string;
  currency: string;
  created_at: string;
}

export function priceVersionView(row: PriceVersionRow, currency: string): PriceVersionJson {
  return {
    object: "price_version",
    id: row.id,
    price: row.price_id,
    effective_from: iso(row.effective_from),
    currency,
    ...versionAmounts(priceVersionOf(row, currency)),
    created_at: iso(row.created_at),
  };
}

export interface Price extends VersionAmounts {
  object: "price";
  id: string;
  product: string;
  plan: string | null;
  /** recurring: billed each period of its plan; one_off: sold alone, billed once. */
  type: "recurring" | "one_off";
  nickname: string | null;
  currency: string;
  billable_metric: string | null;
  status: CatalogStatus;
  metadata: Record<string, string>;
  /** The version whose amounts are shown: in effect now, or the first when none has started. */
  version: { id: string; effective_from: string };
  created_at: string;
  updated_at: string;
}

/** `versions` are the price's own; the view shows the one current at `now`. */
export function priceView(row: PriceRow, versions: readonly PriceVersionRow[], now: Temporal.Instant): Price {
  const current = currentVersion(
    versions.map((version) => priceVersionOf(version, row.currency)),
    now,
  );
  assert(current !== undefined, "a price is created with its first version");
  return {
    object: "price",
    id: row.id,
    product: row.product_id,
    plan: row.plan_id,
    type: row.plan_id === null ? "one_off" : "recurring",
    nickname: row.nickname,
    currency: row.currency,
    billable_metric: row.billable_metric,
    status: row.status,
    metadata: row.metadata,
    version: { id: current.id, effective_from: current.effective_from.toString() },
    ...versionAmounts(current),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

export interface PriceOverride {
  object: "price_override";
  id: string;
  price: string;
  customer: string;
  currency: string;
  patch: OverridePatchJson;
  effective_from: string;
  ended_at: string | null;
  created_at: string;
}

export function priceOverrideView(row: PriceOverrideRow): PriceOverride {
  return {
    object: "price_override",
    id: row.id,
    price: row.price_id,
    customer: row.customer_id,
    currency: row.currency,
    patch: row.patch,
    effective_from: iso(row.effective_from),
    ended_at: isoOrNull(row.ended_at),
    created_at: iso(row.created_at),
  };
}

export function overridePatchOf(row: PriceOverrideRow): ChargeModelOverride {
  return parseOverridePatch(row.patch, row.currency);
}

export interface Commitment {
  object: "commitment";
  id: string;
  plan: string | null;
  customer: string | null;
  amount: string;
  currency: string;
  scope: CommitmentScope;
  description: string | null;
  status: CatalogStatus;
  metadata: Record<string, string>;
  created_at: string;
  updated_at: string;
}

export function commitmentView(row: CommitmentRow): Commitment {
  return {
    object: "commitment",
    id: row.id,
    plan: row.plan_id,
    customer: row.customer_id,
    amount: formatAmountForApi(parseAmount(row.amount), row.currency),
    currency: row.currency,
    scope: row.scope,
    description: row.description,
    status: row.status,
    metadata: row.metadata,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** A commitment as invoicing uses it with trueUpLine. */
export interface CommitmentTerms {
  id: string;
  plan_id: string | null;
  customer_id: string | null;
  commitment_amount: Decimal;
  currency: string;
  scope: CommitmentScope;
}

export function commitmentTermsOf(row: CommitmentRow): CommitmentTerms {
  return {
    id: row.id,
    plan_id: row.plan_id,
    customer_id: row.customer_id,
    commitment_amount: parseAmount(row.amount),
    currency: row.currency,
    scope: row.scope,
  };
}
