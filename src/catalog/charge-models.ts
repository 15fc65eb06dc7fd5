import { Temporal } from "temporal-polyfill";
import { assert, assertNever, DomainError } from "../kernel/errors.js";
import {
  currencyMinorUnits,
  Decimal,
  formatAmountForApi,
  isInMinorUnits,
  parseAmount,
  parseCurrencyAmount,
  roundToMinor,
} from "../kernel/money.js";
import "./errors.js";

/**
 * Charge models: how a quantity held or used in a period becomes an amount.
 * Pure arithmetic over plain data. Tier, package and percentage amounts stay
 * exact until the line total, which is rounded once, half-up, to the currency.
 */

/** One band of a tiered price; `up_to` is inclusive, null means no upper bound. */
export interface Tier {
  up_to: Decimal | null;
  unit_amount: Decimal;
  /** Charged once when any unit falls into the tier (graduated) or the total lands in it (volume). */
  flat_amount: Decimal;
}

/** A charge per period no usage pushes the line below (the line says when it was lifted). */
interface Minimum {
  minimum_amount?: Decimal;
}

export type ChargeModel =
  | ({ kind: "flat"; amount: Decimal } & Minimum)
  | ({ kind: "per_unit"; unit_amount: Decimal } & Minimum)
  | ({ kind: "graduated"; tiers: readonly Tier[] } & Minimum)
  | ({ kind: "volume"; tiers: readonly Tier[] } & Minimum)
  | ({ kind: "package"; package_amount: Decimal; package_size: number; rounding: "up" | "down" } & Minimum)
  | ({
      kind: "percentage";
      percent: Decimal;
      transaction_minimum_amount?: Decimal;
      transaction_maximum_amount?: Decimal;
    } & Minimum);

export type ChargeModelKind = ChargeModel["kind"];
export type PercentageModel = Extract<ChargeModel, { kind: "percentage" }>;

export interface TierApplied {
  /** 0-based, the same index an override's `tiers` uses. */
  tier_index: number;
  /** The tier's band: above `from`, up to and including `to` (null: unbounded). */
  from: Decimal;
  to: Decimal | null;
  quantity: Decimal;
  unit_amount: Decimal;
  flat_amount: Decimal;
  /** Exact, unrounded: only the line total is rounded. */
  amount: Decimal;
}

export interface RatedCharge {
  /** The line amount, rounded once to the currency's minor unit, minimum included. */
  amount: Decimal;
  /** The one price every unit paid, where the model has one (per unit, volume). */
  unit_amount_effective?: Decimal;
  tiers_applied: TierApplied[];
  /** Present when the minimum charge lifted the line; `amount_before_minimum` is rounded. */
  minimum_applied?: { minimum_amount: Decimal; amount_before_minimum: Decimal };
  explanation: string;
}

const ZERO = new Decimal(0);
const HUNDRED = new Decimal(100);
/** Stripe allows 250 tiers; more is a generated table that belongs in a rate card. */
const TIERS_MAX = 250;
const PACKAGE_SIZE_MAX = 1_000_000_000_000;
/** The fields each kind reads; anything else is refused, so a misspelt minimum is not silently dropped. */
const FIELDS: Readonly<Record<ChargeModelKind, readonly string[]>> = {
  flat: ["amount"],
  per_unit: ["unit_amount"],
  graduated: ["tiers"],
  volume: ["tiers"],
  package: ["package_amount", "package_size", "rounding"],
  percentage: ["percent", "transaction_minimum_amount", "transaction_maximum_amount"],
};
const KINDS = Object.keys(FIELDS) as ChargeModelKind[];
const TIER_FIELDS = ["up_to", "unit_amount", "flat_amount"];

// ---------------------------------------------------------------- validation

type Fields = Readonly<Record<string, unknown>>;

function fieldsOf(value: unknown, param: string, code: string): Fields {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Fields;
  throw new DomainError(code, `${param} must be an object`, { param });
}

