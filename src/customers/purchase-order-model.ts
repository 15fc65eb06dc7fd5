import { Temporal } from "temporal-polyfill";
import { DomainError } from "../kernel/errors.js";
import { type Decimal, formatAmountForApi, isInMinorUnits, parseCurrencyAmount } from "../kernel/money.js";
import { parseDate } from "../kernel/time.js";
import { invalidField, optionalText } from "./fields.js";

/**
 * Purchase orders: the customer's authorisation to be invoiced, with a number
 * that must appear on the invoice, a validity window and often an amount cap.
 * Pure rules here; the service holds the row lock that makes consumption safe.
 *
 * The stored figures are the cap and the amount consumed; the remaining
 * balance is derived (cap − consumed), so the two can never drift apart.
 */
export interface PurchaseOrderTerms {
  number: string;
  description: string | null;
  /** Inclusive calendar dates in the customer's time zone; null: open-ended. */
  valid_from: string | null;
  valid_to: string | null;
  /** In the customer's currency; null: no cap. */
  amount_cap: string | null;
  active: boolean;
}

export interface PurchaseOrderInput {
  number: string;
  description?: string | null | undefined;
  valid_from?: string | null | undefined;
  valid_to?: string | null | undefined;
  amount_cap?: string | null | undefined;
  active?: boolean | undefined;
}

export type PurchaseOrderChanges = Partial<PurchaseOrderInput>;

export const PO_NUMBER_LENGTH_MAX = 64;

function checkNumber(value: string): string {
  const number = value.trim();
  if (number === "" || number.length > PO_NUMBER_LENGTH_MAX) {
    throw invalidField("parameter_invalid", `a PO number is 1 to ${PO_NUMBER_LENGTH_MAX} characters`, "number");
  }
  return number;
}

function checkDate(value: string | null, param: string): string | null {
  return value === null ? null : parseDate(value, param).toString();
}

function checkCap(value: string | null, currency: string): string | null {
  if (value === null) return null;
  const cap = parseCurrencyAmount(value, currency, "amount_cap");
  if (cap.isNegative()) throw new DomainError("invalid_amount", "a PO cap cannot be negative", { param: "amount_cap" });
  return formatAmountForApi(cap, currency);
}

function checkWindow(terms: PurchaseOrderTerms): PurchaseOrderTerms {
  if (terms.valid_from !== null && terms.valid_to !== null && terms.valid_to < terms.valid_from) {
    throw invalidField("purchase_order_dates_invalid", "valid_to is before valid_from", "valid_to");
  }
  return terms;
}

export function checkNewPurchaseOrder(input: PurchaseOrderInput, currency: string): PurchaseOrderTerms {
  return checkWindow({
    number: checkNumber(input.number),
    description: optionalText(input.description),
    valid_from: checkDate(input.valid_from ?? null, "valid_from"),
    valid_to: checkDate(input.valid_to ?? null, "valid_to"),
    amount_cap: checkCap(input.amount_cap ?? null, currency),
    active: input.active ?? true,
  });
}

/** A cap may be lowered, but never below what invoices have already consumed. */
export function applyPurchaseOrderChanges(
  before: PurchaseOrderTerms,
  changes: PurchaseOrderChanges,
  consumed: Decimal,
  currency: string,
): PurchaseOrderTerms {
  const after = checkWindow({
    number: changes.number === undefined ? before.number : checkNumber(changes.number),
    description: changes.description === undefined ? before.description : optionalText(changes.description),
    valid_from: changes.valid_from === undefined ? before.valid_from : checkDate(changes.valid_from, "valid_from"),
    valid_to: changes.valid_to === undefined ? before.valid_to : checkDate(changes.valid_to, "valid_to"),
    amount_cap: changes.amount_cap === undefined ? before.amount_cap : checkCap(changes.amount_cap, currency),
    active: changes.active ?? before.active,
  });
  if (after.amount_cap !== null && consumed.greaterThan(after.amount_cap)) {
    throw new DomainError(
      "purchase_order_cap_below_consumed",
      `invoices have already consumed ${formatAmountForApi(consumed, currency)} ${currency} of this PO`,
      { param: "amount_cap" },
    );
  }
  return after;
}

export type PurchaseOrderStanding = "usable" | "inactive" | "not_yet_valid" | "expired";

/** Whether an invoice dated `on` may cite this PO (the draft checklist asks the same). */
export function purchaseOrderStanding(terms: PurchaseOrderTerms, on: Temporal.PlainDate): PurchaseOrderStanding {
  if (!terms.active) return "inactive";
  if (terms.valid_from !== null && Temporal.PlainDate.compare(on, terms.valid_from) < 0) return "not_yet_valid";
  if (terms.valid_to !== null && Temporal.PlainDate.compare(on, terms.valid_to) > 0) return "expired";
  return "usable";
}

export function remainingBalance(terms: PurchaseOrderTerms, consumed: Decimal): Decimal | null {
  return terms.amount_cap === null ? null : consumed.negated().plus(terms.amount_cap);
}

/**
 * The amount consumed after an invoice for `amount` cites the PO on date `on`.
 * Refuses what would take the consumed amount past the cap: a PO is a spending
 * authorisation, and an invoice above it is one the customer will not pay.
 */
export function consume(
  terms: PurchaseOrderTerms,
  consumed: Decimal,
  amount: Decimal,
  on: Temporal.PlainDate,
  currency: string,
): Decimal {
  if (!amount.isPositive() || amount.isZero()) {
    throw new DomainError("invalid_amount", "a PO is consumed by a positive amount", { param: "amount" });
  }
  if (!isInMinorUnits(amount, currency)) {
    throw new DomainError("invalid_amount", `PO amounts are in whole ${currency} minor units`, { param: "amount" });
  }
  const standing = purchaseOrderStanding(terms, on);
  if (standing !== "usable") {
    const code = standing === "inactive" ? "purchase_order_inactive" : `purchase_order_${standing}`;
    throw new DomainError(code, `PO ${terms.number} is ${standing.replaceAll("_", " ")} on ${on.toString()}`, {
      param: "purchase_order",
    });
  }
  const next = consumed.plus(amount);
  const remaining = remainingBalance(terms, consumed);
  if (remaining !== null && next.greaterThan(terms.amount_cap ?? "0")) {
    throw new DomainError(
      "purchase_order_cap_exceeded",
      `PO ${terms.number} has ${formatAmountForApi(remaining, currency)} ${currency} left; ${formatAmountForApi(amount, currency)} would exceed its cap`,
      { param: "purchase_order", details: { remaining: formatAmountForApi(remaining, currency) } },
    );
  }
  return next;
}

/** Gives back what a voided or credited invoice had consumed; never below zero. */
export function release(consumed: Decimal, amount: Decimal, currency: string): Decimal {
  if (!amount.isPositive() || amount.isZero()) {
    throw new DomainError("invalid_amount", "a PO is released by a positive amount", { param: "amount" });
  }
  if (amount.greaterThan(consumed)) {
    throw new DomainError(
      "invalid_amount",
      `only ${formatAmountForApi(consumed, currency)} ${currency} of this PO was consumed`,
      { param: "amount" },
    );
  }
  return consumed.minus(amount);
}
