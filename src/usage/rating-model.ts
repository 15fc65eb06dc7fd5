import { Decimal, formatAmountForApi } from "../kernel/money.js";

/**
 * Pure rules of script-rated usage: which invoice line a charge is summed
 * into, how a period's charges become lines, and where a period has to be
 * split because the script version or the rate card changed inside it.
 */

/** A stored charge as the line builder needs it. */
export interface ChargeFigures {
  code: string;
  description: string | null;
  dimensions: Record<string, string>;
  quantity: string;
  unit_price: string;
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
  /** The sum of the charges' rounded amounts: the line is exactly its charges. */
  amount: string;
  charges: number;
}

function labelOf(charge: ChargeFigures): string {
  const name = charge.description ?? charge.code;
  const dims = Object.keys(charge.dimensions)
    .sort()
    .map((key) => charge.dimensions[key]);
  return dims.length === 0 ? name : `${name} (${dims.join(", ")})`;
}

/** One line per code and dimensions, in the order the codes first appear. */
export function usageLineFigures(charges: readonly ChargeFigures[], currency: string): UsageLineFigures[] {
  const groups = new Map<
    string,
    { first: ChargeFigures; quantity: Decimal; amount: Decimal; units: Set<string>; count: number }
  >();
  for (const charge of charges) {
    const key = lineKey(charge.code, charge.dimensions);
    const group = groups.get(key) ?? {
      first: charge,
      quantity: new Decimal(0),
      amount: new Decimal(0),
      units: new Set<string>(),
      count: 0,
    };
    group.quantity = group.quantity.plus(charge.quantity);
    group.amount = group.amount.plus(charge.amount);
    group.units.add(new Decimal(charge.unit_price).toString());
    group.count++;
    groups.set(key, group);
  }
  return [...groups].map(([key, group]) => ({
    line_key: key,
    code: group.first.code,
    label: labelOf(group.first),
    dimensions: group.first.dimensions,
    quantity: group.quantity.toString(),
    unit_price: group.units.size === 1 ? ([...group.units][0] as string) : null,
    amount: formatAmountForApi(group.amount, currency),
    charges: group.count,
  }));
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