function refuseUnknownFields(fields: Fields, known: readonly string[], prefix: string, code: string): void {
  const unknown = Object.keys(fields).find((name) => !known.includes(name));
  if (unknown === undefined) return;
  const param = `${prefix}${unknown}`;
  throw new DomainError(code, `${param} is not a field of this price (expected ${known.join(", ")})`, { param });
}

/** A price or amount (up to 12 decimals, sent as a string) that may not be negative. */
function parsePrice(value: unknown, param: string, code = "invalid_price"): Decimal {
  const price = parseAmount(value, param);
  if (price.isNegative()) throw new DomainError(code, `${param} must be zero or more`, { param });
  return price;
}

function parseOptionalPrice(value: unknown, param: string): Decimal | undefined {
  return value === undefined || value === null ? undefined : parsePrice(value, param);
}

function parseTier(value: unknown, param: string): Tier {
  const fields = fieldsOf(value, param, "invalid_tiers");
  refuseUnknownFields(fields, TIER_FIELDS, `${param}.`, "invalid_tiers");
  if (fields.unit_amount === undefined && fields.flat_amount === undefined) {
    throw new DomainError("invalid_tiers", `${param} needs a unit_amount, a flat_amount or both`, { param });
  }
  const upTo = fields.up_to === null ? null : parsePrice(fields.up_to, `${param}.up_to`, "invalid_tiers");
  if (upTo?.isZero()) throw new DomainError("invalid_tiers", `${param}.up_to must be above 0`, { param });
  return {
    up_to: upTo,
    unit_amount: parsePrice(fields.unit_amount ?? "0", `${param}.unit_amount`, "invalid_tiers"),
    flat_amount: parsePrice(fields.flat_amount ?? "0", `${param}.flat_amount`, "invalid_tiers"),
  };
}

/** Tiers ascend strictly and the last is unbounded, so every quantity lands in exactly one tier. */
function parseTiers(value: unknown, param = "tiers"): Tier[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > TIERS_MAX) {
    throw new DomainError("invalid_tiers", `${param} must list 1 to ${TIERS_MAX} tiers`, { param });
  }
  const tiers = value.map((tier, index) => parseTier(tier, `${param}[${index}]`));
  tiers.forEach((tier, index) => {
    const isLast = index === tiers.length - 1;
    const previous = tiers[index - 1]?.up_to;
    if (isLast !== (tier.up_to === null)) {
      const message = isLast
        ? "the last tier must have up_to null (no upper bound)"
        : "only the last tier is unbounded";
      throw new DomainError("invalid_tiers", message, { param: `${param}[${index}].up_to` });
    }
    if (previous && tier.up_to && !tier.up_to.gt(previous)) {
      throw new DomainError("invalid_tiers", `up_to must rise from tier to tier`, {
        param: `${param}[${index}].up_to`,
      });
    }
  });
  return tiers;
}

function parsePackageSize(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > PACKAGE_SIZE_MAX) {
    throw new DomainError("invalid_package_size", "package_size must be a whole number of units, at least 1", {
      param: "package_size",
    });
  }
  return value;
}

function parsePercentage(fields: Fields): PercentageModel {
  const percent = parsePrice(fields.percent, "percent", "invalid_percent");
  if (percent.gt(HUNDRED)) throw new DomainError("invalid_percent", "percent must be 0 to 100", { param: "percent" });
  const low = parseOptionalPrice(fields.transaction_minimum_amount, "transaction_minimum_amount");
  const high = parseOptionalPrice(fields.transaction_maximum_amount, "transaction_maximum_amount");
  if (low && high && low.gt(high)) {
    throw new DomainError("invalid_price", "the transaction maximum is below the minimum", {
      param: "transaction_maximum_amount",
    });
  }
  return { kind: "percentage", percent, transaction_minimum_amount: low, transaction_maximum_amount: high };
}

