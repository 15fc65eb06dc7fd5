import { Temporal } from "temporal-polyfill";
import { assertNever, DomainError } from "../kernel/errors.js";
import { type Decimal, formatAmountForApi, isInMinorUnits, parseAmount, parseCurrency } from "../kernel/money.js";
import { type ChargeModel, type RatedCharge, validateChargeModel } from "./charge-models.js";
import { fieldsOf } from "./price-fields.js";
import type { Tier } from "./tiers.js";

/**
 * The catalog's decisions around the arithmetic: charge models to and from
 * JSON (amounts as strings), a price's charge model per currency, when a new
 * version or override may start, and the preview's shape (override patches
 * are in override-patches.ts).
 * No I/O and no clock: `now` is always a parameter.
 */

export type CatalogStatus = "active" | "archived";
export type BillingTiming = "in_advance" | "in_arrears";

/** A price's charge model in each currency it is sold in; the main currency is always there. */
export type ChargeModelsByCurrency = Readonly<Record<string, ChargeModel>>;

interface TierJson {
  up_to: string | null;
  unit_amount: string;
  flat_amount: string;
}

interface MinimumJson {
  minimum_amount?: string;
}

export type ChargeModelJson =
  | ({ kind: "flat"; amount: string } & MinimumJson)
  | ({ kind: "per_unit"; unit_amount: string } & MinimumJson)
  | ({ kind: "graduated"; tiers: TierJson[] } & MinimumJson)
  | ({ kind: "volume"; tiers: TierJson[] } & MinimumJson)
  | ({ kind: "package"; package_amount: string; package_size: number; rounding: "up" | "down" } & MinimumJson)
  | ({
      kind: "percentage";
      percent: string;
      transaction_minimum_amount?: string;
      transaction_maximum_amount?: string;
    } & MinimumJson);

/** Currencies one price may be sold in; more is a price list, which belongs in a rate card. */
const CURRENCIES_PER_PRICE_MAX = 50;

// ---------------------------------------------------------------- amounts as text

/**
 * An amount as the analyst wrote it, canonically: money-sized amounts show the
 * currency's digits ("49.00", "0.80"), unit prices keep theirs ("0.00042").
 * Both forms read back to the same Decimal.
 */
export function amountText(value: Decimal, currency: string): string {
  return isInMinorUnits(value, currency) ? formatAmountForApi(value, currency) : value.toString();
}

export function optionalText(value: Decimal | undefined, currency: string): string | undefined {
  return value === undefined ? undefined : amountText(value, currency);
}

export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

function tierJson(tier: Tier, currency: string): TierJson {
  return {
    up_to: tier.up_to === null ? null : tier.up_to.toString(),
    unit_amount: amountText(tier.unit_amount, currency),
    flat_amount: amountText(tier.flat_amount, currency),
  };
}

/** The JSON form the API shows and the database keeps (jsonb, amounts as strings). */
export function chargeModelJson(model: ChargeModel, currency: string): ChargeModelJson {
  const minimum = optionalText(model.minimum_amount, currency);
  const text = (value: Decimal) => amountText(value, currency);
  switch (model.kind) {
    case "flat":
      return withoutUndefined({ kind: model.kind, amount: text(model.amount), minimum_amount: minimum });
    case "per_unit":
      return withoutUndefined({ kind: model.kind, unit_amount: text(model.unit_amount), minimum_amount: minimum });
    case "graduated":
    case "volume":
      return withoutUndefined({
        kind: model.kind,
        tiers: model.tiers.map((tier) => tierJson(tier, currency)),
        minimum_amount: minimum,
      });
    case "package":
      return withoutUndefined({
        kind: model.kind,
        package_amount: text(model.package_amount),
        package_size: model.package_size,
        rounding: model.rounding,
        minimum_amount: minimum,
      });
    case "percentage":
      return withoutUndefined({
        kind: model.kind,
        percent: model.percent.toString(),
        transaction_minimum_amount: optionalText(model.transaction_minimum_amount, currency),
        transaction_maximum_amount: optionalText(model.transaction_maximum_amount, currency),
        minimum_amount: minimum,
      });
    default:
      return assertNever(model, "charge model");
  }
}

