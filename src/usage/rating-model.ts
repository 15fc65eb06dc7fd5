import { currencyMinorUnits, Decimal, formatAmountForApi, roundToMinor } from "../kernel/money.js";

/**
 * Pure rules of script-rated usage: which invoice line a charge is summed
 * into, how a period's charges become lines, and where a period has to be
 * split because the script version or the rate card changed inside it.
 *
 * A charge's amount is exact (quantity × unit price, lua-amounts.ts); a line
 * rounds the sum of its charges once, half away from zero, to the currency's
 * minor unit. So 8 % markup on shipments of 6.30, 6.30 and 6.30 is one line
 * of 18.90 × 0.08 = 1.512 → 1.51, not three charges of 0.50.
 */

/** A stored charge as the line builder needs it. */
export interface ChargeFigures {
  /** The event charged; null for a period-level charge from finalize (a minimum top-up). */
  event_id: string | null;
  code: string;
  description: string | null;
  dimensions: Record<string, string>;
  quantity: string;
  unit_price: string;
  /** Exact: quantity × unit_price, never rounded. */
  amount: string;
}

/** The invoice line a charge belongs to: its code and its dimensions in key order. */
export function lineKey(code: string, dimensions: Record<string, string>): string {
  const keys = Object.keys(dimensions);
  if (keys.length === 0) return code;
  keys.sort();
  return `${code}|${keys.map((key) => `${key}=${dimensions[key]}`).join(",")}`;
}

/** An invoice line's source id names its line key, so its charges can be found from it. */
export const USAGE_SOURCE_PREFIX = "usage:";

export interface UsageLineFigures {
  line_key: string;
  code: string;
  label: string;
  dimensions: Record<string, string>;
  quantity: string;
  /** Shown only when every charge of the line has the same unit price. */
  unit_price: string | null;
  /** The exact sum of the charges, rounded once to the currency's minor unit. */
  amount: string;
  /** The exact sum of the charges, before that rounding. */
  charges_amount: string;
  charges: number;
}

function labelOf(charge: ChargeFigures): string {
  const name = charge.description ?? charge.code;
  const dims = Object.keys(charge.dimensions)
    .sort()
    .map((key) => charge.dimensions[key]);
  return dims.length === 0 ? name : `${name} (${dims.join(", ")})`;
}