function parseKindFields(kind: ChargeModelKind, fields: Fields): ChargeModel {
  switch (kind) {
    case "flat":
      return { kind, amount: parsePrice(fields.amount, "amount") };
    case "per_unit":
      return { kind, unit_amount: parsePrice(fields.unit_amount, "unit_amount") };
    case "graduated":
    case "volume":
      return { kind, tiers: parseTiers(fields.tiers) };
    case "package": {
      const rounding = fields.rounding ?? "up";
      if (rounding !== "up" && rounding !== "down") {
        throw new DomainError("invalid_charge_model", 'rounding must be "up" or "down"', { param: "rounding" });
      }
      const package_amount = parsePrice(fields.package_amount, "package_amount");
      return { kind, package_amount, package_size: parsePackageSize(fields.package_size), rounding };
    }
    case "percentage":
      return parsePercentage(fields);
    default:
      return assertNever(kind, "charge model kind");
  }
}

/**
 * Reads a charge model sent as JSON with amounts as strings. The currency is
 * the price's: a minimum charge is money the line may be lifted to, so it
 * must already be in the currency's minor units.
 */
export function validateChargeModel(input: unknown, currency: string): ChargeModel {
  const fields = fieldsOf(input, "charge_model", "invalid_charge_model");
  const kind = fields.kind;
  if (typeof kind !== "string" || !KINDS.includes(kind as ChargeModelKind)) {
    throw new DomainError("invalid_charge_model", `kind must be one of ${KINDS.join(", ")}`, { param: "kind" });
  }
  currencyMinorUnits(currency, "currency");
  refuseUnknownFields(
    fields,
    ["kind", "minimum_amount", ...FIELDS[kind as ChargeModelKind]],
    "",
    "invalid_charge_model",
  );
  const model = parseKindFields(kind as ChargeModelKind, fields);
  if (fields.minimum_amount === undefined || fields.minimum_amount === null) return model;
  const minimum = parseCurrencyAmount(fields.minimum_amount, currency, "minimum_amount");
  if (minimum.isNegative()) {
    throw new DomainError("invalid_minimum", "minimum_amount must be zero or more", { param: "minimum_amount" });
  }
  return { ...model, minimum_amount: minimum };
}

// ---------------------------------------------------------------- rating

/** Rating before the minimum: an exact amount and the steps that explain it. */
interface Rating {
  amount: Decimal;
  tiers_applied: TierApplied[];
  unit_amount_effective?: Decimal;
  steps: string[];
}

function checkQuantity(quantity: Decimal, param = "quantity"): void {
  if (!quantity.isFinite() || quantity.isNegative()) {
    throw new DomainError("invalid_quantity", `${param} must be zero or more`, { param });
  }
}

function tierApplied(tier_index: number, from: Decimal, tier: Tier, quantity: Decimal): TierApplied {
  const amount = quantity.times(tier.unit_amount).plus(tier.flat_amount);
  return {
    tier_index,
    from,
    to: tier.up_to,
    quantity,
    unit_amount: tier.unit_amount,
    flat_amount: tier.flat_amount,
    amount,
  };
}

function describeTier(applied: TierApplied): string {
  const band = applied.to === null ? `over ${applied.from}` : `over ${applied.from} up to ${applied.to}`;
  const flat = applied.flat_amount.isZero() ? "" : ` + ${applied.flat_amount} flat`;
  return `tier ${applied.tier_index + 1} (${band}): ${applied.quantity} × ${applied.unit_amount}${flat} = ${applied.amount}`;
}

function tieredRating(tiers_applied: TierApplied[], unit_amount_effective?: Decimal): Rating {
  const amount = tiers_applied.reduce((sum, tier) => sum.plus(tier.amount), ZERO);
  return { amount, tiers_applied, unit_amount_effective, steps: tiers_applied.map(describeTier) };
}

/** Each tier's units at that tier's price; a tier's flat fee once any unit reaches it. */
function rateGraduated(tiers: readonly Tier[], quantity: Decimal): Rating {
  const applied: TierApplied[] = [];
  let from = ZERO;
  for (const [index, tier] of tiers.entries()) {
    if (quantity.lte(from)) break;
    const ceiling = tier.up_to === null || quantity.lt(tier.up_to) ? quantity : tier.up_to;
    applied.push(tierApplied(index, from, tier, ceiling.minus(from)));
    if (tier.up_to === null) break;
    from = tier.up_to;
  }
  return tieredRating(applied);
}