export function chargeModelsJson(models: ChargeModelsByCurrency): Record<string, ChargeModelJson> {
  return Object.fromEntries(
    Object.entries(models).map(([currency, model]) => [currency, chargeModelJson(model, currency)]),
  );
}

/** Reads what chargeModelsJson wrote; stored models pass the same validation as new ones. */
export function chargeModelsFromJson(json: unknown): ChargeModelsByCurrency {
  const stored = fieldsOf(json, "charge_models", "invalid_charge_model");
  return Object.fromEntries(
    Object.entries(stored).map(([currency, model]) => [currency, validateChargeModel(model, currency)]),
  );
}

// ---------------------------------------------------------------- naming the field at fault

/**
 * Runs a reader whose errors name fields inside one part of the request, and
 * names them from the top: `tiers[1].up_to` becomes `charge_model.tiers[1].up_to`.
 * `replacing` swaps a prefix the reader uses for the one the API uses.
 */
export function withParamPrefix<T>(prefix: string, read: () => T, replacing = ""): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const inner = error.param ?? "";
    const local = replacing !== "" && inner.startsWith(replacing) ? inner.slice(replacing.length) : inner;
    const param = local === "" ? prefix.replace(/\.$/, "") : `${prefix}${local}`;
    throw new DomainError(error.code, error.message, { param, details: error.details });
  }
}

// ---------------------------------------------------------------- a price's currencies

/**
 * The charge model in the main currency and in each other currency the price
 * is sold in. Each currency has its own model: a euro price is set by the
 * analyst, never converted from the dollar one.
 */
export function readChargeModels(input: {
  currency: string;
  charge_model: unknown;
  currency_options?: Readonly<Record<string, unknown>> | undefined;
}): ChargeModelsByCurrency {
  const main = parseCurrency(input.currency, "currency");
  const models: Record<string, ChargeModel> = {
    [main]: withParamPrefix("charge_model.", () => validateChargeModel(input.charge_model, main)),
  };
  const options = Object.entries(input.currency_options ?? {});
  if (options.length + 1 > CURRENCIES_PER_PRICE_MAX) {
    throw new DomainError(
      "invalid_currency_options",
      `a price is sold in at most ${CURRENCIES_PER_PRICE_MAX} currencies`,
      {
        param: "currency_options",
      },
    );
  }
  for (const [code, model] of options) {
    const param = `currency_options.${code}`;
    const currency = parseCurrency(code, param);
    if (currency === main) {
      throw new DomainError("invalid_currency_options", `${main} is the main currency; its model is charge_model`, {
        param,
      });
    }
    models[currency] = withParamPrefix(`${param}.`, () => validateChargeModel(model, currency));
  }
  return models;
}

/** The model for one currency, or `price_currency_unavailable` naming the currencies there are. */
export function chargeModelIn(models: ChargeModelsByCurrency, currency: string, param = "currency"): ChargeModel {
  const model = models[currency];
  if (model !== undefined) return model;
  const offered = Object.keys(models).join(", ");
  throw new DomainError("price_currency_unavailable", `the price is not sold in ${currency} (only ${offered})`, {
    param,
  });
}

/**
 * The models of a new version: the parts sent replace the same parts of the
 * version it follows; `currency_options`, when sent, is the whole set of
 * other currencies (a currency left out is no longer offered from then on).
 */
export function nextVersionModels(
  previous: ChargeModelsByCurrency,
  mainCurrency: string,
  change: { charge_model?: unknown; currency_options?: Readonly<Record<string, unknown>> | undefined },
): ChargeModelsByCurrency {
  const keptOptions = Object.fromEntries(
    Object.entries(previous)
      .filter(([currency]) => currency !== mainCurrency)
      .map(([currency, model]) => [currency, chargeModelJson(model, currency)]),
  );
  const mainModel = chargeModelIn(previous, mainCurrency);
  return readChargeModels({
    currency: mainCurrency,
    charge_model: change.charge_model ?? chargeModelJson(mainModel, mainCurrency),
    currency_options: change.currency_options ?? keptOptions,
  });
}

