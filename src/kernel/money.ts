import { Decimal as DecimalJs } from "decimal.js";
import { currencyMinorUnits } from "./currencies.js";
import { assert, DomainError } from "./errors.js";

export { CURRENCY_CODES, currencyMinorUnits, isCurrency, parseCurrency } from "./currencies.js";

/** Unit prices carry up to 12 decimal places (usage priced at 0.00042 a unit). */
export const AMOUNT_FRACTION_DIGITS_MAX = 12;
/** A nonillion (10^30) of anything is a typo or an attack, not an invoice. */
export const AMOUNT_INTEGER_DIGITS_MAX = 30;

/**
 * The Decimal every module uses for money, rates and quantities.
 *
 * Precision is twice the longest amount parseAmount accepts (30 + 12 digits),
 * so the sum or product of two accepted amounts (quantity × unit price) is
 * exact; only a division can round, and then in the 84th digit, far below a
 * minor unit. ROUND_HALF_UP is decimal.js's "half away from zero", the rule
 * DESIGN.md sets for line totals. The exponent limits keep toString() free of
 * "1e-7" notation, which PostgreSQL numeric and our API would reject.
 */
export const Decimal = DecimalJs.clone({
  precision: 2 * (AMOUNT_INTEGER_DIGITS_MAX + AMOUNT_FRACTION_DIGITS_MAX),
  rounding: DecimalJs.ROUND_HALF_UP,
  toExpNeg: -100,
  toExpPos: 100,
});
export type Decimal = DecimalJs;

/**
 * Canonical decimal text only. One leading zero at most ("0.5" yes, "007"
 * no): a padded number is usually a field shifted in a CSV or a code pasted
 * into an amount, and we would rather ask than guess. "-0" is accepted and
 * read as zero so a negative zero never reaches a ledger row.
 */
const AMOUNT_PATTERN = new RegExp(
  `^-?(?:0|[1-9][0-9]{0,${AMOUNT_INTEGER_DIGITS_MAX - 1}})(?:\\.[0-9]{1,${AMOUNT_FRACTION_DIGITS_MAX}})?$`,
);

function amountError(text: unknown, reason: string, param: string | undefined): DomainError {
  const shown = typeof text === "string" ? JSON.stringify(text.slice(0, 40)) : typeof text;
  return new DomainError("invalid_amount", `${shown} is not a valid amount: ${reason}`, {
    ...(param === undefined ? {} : { param }),
    details: { reason },
  });
}

/**
 * Reads an amount, rate or unit price sent as a string ("12.50", "0.00042",
 * "-3"). Numbers are refused: a JSON number has already been through a float.
 */
export function parseAmount(text: unknown, param?: string): Decimal {
  if (typeof text !== "string") {
    throw amountError(text, 'send amounts as strings, e.g. "12.50"', param);
  }
  if (!AMOUNT_PATTERN.test(text)) {
    throw amountError(
      text,
      `expected digits with an optional "-" and up to ${AMOUNT_FRACTION_DIGITS_MAX} decimals after a ".", ` +
        `no leading zeros, at most ${AMOUNT_INTEGER_DIGITS_MAX} digits before the point`,
      param,
    );
  }
  const amount = new Decimal(text);
  return amount.isZero() ? new Decimal(0) : amount;
}

/**
 * Reads an amount of money in a currency, which may not carry more decimals
 * than the currency's minor unit ("12.505" USD is refused, not rounded:
 * rounding is done once, at the invoice line, and never on input).
 */
export function parseCurrencyAmount(text: unknown, currency: string, param?: string): Decimal {
  const minorUnits = currencyMinorUnits(currency);
  const amount = parseAmount(text, param);
  if (amount.decimalPlaces() > minorUnits) {
    throw amountError(text, `${currency} amounts have at most ${minorUnits} decimals`, param);
  }
  return amount;
}

/** True when the amount needs no rounding to be kept in this currency. */
export function isInMinorUnits(amount: Decimal, currency: string): boolean {
  return amount.isFinite() && amount.decimalPlaces() <= currencyMinorUnits(currency);
}

/**
 * Rounds half away from zero to the currency's minor unit: 0.005 → 0.01 and
 * -0.005 → -0.01, so a refund mirrors the charge it reverses.
 */
export function roundToMinor(amount: Decimal, currency: string): Decimal {
  assert(amount.isFinite(), "money amounts are finite");
  const rounded = new Decimal(amount).toDecimalPlaces(currencyMinorUnits(currency), Decimal.ROUND_HALF_UP);
  return rounded.isZero() ? new Decimal(0) : rounded;
}

/**
 * The JSON form of an amount: exactly the currency's minor-unit digits
 * ("12.50" USD, "1000" JPY, "1.250" BHD). It does not round: an amount with
 * more digits reaching the API is a bug (a line that skipped roundToMinor),
 * and rounding here would hide it as a second, silent rounding.
 */
export function formatAmountForApi(amount: Decimal, currency: string): string {
  const minorUnits = currencyMinorUnits(currency);
  assert(
    isInMinorUnits(amount, currency),
    `${amount.toString()} ${currency} has more than ${minorUnits} decimals; round it at the line first`,
  );
  return (amount.isZero() ? new Decimal(0) : amount).toFixed(minorUnits);
}

