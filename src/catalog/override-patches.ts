import { DomainError } from "../kernel/errors.js";
import { type Decimal, parseCurrencyAmount } from "../kernel/money.js";
import { amountText, optionalText, withoutUndefined } from "./model.js";
import type { ChargeModelOverride, TierOverride } from "./overrides.js";
import { fieldsOf, parsePrice, refuseUnknownFields } from "./price-fields.js";

/**
 * Override patches as the API sends them and the database keeps them:
 * amounts as strings, null to remove an optional bound or the minimum,
 * tiers keyed by their index from 0.
 */

export interface OverridePatchJson {
  amount?: string;
  unit_amount?: string;
  package_amount?: string;
  percent?: string;
  transaction_minimum_amount?: string | null;
  transaction_maximum_amount?: string | null;
  minimum_amount?: string | null;
  tiers?: Record<string, { unit_amount?: string; flat_amount?: string }>;
}

const PATCH_AMOUNTS = ["amount", "unit_amount", "package_amount", "percent"] as const;
const PATCH_REMOVABLE = ["transaction_minimum_amount", "transaction_maximum_amount"] as const;
const PATCH_FIELDS = [...PATCH_AMOUNTS, ...PATCH_REMOVABLE, "minimum_amount", "tiers"];

function patchError(param: string, message: string): DomainError {
  return new DomainError("invalid_override", message, { param: `patch.${param}` });
}

function parseTierPatches(value: unknown): Record<number, TierOverride> {
  const fields = fieldsOf(value, "patch.tiers", "invalid_override");
  const tiers: Record<number, TierOverride> = {};
  for (const [key, tier] of Object.entries(fields)) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(key)) throw patchError(`tiers.${key}`, "tiers are keyed by index from 0");
    const tierFields = fieldsOf(tier, `patch.tiers.${key}`, "invalid_override");
    refuseUnknownFields(tierFields, ["unit_amount", "flat_amount"], `patch.tiers.${key}.`, "invalid_override");
    const read = (name: string) =>
      tierFields[name] === undefined
        ? undefined
        : parsePrice(tierFields[name], `patch.tiers.${key}.${name}`, "invalid_override");
    const patch = withoutUndefined({ unit_amount: read("unit_amount"), flat_amount: read("flat_amount") });
    if (Object.keys(patch).length === 0) throw patchError(`tiers.${key}`, "name the tier's unit_amount or flat_amount");
    tiers[Number(key)] = patch;
  }
  return tiers;
}

/**
 * Reads a sparse patch: amounts as strings, null to remove an optional bound
 * or the minimum. Whether the fields fit the price is applyOverride's call.
 */
export function parseOverridePatch(input: unknown, currency: string): ChargeModelOverride {
  const fields = fieldsOf(input, "patch", "invalid_override");
  refuseUnknownFields(fields, PATCH_FIELDS, "patch.", "invalid_override");
  if (Object.keys(fields).length === 0)
    throw new DomainError("invalid_override", "the patch changes nothing", { param: "patch" });
  const patch: ChargeModelOverride = {};
  for (const name of PATCH_AMOUNTS) {
    if (fields[name] !== undefined) patch[name] = parsePrice(fields[name], `patch.${name}`, "invalid_override");
  }
  for (const name of PATCH_REMOVABLE) {
    const value = fields[name];
    if (value !== undefined)
      patch[name] = value === null ? null : parsePrice(value, `patch.${name}`, "invalid_override");
  }
  const minimum = fields.minimum_amount;
  if (minimum !== undefined) {
    patch.minimum_amount = minimum === null ? null : parseCurrencyAmount(minimum, currency, "patch.minimum_amount");
    if (patch.minimum_amount?.isNegative()) throw patchError("minimum_amount", "minimum_amount must be zero or more");
  }
  if (fields.tiers !== undefined) patch.tiers = parseTierPatches(fields.tiers);
  return patch;
}

export function overridePatchJson(patch: ChargeModelOverride, currency: string): OverridePatchJson {
  const nullable = (value: Decimal | null | undefined) =>
    value === null ? null : value === undefined ? undefined : amountText(value, currency);
  const tiers =
    patch.tiers === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(patch.tiers).map(([index, tier]) => [
            index,
            withoutUndefined({
              unit_amount: optionalText(tier.unit_amount, currency),
              flat_amount: optionalText(tier.flat_amount, currency),
            }),
          ]),
        );
  return withoutUndefined({
    amount: optionalText(patch.amount, currency),
    unit_amount: optionalText(patch.unit_amount, currency),
    package_amount: optionalText(patch.package_amount, currency),
    percent: patch.percent?.toString(),
    transaction_minimum_amount: nullable(patch.transaction_minimum_amount),
    transaction_maximum_amount: nullable(patch.transaction_maximum_amount),
    minimum_amount: nullable(patch.minimum_amount),
    tiers,
  });
}
