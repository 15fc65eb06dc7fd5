import { DomainError } from "../kernel/errors.js";
import { Decimal, parseAmount } from "../kernel/money.js";
import "./errors.js";

/**
 * Reading the JSON fields of a price definition: objects, unknown fields and
 * non-negative amounts sent as strings. Shared by charge models and tiers.
 */

export type Fields = Readonly<Record<string, unknown>>;

export const ZERO = new Decimal(0);
export const HUNDRED = new Decimal(100);

export function fieldsOf(value: unknown, param: string, code: string): Fields {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Fields;
  throw new DomainError(code, `${param} must be an object`, { param });
}

export function refuseUnknownFields(fields: Fields, known: readonly string[], prefix: string, code: string): void {
  const unknown = Object.keys(fields).find((name) => !known.includes(name));
  if (unknown === undefined) return;
  const param = `${prefix}${unknown}`;
  throw new DomainError(code, `${param} is not a field of this price (expected ${known.join(", ")})`, { param });
}

/** A price or amount (up to 12 decimals, sent as a string) that may not be negative. */
export function parsePrice(value: unknown, param: string, code = "invalid_price"): Decimal {
  const price = parseAmount(value, param);
  if (price.isNegative()) throw new DomainError(code, `${param} must be zero or more`, { param });
  return price;
}

export function parseOptionalPrice(value: unknown, param: string): Decimal | undefined {
  return value === undefined || value === null ? undefined : parsePrice(value, param);
}

export function checkQuantity(quantity: Decimal, param = "quantity"): void {
  if (!quantity.isFinite() || quantity.isNegative()) {
    throw new DomainError("invalid_quantity", `${param} must be zero or more`, { param });
  }
}