/**
 * Every unit at the price of the tier the total lands in. Zero units land in
 * no tier, so a tier's flat fee is never charged for a period without use
 * (a fee for merely holding the price is a flat price or a minimum).
 */
function rateVolume(tiers: readonly Tier[], quantity: Decimal): Rating {
  if (quantity.isZero()) return tieredRating([]);
  const index = tiers.findIndex((tier) => tier.up_to === null || quantity.lte(tier.up_to));
  const tier = tiers[index];
  assert(tier !== undefined, "validated tiers end unbounded");
  const from = tiers[index - 1]?.up_to ?? ZERO;
  return tieredRating([tierApplied(index, from, tier, quantity)], tier.unit_amount);
}

function ratePackage(model: Extract<ChargeModel, { kind: "package" }>, quantity: Decimal): Rating {
  const exact = quantity.div(model.package_size);
  const packages = model.rounding === "up" ? exact.ceil() : exact.floor();
  const amount = packages.times(model.package_amount);
  const step = `${quantity} units in packages of ${model.package_size}, rounded ${model.rounding}: ${packages} × ${model.package_amount} = ${amount}`;
  return { amount, tiers_applied: [], steps: [step] };
}

/** Each transaction's fee is clamped on its own: the bounds are per transaction, not per period. */
function ratePercentage(model: PercentageModel, transaction_amounts: readonly Decimal[]): Rating {
  const { percent, transaction_minimum_amount: low, transaction_maximum_amount: high } = model;
  const steps: string[] = [];
  let amount = ZERO;
  transaction_amounts.forEach((transaction, index) => {
    checkQuantity(transaction, `transaction_amounts[${index}]`);
    // No transaction, no fee: a zero amount must not attract the per-transaction minimum.
    if (transaction.isZero()) return;
    const fee = transaction.times(percent).div(HUNDRED);
    const clamped = low && fee.lt(low) ? low : high && fee.gt(high) ? high : fee;
    const bound = clamped === fee ? "" : clamped === low ? ` → minimum ${low}` : ` → maximum ${clamped}`;
    steps.push(`${percent}% of ${transaction} = ${fee}${bound}`);
    amount = amount.plus(clamped);
  });
  return { amount, tiers_applied: [], steps };
}

function rateBeforeMinimum(model: ChargeModel, quantity: Decimal): Rating {
  switch (model.kind) {
    case "flat":
      return { amount: model.amount, tiers_applied: [], steps: [`flat ${model.amount} per period`] };
    case "per_unit": {
      const amount = quantity.times(model.unit_amount);
      const step = `${quantity} × ${model.unit_amount} = ${amount}`;
      return { amount, tiers_applied: [], unit_amount_effective: model.unit_amount, steps: [step] };
    }
    case "graduated":
      return rateGraduated(model.tiers, quantity);
    case "volume":
      return rateVolume(model.tiers, quantity);
    case "package":
      return ratePackage(model, quantity);
    case "percentage":
      return ratePercentage(model, [quantity]);
    default:
      return assertNever(model, "charge model");
  }
}

function finishRating(model: ChargeModel, rating: Rating, currency: string): RatedCharge {
  // Rounding is monotonic, so comparing the rounded usage with the minimum
  // agrees with chargeBeforeRounding, which compares before rounding.
  const before = roundToMinor(rating.amount, currency);
  const minimum = model.minimum_amount;
  const lifted = minimum !== undefined && before.lt(minimum);
  const amount = lifted ? roundToMinor(minimum, currency) : before;
  const shown = (value: Decimal) => `${formatAmountForApi(value, currency)} ${currency}`;
  const steps = rating.steps.length === 0 ? ["no units"] : rating.steps;
  const total = lifted ? `${shown(before)}, below the minimum, billed ${shown(amount)}` : shown(amount);
  return {
    amount,
    ...(rating.unit_amount_effective ? { unit_amount_effective: rating.unit_amount_effective } : {}),
    tiers_applied: rating.tiers_applied,
    ...(lifted ? { minimum_applied: { minimum_amount: minimum, amount_before_minimum: before } } : {}),
    explanation: `${steps.join("; ")}; total ${total}`,
  };
}

