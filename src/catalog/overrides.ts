import { assertNever, DomainError } from "../kernel/errors.js";
import { Decimal } from "../kernel/money.js";
import type { ChargeModel, ChargeModelKind } from "./charge-models.js";
import { HUNDRED } from "./price-fields.js";
import type { Tier } from "./tiers.js";

/**
 * Per-customer overrides: a customer's own prices as a sparse patch over the
 * plan's model, stored on its own and resolved at rating time, so the plan's
 * other prices still reach the customer when the plan changes (Lago copies
 * the whole plan, and then they never do).
 */

export interface TierOverride {
  unit_amount?: Decimal;
  flat_amount?: Decimal;
}

/**
 * Tier boundaries are the plan's; only amounts are patched. null removes an
 * optional amount (no minimum for this customer).
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
