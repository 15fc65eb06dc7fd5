import { assert, DomainError } from "../kernel/errors.js";
import type { Decimal } from "../kernel/money.js";
import { fieldsOf, parsePrice, refuseUnknownFields, ZERO } from "./price-fields.js";

/**
 * Tiered prices: reading the bands and rating a quantity across them,
 * graduated (each band's units at its own price) or volume (every unit at the
 * price of the band the total lands in).
 */

/** One band of a tiered price; `up_to` is inclusive, null means no upper bound. */
export interface Tier {
  up_to: Decimal | null;
  unit_amount: Decimal;
  /** Charged once when any unit falls into the tier (graduated) or the total lands in it (volume). */
  flat_amount: Decimal;
}

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

/** Rating before the minimum: an exact amount and the steps that explain it (every charge model yields one). */
export interface Rating {
  amount: Decimal;
  tiers_applied: TierApplied[];
  unit_amount_effective?: Decimal;
  steps: string[];
}

/** Stripe allows 250 tiers; more is a generated table that belongs in a rate card. */
const TIERS_MAX = 250;
const TIER_FIELDS = ["up_to", "unit_amount", "flat_amount"];

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
export function parseTiers(value: unknown, param = "tiers"): Tier[] {
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
export function rateGraduated(tiers: readonly Tier[], quantity: Decimal): Rating {
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
export function rateVolume(tiers: readonly Tier[], quantity: Decimal): Rating {
  if (quantity.isZero()) return tieredRating([]);
  const index = tiers.findIndex((tier) => tier.up_to === null || quantity.lte(tier.up_to));
  const tier = tiers[index];
  assert(tier !== undefined, "validated tiers end unbounded");
  const from = tiers[index - 1]?.up_to ?? ZERO;
  return tieredRating([tierApplied(index, from, tier, quantity)], tier.unit_amount);
}