/**
 * The period's charge for a quantity. For a percentage price the quantity is
 * the amount of ONE transaction; rate many with priceTransactions, or the
 * per-transaction bounds would clamp their sum.
 */
export function priceQuantity(model: ChargeModel, quantity: Decimal, currency: string): RatedCharge {
  checkQuantity(quantity);
  return finishRating(model, rateBeforeMinimum(model, quantity), currency);
}

/** A percentage price over a period's transactions, each fee clamped to the per-transaction bounds. */
export function priceTransactions(
  model: PercentageModel,
  transaction_amounts: readonly Decimal[],
  currency: string,
): RatedCharge {
  return finishRating(model, ratePercentage(model, transaction_amounts), currency);
}

/**
 * The period's charge before rounding, minimum included. Proration needs it:
 * prorating a rounded figure would round twice.
 */
export function chargeBeforeRounding(model: ChargeModel, quantity: Decimal): Decimal {
  checkQuantity(quantity);
  const { amount } = rateBeforeMinimum(model, quantity);
  return model.minimum_amount !== undefined && amount.lt(model.minimum_amount) ? model.minimum_amount : amount;
}

// ---------------------------------------------------------------- per-customer overrides

export interface TierOverride {
  unit_amount?: Decimal;
  flat_amount?: Decimal;
}

/**
 * A customer's own prices as a sparse patch over the plan's model, stored on
 * its own and resolved at rating time, so the plan's other prices still reach
 * the customer when the plan changes (Lago copies the whole plan, and then
 * they never do). Tier boundaries are the plan's; only amounts are patched.
 * null removes an optional amount (no minimum for this customer).
 */
export interface ChargeModelOverride {
  amount?: Decimal;
  unit_amount?: Decimal;
  package_amount?: Decimal;
  percent?: Decimal;
  transaction_minimum_amount?: Decimal | null;
  transaction_maximum_amount?: Decimal | null;
  /** By 0-based tier index. */
  tiers?: Readonly<Record<number, TierOverride>>;
  minimum_amount?: Decimal | null;
}

const OVERRIDABLE: Readonly<Record<ChargeModelKind, readonly string[]>> = {
  flat: ["amount"],
  per_unit: ["unit_amount"],
  graduated: ["tiers"],
  volume: ["tiers"],
  package: ["package_amount"],
  percentage: ["percent", "transaction_minimum_amount", "transaction_maximum_amount"],
};

function overrideError(param: string, message: string): DomainError {
  return new DomainError("invalid_override", message, { param: `override.${param}` });
}

function checkOverrideAmount(value: unknown, param: string): void {
  if (value instanceof Decimal && (!value.isFinite() || value.isNegative())) {
    throw overrideError(param, `${param} must be zero or more`);
  }
}

function patchTiers(tiers: readonly Tier[], patch: ChargeModelOverride["tiers"]): Tier[] {
  const patched = [...tiers];
  for (const [key, tierPatch] of Object.entries(patch ?? {})) {
    const tier = /^(0|[1-9][0-9]*)$/.test(key) ? patched[Number(key)] : undefined;
    if (tier === undefined) throw overrideError(`tiers[${key}]`, `the price has no tier ${key} (tiers count from 0)`);
    checkOverrideAmount(tierPatch.unit_amount, `tiers[${key}].unit_amount`);
    checkOverrideAmount(tierPatch.flat_amount, `tiers[${key}].flat_amount`);
    patched[Number(key)] = { ...tier, ...definedOnly(tierPatch) };
  }
  return patched;
}

function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** A patched optional amount: undefined keeps the plan's, null removes it. */
function patchOptional(patch: Decimal | null | undefined, base: Decimal | undefined): Decimal | undefined {
  return patch === undefined ? base : (patch ?? undefined);
}

