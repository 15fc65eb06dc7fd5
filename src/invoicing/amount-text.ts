import { currencyMinorUnits, Decimal, formatAmountForApi } from "../kernel/money.js";

/**
 * Stored numerics (PostgreSQL's text, or Decimal's toString) as the API
 * writes them, working on the digits instead of building a Decimal: the
 * views of a billing run's audit trail and events format millions of them.
 * Each gives exactly the text of its Decimal twin; anything outside plain
 * digits (an exponent, more decimals than the currency has) takes the twin.
 */

const PLAIN = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Our Decimal writes plain digits for exponents between -100 and 100 (money.ts); far inside those, this does too. */
const PLAIN_INTEGER_DIGITS_MAX = 90;
const LEADING_FRACTION_ZEROS_MAX = 90;

/** `new Decimal(text).toString()`. */
export function decimalText(text: string): string {
  const match = PLAIN.exec(text);
  if (match === null) return new Decimal(text).toString();
  const [, sign, whole = "", fraction = ""] = match;
  const integer = whole.replace(/^0+(?=\d)/, "");
  const decimals = fraction.replace(/0+$/, "");
  if (integer.length >= PLAIN_INTEGER_DIGITS_MAX) return new Decimal(text).toString();
  if (integer === "0") {
    if (decimals === "") return "0";
    // Far past any amount: Decimal switches to an exponent.
    const leading = decimals.length - decimals.replace(/^0+/, "").length;
    if (leading > LEADING_FRACTION_ZEROS_MAX) return new Decimal(text).toString();
  }
  return `${sign}${integer}${decimals === "" ? "" : `.${decimals}`}`;
}

/** `formatAmountForApi(new Decimal(text), currency)`: the minor unit's digits, zero without a sign. */
export function amountText(text: string, currency: string): string {
  const places = currencyMinorUnits(currency);
  const match = PLAIN.exec(text);
  const fraction = match?.[3] ?? "";
  const significant = fraction.replace(/0+$/, "");
  const whole = (match?.[2] ?? "").replace(/^0+(?=\d)/, "");
  if (match === null || significant.length > places || whole.length >= PLAIN_INTEGER_DIGITS_MAX) {
    return formatAmountForApi(new Decimal(text), currency);
  }
  const zero = /^0*$/.test(whole) && significant === "";
  const sign = zero ? "" : (match[1] ?? "");
  return places === 0 ? `${sign}${whole}` : `${sign}${whole}.${significant.padEnd(places, "0")}`;
}