/**
 * A metered price names the billable metric whose usage is its quantity. A
 * flat price charges the same whatever is used, so a metric on it is a mistake.
 */
export function checkBillableMetric(metric: string | null, models: ChargeModelsByCurrency): void {
  if (metric === null) return;
  if (Object.values(models).some((model) => model.kind === "flat")) {
    throw new DomainError(
      "invalid_billable_metric",
      "a flat price charges the same whatever is used; drop the metric",
      {
        param: "billable_metric",
      },
    );
  }
}

// ---------------------------------------------------------------- versions and overrides in time

/**
 * When a new version or override may start: not before now (what was billed
 * stays billed, and a subscription pinned to a version keeps it anyway), and
 * after the latest one (history is appended, never rewritten). The first
 * version of a new price may start in the past, for prices brought over
 * from another system along with their subscriptions.
 */
export function checkEffectiveFrom(options: {
  effective_from: Temporal.Instant;
  now: Temporal.Instant;
  latest: Temporal.Instant | undefined;
  what: "price_version" | "price_override";
}): void {
  const { effective_from, now, latest, what } = options;
  if (latest === undefined) return;
  if (Temporal.Instant.compare(effective_from, now) < 0) {
    throw new DomainError("effective_from_in_past", `effective_from ${effective_from} is before now (${now})`, {
      param: "effective_from",
    });
  }
  if (Temporal.Instant.compare(effective_from, latest) <= 0) {
    throw new DomainError(`${what}_out_of_order`, `the latest ${what.replace("_", " ")} starts at ${latest}`, {
      param: "effective_from",
    });
  }
}

/** What a price shows as its amounts now: the version in effect, or the first one when none has started yet. */
export function currentVersion<Version extends { effective_from: Temporal.Instant }>(
  versions: readonly Version[],
  now: Temporal.Instant,
): Version | undefined {
  const sorted = [...versions].sort((a, b) => Temporal.Instant.compare(a.effective_from, b.effective_from));
  const started = sorted.filter((version) => Temporal.Instant.compare(version.effective_from, now) <= 0);
  return started.at(-1) ?? sorted[0];
}

// ---------------------------------------------------------------- preview

export interface RatedChargeJson {
  amount: string;
  unit_amount_effective: string | null;
  tiers: {
    tier_index: number;
    from: string;
    to: string | null;
    quantity: string;
    unit_amount: string;
    flat_amount: string;
    amount: string;
  }[];
  minimum_applied: { minimum_amount: string; amount_before_minimum: string } | null;
  explanation: string;
}

/** The line amount in the currency's digits; tier amounts exact, as the explanation shows them. */
export function ratedChargeJson(rated: RatedCharge, currency: string): RatedChargeJson {
  const money = (value: Decimal) => formatAmountForApi(value, currency);
  return {
    amount: money(rated.amount),
    unit_amount_effective: rated.unit_amount_effective?.toString() ?? null,
    tiers: rated.tiers_applied.map((tier) => ({
      tier_index: tier.tier_index,
      from: tier.from.toString(),
      to: tier.to?.toString() ?? null,
      quantity: tier.quantity.toString(),
      unit_amount: tier.unit_amount.toString(),
      flat_amount: tier.flat_amount.toString(),
      amount: tier.amount.toString(),
    })),
    minimum_applied:
      rated.minimum_applied === undefined
        ? null
        : {
            minimum_amount: money(rated.minimum_applied.minimum_amount),
            amount_before_minimum: money(rated.minimum_applied.amount_before_minimum),
          },
    explanation: rated.explanation,
  };
}

/** A quantity to preview: a count of units, or for a percentage price one transaction's amount. */
export function parseQuantity(value: unknown, param = "quantity"): Decimal {
  const quantity = parseAmount(value, param);
  if (quantity.isNegative()) throw new DomainError("invalid_quantity", `${param} must be zero or more`, { param });
  return quantity;
}