function patchKind(base: ChargeModel, patch: ChargeModelOverride): ChargeModel {
  switch (base.kind) {
    case "flat":
      return { ...base, amount: patch.amount ?? base.amount };
    case "per_unit":
      return { ...base, unit_amount: patch.unit_amount ?? base.unit_amount };
    case "graduated":
    case "volume":
      return { ...base, tiers: patchTiers(base.tiers, patch.tiers) };
    case "package":
      return { ...base, package_amount: patch.package_amount ?? base.package_amount };
    case "percentage":
      return {
        ...base,
        percent: patch.percent ?? base.percent,
        transaction_minimum_amount: patchOptional(patch.transaction_minimum_amount, base.transaction_minimum_amount),
        transaction_maximum_amount: patchOptional(patch.transaction_maximum_amount, base.transaction_maximum_amount),
      };
    default:
      return assertNever(base, "charge model");
  }
}

/** The model a customer is rated on: the plan's, with the customer's patch laid over it. */
export function applyOverride(base: ChargeModel, override: ChargeModelOverride): ChargeModel {
  for (const [name, value] of Object.entries(override)) {
    if (value === undefined || name === "minimum_amount") continue;
    if (!OVERRIDABLE[base.kind].includes(name)) throw overrideError(name, `a ${base.kind} price has no ${name}`);
    checkOverrideAmount(value, name);
  }
  checkOverrideAmount(override.minimum_amount, "minimum_amount");
  const model = patchKind(base, override);
  if (model.kind === "percentage") {
    const { percent, transaction_minimum_amount: low, transaction_maximum_amount: high } = model;
    if (percent.gt(HUNDRED)) throw overrideError("percent", "percent must be 0 to 100");
    if (low && high && low.gt(high)) throw overrideError("transaction_maximum_amount", "maximum below minimum");
  }
  return { ...model, minimum_amount: patchOptional(override.minimum_amount, base.minimum_amount) };
}

// ---------------------------------------------------------------- price versions

/**
 * The version in effect at an instant: each holds from its effective_from up
 * to the next one's, half-open, so an instant on a boundary takes the new price.
 */
export function priceVersionAt<Version extends { effective_from: Temporal.Instant }>(
  versions: readonly Version[],
  instant: Temporal.Instant,
): Version {
  const sorted = [...versions].sort((a, b) => Temporal.Instant.compare(a.effective_from, b.effective_from));
  let inEffect: Version | undefined;
  for (const [index, version] of sorted.entries()) {
    if (sorted[index + 1]?.effective_from.equals(version.effective_from)) {
      throw new DomainError("invalid_price_versions", `two versions take effect at ${version.effective_from}`, {
        param: "effective_from",
      });
    }
    if (Temporal.Instant.compare(version.effective_from, instant) <= 0) inEffect = version;
  }
  if (inEffect === undefined) {
    throw new DomainError("price_version_not_found", `no version of the price is in effect at ${instant}`);
  }
  return inEffect;
}

// ---------------------------------------------------------------- commitments

export interface TrueUpLine {
  /** The shortfall, billed so the period or term reaches the commitment. */
  amount: Decimal;
  description: string;
}

/**
 * The line that lifts spend to a committed minimum, or undefined when spend
 * reached it. `billed_amount` is the sum of the rounded lines the commitment
 * counts, over one period or the whole term; spend below zero (credits) counts
 * as zero, so the true-up never exceeds the commitment.
 */
export function trueUpLine(commitment: {
  commitment_amount: Decimal;
  billed_amount: Decimal;
  currency: string;
  scope: "period" | "term";
}): TrueUpLine | undefined {
  const { commitment_amount, billed_amount, currency, scope } = commitment;
  if (!isInMinorUnits(commitment_amount, currency) || commitment_amount.isNegative()) {
    throw new DomainError("invalid_commitment", `the commitment must be a ${currency} amount of zero or more`, {
      param: "commitment_amount",
    });
  }
  assert(isInMinorUnits(billed_amount, currency), "the billed amount is a sum of rounded lines");
  const counted = Decimal.max(billed_amount, ZERO);
  if (counted.gte(commitment_amount)) return undefined;
  const amount = commitment_amount.minus(counted);
  const shown = (value: Decimal) => `${formatAmountForApi(value, currency)} ${currency}`;
  const description = `Minimum commitment true-up for the ${scope}: committed ${shown(commitment_amount)}, billed ${shown(counted)}, shortfall ${shown(amount)}`;
  return { amount, description };
}