interface LineGroup {
  key: string;
  first: ChargeFigures;
  quantity: Decimal;
  amount: Decimal;
  units: Set<string>;
  count: number;
  /** Every charge of the line is a period-level one (no event): finalize's, such as a minimum top-up. */
  period_level: boolean;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * How a person sorts line texts: letters before punctuation matters, case
 * aside, numbers by value ("Shipping, carrier charge" before "Shipping
 * markup", "Zone 2" before "Zone 10"). Ties fall to code and dimensions in
 * character order, so the order never depends on the machine.
 */
const READING_ORDER = new Intl.Collator("en", { sensitivity: "base", ignorePunctuation: true, numeric: true });

/**
 * The order of a period's usage lines on the invoice and its PDF: by what
 * the line says (its description, or its charge code when it has none), so
 * the customer reads them alphabetically (READING_ORDER), then by code and dimensions (in
 * character order, so the same charges list the same way on every rating,
 * whatever order the events came in), with the period-level lines from
 * finalize (a minimum top-up) last, since they are measured against the
 * lines above them.
 */
function compareLines(a: LineGroup, b: LineGroup): number {
  return (
    Number(a.period_level) - Number(b.period_level) ||
    READING_ORDER.compare(a.first.description ?? a.first.code, b.first.description ?? b.first.code) ||
    byText(a.first.code, b.first.code) ||
    byText(a.key, b.key)
  );
}

/** One line per code and dimensions, in the order of compareLines. */
export function usageLineFigures(charges: readonly ChargeFigures[], currency: string): UsageLineFigures[] {
  const groups = new Map<string, LineGroup>();
  for (const charge of charges) {
    const key = lineKey(charge.code, charge.dimensions);
    const group = groups.get(key) ?? {
      key,
      first: charge,
      quantity: new Decimal(0),
      amount: new Decimal(0),
      units: new Set<string>(),
      count: 0,
      period_level: true,
    };
    group.quantity = group.quantity.plus(charge.quantity);
    group.amount = group.amount.plus(charge.amount);
    group.units.add(new Decimal(charge.unit_price).toString());
    group.count++;
    group.period_level &&= charge.event_id === null;
    groups.set(key, group);
  }
  return [...groups.values()].sort(compareLines).map((group) => ({
    line_key: group.key,
    code: group.first.code,
    label: labelOf(group.first),
    dimensions: group.first.dimensions,
    quantity: group.quantity.toString(),
    unit_price: group.units.size === 1 ? ([...group.units][0] as string) : null,
    amount: formatAmountForApi(roundToMinor(group.amount, currency), currency),
    charges_amount: exactAmountText(group.amount, currency),
    charges: group.count,
  }));
}

/**
 * What a usage line charges, said once: the charge's description with the
 * dimensions that split its lines. Quantity, unit price and period have
 * their own columns. A line whose amount is not its quantity × one unit price
 * (carrier charges passed through at their own prices, tiers, a minimum
 * lifting it) is stored as one unit of its amount, losing its quantity
 * (invoicing's billing-run-lines.ts), so its description carries it.
 */
export function usageLineDescription(line: {
  label: string;
  quantity: string;
  unit_price: string | null;
  amount: string;
  currency: string;
}): string {
  const unitsShown =
    line.unit_price !== null &&
    roundToMinor(new Decimal(line.quantity).times(line.unit_price), line.currency).eq(line.amount);
  return unitsShown ? line.label : `${line.label} — quantity ${line.quantity}`;
}

/**
 * Sums exact charge amounts per invoice line and rounds each line once: the
 * figure an invoice bills for them. Rating, re-rating and late adjustments
 * all compare amounts in this form, so a difference is one of rounded lines.
 */
export class LineTotals {
  private readonly lines = new Map<string, { code: string; quantity: Decimal; amount: Decimal }>();

  constructor(private readonly currency: string) {}

  add(line: string, charge: { code: string; quantity: string; amount: string }): void {
    const found = this.lines.get(line);
    if (found === undefined) {
      this.lines.set(line, {
        code: charge.code,
        quantity: new Decimal(charge.quantity),
        amount: new Decimal(charge.amount),
      });
      return;
    }
    found.quantity = found.quantity.plus(charge.quantity);
    found.amount = found.amount.plus(charge.amount);
  }

  /** Σ over lines of round(Σ charges of the line). */
  total(): Decimal {
    let total = new Decimal(0);
    for (const line of this.lines.values()) total = total.plus(roundToMinor(line.amount, this.currency));
    return total;
  }

  /** Per charge code: its quantity and the sum of its lines' rounded amounts. */
  byCode(): Map<string, { quantity: Decimal; amount: Decimal }> {
    const codes = new Map<string, { quantity: Decimal; amount: Decimal }>();
    for (const line of this.lines.values()) {
      const sum = codes.get(line.code) ?? { quantity: new Decimal(0), amount: new Decimal(0) };
      codes.set(line.code, {
        quantity: sum.quantity.plus(line.quantity),
        amount: sum.amount.plus(roundToMinor(line.amount, this.currency)),
      });
    }
    return codes;
  }
}

/** What the charges bill: Σ over their lines (code and dimensions) of the rounded line amount. */
export function ratedAmount(
  charges: readonly Pick<ChargeFigures, "code" | "dimensions" | "quantity" | "amount">[],
  currency: string,
): Decimal {
  const totals = new LineTotals(currency);
  for (const charge of charges) totals.add(lineKey(charge.code, charge.dimensions), charge);
  return totals.total();
}

/**
 * An exact amount for the API: at least the currency's minor-unit digits
 * ("1.50"), and every further digit it has ("0.504"). Charge amounts and
 * their sums are shown this way; line amounts go through formatAmountForApi.
 */
export function exactAmountText(amount: Decimal, currency: string): string {
  const digits = currencyMinorUnits(currency);
  const value = amount.isZero() ? new Decimal(0) : amount;
  return value.decimalPlaces() > digits ? value.toFixed() : value.toFixed(digits);
}

/**
 * The instants inside [start, end) where rating changes: a script version or
 * a rate card version taking effect. Sorted, without duplicates, with start
 * first, so consecutive pairs are the spans rated with one script and one card.
 */
export function ratingSpans(startMs: number, endMs: number, changesMs: readonly number[]): [number, number][] {
  const inside = [...new Set(changesMs.filter((ms) => ms > startMs && ms < endMs))].sort((a, b) => a - b);
  const points = [startMs, ...inside, endMs];
  return points.slice(1).map((until, i) => [points[i] as number, until]);
}

/** The difference a finalized period's re-rating bills, as the adjustment line reads it. */
export function adjustmentOf(rated: Decimal, invoiced: Decimal): Decimal {
  return rated.minus(invoiced);
}

/** "+12.50" or "-3.00": the sign is spelled out so nobody reads a credit as a charge. */
export function signedAmount(amount: Decimal, currency: string): string {
  const text = formatAmountForApi(amount.abs(), currency);
  return amount.isNegative() ? `-${text}` : `+${text}`;
}
