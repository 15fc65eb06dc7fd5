import { Decimal } from "../kernel/money.js";

/**
 * Quantities and unit prices come out of Lua as binary floats (or as decimal
 * strings when a script chose to return text). Each is read through its
 * shortest decimal form, the one JavaScript's String(number) prints and
 * which parses back to the same float: 0.1 is "0.1", not
 * 0.1000000000000000055511151231257827. A charge's amount is then quantity ×
 * unit price, exact in decimal and not rounded: the invoice line rounds the
 * sum of its charges once (rating-model.ts), so 0.504 of markup on each of
 * three shipments bills 1.51, not 3 × 0.50.
 *
 * Rating makes millions of these a second, so the common case (both factors
 * have at most 15 significant digits and the product fits in 2^53) is done
 * with integers scaled by a power of ten, which is exact; anything larger
 * goes through decimal.js, with the precision to hold every digit. Both paths give the same digits (lua-amounts.test.ts
 * compares them).
 */

export interface DecimalText {
  /** Canonical decimal text: "12.5", "-0.00042", "3". */
  text: string;
  /** text as an integer and a power of ten (12.5 is 125, 1), or null when it does not fit in 2^53. */
  units: number | null;
  scale: number;
}

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

/** Canonical text of units × 10^-scale: no exponent, no trailing zeros after the point. */
function formatUnits(units: number, scale: number): string {
  let magnitude = Math.abs(units);
  let digits = scale;
  while (digits > 0 && magnitude % 10 === 0) {
    magnitude /= 10;
    digits--;
  }
  const text = String(magnitude).padStart(digits + 1, "0");
  const body = digits === 0 ? text : `${text.slice(0, text.length - digits)}.${text.slice(text.length - digits)}`;
  return units < 0 ? `-${body}` : body;
}

/** Integer path: exact while the product stays below 2^53. */
function fastAmount(q: DecimalText, p: DecimalText): string | null {
  if (q.units === null || p.units === null) return null;
  const product = q.units * p.units;
  if (!Number.isSafeInteger(product)) return null;
  return product === 0 ? "0" : formatUnits(product, q.scale + p.scale);
}

/**
 * Wide enough for the product of two 60-character decimals (decimalOfText's
 * limit) without rounding: the kernel's precision covers two accepted
 * amounts, a script may return longer text.
 */
const Exact = Decimal.clone({ precision: 130 });

function computeAmount(q: DecimalText, p: DecimalText): string {
  const fast = fastAmount(q, p);
  if (fast !== null) return fast;
  const product = new Exact(q.text).times(p.text);
  // toFixed() without digits never rounds and never writes an exponent.
  return product.isZero() ? "0" : product.toFixed();
}

/**
 * Amounts already worked out, by quantity and unit price (the cached
 * DecimalText objects of decimalOfNumber, so a lookup is two identity
 * hashes). Rating repeats the same pairs (1 × the first-unit pick rate,
 * 3 lines × the line rate) far more often than it meets new ones, and
 * formatting an amount cost more than the lookup. Cleared when full.
 */
const AMOUNTS_MAX = 200_000;
let amountCount = 0;
const amounts = new Map<DecimalText, Map<DecimalText, string>>();

/** quantity × unit price, exact (never rounded), as canonical decimal text: "0.504", "-3", "15.0544". */
export function chargeAmount(q: DecimalText, p: DecimalText): string {
  let byPrice = amounts.get(q);
  if (byPrice === undefined) {
    byPrice = new Map();
    amounts.set(q, byPrice);
  }
  let amount = byPrice.get(p);
  if (amount === undefined) {
    amount = computeAmount(q, p);
    if (amountCount >= AMOUNTS_MAX) {
      amounts.clear();
      amountCount = 0;
    }
    byPrice.set(p, amount);
    amountCount += 1;
  }
  return amount;
}

/** A charge's figures as text: what a quantity and a unit price read as, and their amount. */
export interface ChargeTexts {
  quantity: string;
  unit_price: string;
  amount: string;
}