/** Display never rounds more than this many decimals (Intl's limit is higher; nobody reads more). */
const DISPLAY_FRACTION_DIGITS_MAX = 20;

/**
 * Formats for people, in their locale: formatMoney(12.5, "EUR", "de-DE") is
 * "12,50 €". The amount reaches Intl as a decimal string, which Node 20 formats
 * digit for digit (a Number would lose digits past 2^53, and money.test.ts
 * proves the string path keeps them). At least the minor-unit digits are
 * shown, and more when the amount has them (a unit price of 0.00042 USD shows
 * as "$0.00042"), so the screen never shows a figure the ledger does not hold.
 * We pin the digits ourselves because CLDR shows HUF and IDR without decimals.
 */
export function formatMoney(amount: Decimal, currency: string, locale: string): string {
  const minorUnits = currencyMinorUnits(currency);
  assert(amount.isFinite(), "money amounts are finite");
  let formatter: Intl.NumberFormat;
  try {
    formatter = new Intl.NumberFormat(locale, {
      style: "currency",
      currency,
      minimumFractionDigits: minorUnits,
      maximumFractionDigits: Math.min(Math.max(minorUnits, amount.decimalPlaces()), DISPLAY_FRACTION_DIGITS_MAX),
    });
  } catch (error) {
    throw new DomainError("invalid_request", `${JSON.stringify(locale)} is not a valid locale`, {
      param: "locale",
      details: { cause: String(error) },
    });
  }
  const text = (amount.isZero() ? new Decimal(0) : amount).toFixed() as Intl.StringNumericLiteral;
  return formatter.format(text);
}

/** Reads one allocation weight; weights are ratios (seats, days, percentages), never negative. */
function parseWeight(weight: Decimal | string, index: number): Decimal {
  const param = `weights[${index}]`;
  const value = typeof weight === "string" ? parseAmount(weight, param) : new Decimal(weight);
  if (!value.isFinite() || value.isNegative()) {
    throw new DomainError("invalid_weights", `weight ${index} must be zero or more, got ${value.toString()}`, {
      param,
    });
  }
  return value;
}

/**
 * Allocation divides by the total weight exactly in integers, so it needs
 * enough digits for any weight a caller builds (1/3 at full precision has 84
 * digits, times an amount of 42). Only divToInt divides, which computes just
 * the integer digits, so the large precision costs nothing.
 */
const AllocationDecimal = Decimal.clone({ precision: 1_000 });

/**
 * Splits an amount into parts proportional to the weights, each in the
 * currency's minor units, that add up to the amount exactly. Installment
 * plans and proration across lines use it so no cent is lost or invented.
 *
 * Largest remainder: every part first gets the floor of its exact share in
 * minor units; the minor units left over (fewer than the number of parts) go
 * one each to the parts whose shares lost the most to the floor, the earliest
 * part winning a tie so the same input always splits the same way. A zero
 * weight gets zero. A negative amount (a credit) splits as the mirror image
 * of the positive one.
 */
export function allocate(amount: Decimal, weights: readonly (Decimal | string)[], currency: string): Decimal[] {
  const minorUnits = currencyMinorUnits(currency);
  assert(isInMinorUnits(amount, currency), `allocate takes an amount already rounded to ${currency}`);
  if (weights.length === 0) {
    throw new DomainError("invalid_weights", "at least one weight is needed to allocate an amount", {
      param: "weights",
    });
  }
  const parsed = weights.map((weight, index) => new AllocationDecimal(parseWeight(weight, index)));
  const weightTotal = parsed.reduce((sum, weight) => sum.plus(weight), new AllocationDecimal(0));
  if (weightTotal.isZero()) {
    throw new DomainError("invalid_weights", "the weights are all zero, so there is no proportion to split by", {
      param: "weights",
    });
  }

  const scale = new AllocationDecimal(10).pow(minorUnits);
  const unitsTotal = new AllocationDecimal(amount).abs().times(scale);
  const shares = parsed.map((weight, index) => {
    const numerator = unitsTotal.times(weight);
    const units = numerator.divToInt(weightTotal);
    // The remainder over the same denominator orders the shares' fractions without dividing.
    return { index, units, remainder: numerator.minus(units.times(weightTotal)) };
  });
  const unitsFloored = shares.reduce((sum, share) => sum.plus(share.units), new AllocationDecimal(0));
  const leftover = unitsTotal.minus(unitsFloored).toNumber();
  assert(Number.isInteger(leftover) && leftover >= 0 && leftover < shares.length, "floors leave < one unit per part");

  const byRemainder = [...shares].sort((a, b) => b.remainder.comparedTo(a.remainder) || a.index - b.index);
  for (const share of byRemainder.slice(0, leftover)) share.units = share.units.plus(1);

  return shares.map((share) => {
    const part = new Decimal(share.units).div(new Decimal(scale));
    if (part.isZero()) return new Decimal(0);
    return amount.isNegative() ? part.neg() : part;
  });
}
