import { Decimal, roundToMinor } from "../kernel/money.js";

/**
 * Quantities and unit prices come out of Lua as binary floats (or as decimal
 * strings when a script chose to return text). Each is read through its
 * shortest decimal form, the one JavaScript's String(number) prints and
 * which parses back to the same float: 0.1 is "0.1", not
 * 0.1000000000000000055511151231257827. Every amount is then quantity ×
 * unit price, computed exactly in decimal and rounded once, half away from
 * zero, to the currency's minor unit.
 *
 * Rating makes millions of these a second, so the common case (both factors
 * have at most 15 significant digits and the product fits in 2^53) is done
 * with integers scaled by a power of ten, which is exact; anything larger
 * goes through decimal.js. Both paths give the same digits (lua-amounts.test.ts
 * compares them).
 */

export interface DecimalText {
  /** Canonical decimal text: "12.5", "-0.00042", "3". */
  text: string;
  /** text as an integer and a power of ten (12.5 is 125, 1), or null when it does not fit in 2^53. */
  units: number | null;
  scale: number;
}

const SAFE = Number.MAX_SAFE_INTEGER;
const CACHE_MAX = 200_000;
const fromNumbers = new Map<number, DecimalText>();

function scaled(text: string): DecimalText {
  const negative = text.startsWith("-");
  const digits = negative ? text.slice(1) : text;
  const point = digits.indexOf(".");
  const whole = point < 0 ? digits : digits.slice(0, point) + digits.slice(point + 1);
  const scale = point < 0 ? 0 : digits.length - point - 1;
  const units = Number(whole);
  const fits = whole.length <= 15 && Number.isSafeInteger(units);
  return { text, units: fits ? (negative ? -units : units) : null, scale };
}

/** The shortest decimal form of a float, without exponent notation. */
export function decimalOfNumber(value: number): DecimalText {
  const found = fromNumbers.get(value);
  if (found !== undefined) return found;
  let text = String(value);
  if (text.includes("e")) text = new Decimal(text).toString();
  if (text === "-0") text = "0";
  const entry = scaled(text);
  if (fromNumbers.size >= CACHE_MAX) fromNumbers.clear();
  fromNumbers.set(value, entry);
  return entry;
}

const DECIMAL_TEXT = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;

/** A decimal string a script returned: canonical form only ("1.50", not "1.5e0" or " 1.5"). */
export function decimalOfText(text: string): DecimalText | null {
  if (!DECIMAL_TEXT.test(text) || text.length > 60) return null;
  return scaled(new Decimal(text).toString());
}

const POWERS = Array.from({ length: 16 }, (_, i) => 10 ** i);

function formatUnits(units: number, digits: number): string {
  const negative = units < 0;
  const text = String(Math.abs(units)).padStart(digits + 1, "0");
  const body = digits === 0 ? text : `${text.slice(0, text.length - digits)}.${text.slice(text.length - digits)}`;
  return negative && units !== 0 ? `-${body}` : body;
}

/** Integer path: exact while every intermediate stays below 2^53. */
function fastAmount(q: DecimalText, p: DecimalText, digits: number): string | null {
  if (q.units === null || p.units === null) return null;
  const product = q.units * p.units;
  if (!Number.isSafeInteger(product) || Math.abs(product) > SAFE / 16) return null;
  const scale = q.scale + p.scale;
  if (scale <= digits) {
    const up = POWERS[digits - scale];
    if (up === undefined || !Number.isSafeInteger(product * up)) return null;
    return formatUnits(product * up, digits);
  }
  const divisor = POWERS[scale - digits];
  if (divisor === undefined) return null;
  const magnitude = Math.abs(product);
  let whole = Math.floor(magnitude / divisor);
  let rest = magnitude - whole * divisor;
  if (rest < 0) {
    whole -= 1;
    rest += divisor;
  }
  if (2 * rest >= divisor) whole += 1; // half away from zero
  return formatUnits(product < 0 ? -whole : whole, digits);
}

function computeAmount(q: DecimalText, p: DecimalText, currency: string, digits: number): string {
  const fast = fastAmount(q, p, digits);
  if (fast !== null) return fast;
  return roundToMinor(new Decimal(q.text).times(p.text), currency).toFixed(digits);
}

/**
 * Amounts already worked out, by minor-unit digits, quantity and unit price
 * (the cached DecimalText objects of decimalOfNumber, so a lookup is two
 * identity hashes). Rating repeats the same pairs (1 × the first-unit pick
 * rate, 3 lines × the line rate) far more often than it meets new ones, and
 * formatting an amount cost more than the lookup. Cleared when full.
 */
const AMOUNTS_MAX = 200_000;
let amountCount = 0;
const amounts = new Map<number, Map<DecimalText, Map<DecimalText, string>>>();

/** quantity × unit price, rounded once to the currency's minor unit, as canonical text. */
export function lineAmount(q: DecimalText, p: DecimalText, currency: string, digits: number): string {
  let byQuantity = amounts.get(digits);
  if (byQuantity === undefined) {
    byQuantity = new Map();
    amounts.set(digits, byQuantity);
  }
  let byPrice = byQuantity.get(q);
  if (byPrice === undefined) {
    byPrice = new Map();
    byQuantity.set(q, byPrice);
  }
  let amount = byPrice.get(p);
  if (amount === undefined) {
    amount = computeAmount(q, p, currency, digits);
    if (amountCount >= AMOUNTS_MAX) {
      amounts.clear();
      amountCount = 0;
    }
    byPrice.set(p, amount);
    amountCount += 1;
  }
  return amount;
}