const PAIR_SLOTS_MIN = 1 << 12;
const PAIR_SLOTS_MAX = 1 << 17;
const pairBits = new Float64Array(2);
const pairWords = new Int32Array(pairBits.buffer);

/**
 * The figures of a charge whose quantity and unit price are both finite
 * floats, by the two floats. Most charges are, and their pairs repeat, so
 * the pair is looked up at once in an open-addressed table keyed by the two
 * floats' bits: no number is boxed for a Map key and no object is made per
 * charge. A miss goes through decimalOfNumber and chargeAmount, so both
 * ways give the same text. The table doubles while it is half full, up to
 * PAIR_SLOTS_MAX, and then starts again empty.
 */
class PairTable {
  /** The two floats of each slot side by side (quantity at 2 × slot, unit price after it): one cache line to compare. */
  private keys = new Float64Array(2 * PAIR_SLOTS_MIN);
  private entries: (ChargeTexts | undefined)[] = new Array(PAIR_SLOTS_MIN).fill(undefined);
  private count = 0;

  private static slot(quantity: number, price: number, mask: number): number {
    pairBits[0] = quantity;
    pairBits[1] = price;
    let hash = Math.imul((pairWords[0] as number) ^ (pairWords[1] as number), 0x9e3779b1);
    hash ^= Math.imul((pairWords[2] as number) ^ (pairWords[3] as number), 0x85ebca6b);
    hash ^= hash >>> 15;
    return hash & mask;
  }

  figures(quantity: number, price: number): ChargeTexts {
    const mask = this.entries.length - 1;
    let slot = PairTable.slot(quantity, price, mask);
    for (;;) {
      const entry = this.entries[slot];
      if (entry === undefined) break;
      // 0 and -0 compare equal here and read the same ("0"), so either entry serves.
      if (this.keys[2 * slot] === quantity && this.keys[2 * slot + 1] === price) return entry;
      slot = (slot + 1) & mask;
    }
    const q = decimalOfNumber(quantity);
    const p = decimalOfNumber(price);
    const entry: ChargeTexts = { quantity: q.text, unit_price: p.text, amount: chargeAmount(q, p) };
    if ((this.count + 1) * 2 > this.entries.length) {
      this.resize(this.entries.length < PAIR_SLOTS_MAX ? this.entries.length * 2 : PAIR_SLOTS_MIN);
      slot = PairTable.slot(quantity, price, this.entries.length - 1);
      while (this.entries[slot] !== undefined) slot = (slot + 1) & (this.entries.length - 1);
    }
    this.put(slot, quantity, price, entry);
    return entry;
  }

  private put(slot: number, quantity: number, price: number, entry: ChargeTexts): void {
    this.keys[2 * slot] = quantity;
    this.keys[2 * slot + 1] = price;
    this.entries[slot] = entry;
    this.count += 1;
  }

  /** A table of `slots` with the entries that fit (none when it starts again at the minimum). */
  private resize(slots: number): void {
    const old = { keys: this.keys, entries: this.entries };
    this.keys = new Float64Array(2 * slots);
    this.entries = new Array(slots).fill(undefined);
    this.count = 0;
    if (slots < old.entries.length) return;
    const mask = slots - 1;
    for (let i = 0; i < old.entries.length; i++) {
      const entry = old.entries[i];
      if (entry === undefined) continue;
      const quantity = old.keys[2 * i] as number;
      const price = old.keys[2 * i + 1] as number;
      let slot = PairTable.slot(quantity, price, mask);
      while (this.entries[slot] !== undefined) slot = (slot + 1) & mask;
      this.put(slot, quantity, price, entry);
    }
  }
}

const pairs = new PairTable();

/** The figures of a charge with a finite float quantity and unit price: the same text as decimalOfNumber and chargeAmount give. */
export function numberFigures(quantity: number, price: number): ChargeTexts {
  return pairs.figures(quantity, price);
}
