import { assertNever, DomainError } from "../kernel/errors.js";
import {
  currencyMinorUnits,
  type Decimal,
  formatAmountForApi,
  parseCurrencyAmount,
  roundToMinor,
} from "../kernel/money.js";
import {
  checkQuantity,
  type Fields,
  fieldsOf,
  HUNDRED,
  parseOptionalPrice,
  parsePrice,
  refuseUnknownFields,
  ZERO,
} from "./price-fields.js";
import { parseTiers, type Rating, rateGraduated, rateVolume, type Tier, type TierApplied } from "./tiers.js";

/**
 * Charge models: how a quantity held or used in a period becomes an amount.
 * Pure arithmetic over plain data. Tier, package and percentage amounts stay
 * exact until the line total, which is rounded once, half-up, to the currency.
 */

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
const CHARGE_MODEL_KINDS = Object.keys(FIELDS) as ChargeModelKind[];

// ---------------------------------------------------------------- validation

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
  if (typeof kind !== "string" || !CHARGE_MODEL_KINDS.includes(kind as ChargeModelKind)) {
    const kinds = CHARGE_MODEL_KINDS.join(", ");
    throw new DomainError("invalid_charge_model", `kind must be one of ${kinds}`, { param: "kind" });
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
