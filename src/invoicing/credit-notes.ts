import { assertNever, DomainError } from "../kernel/errors.js";
import { currencyMinorUnits, Decimal, parseAmount, parseCurrencyAmount, roundToMinor } from "../kernel/money.js";
import { type InvoiceStatus, isInvoiceCreditable } from "./lifecycle.js";

/**
 * Credit notes against a finalized invoice: the whole invoice, whole lines,
 * or an amount or a quantity of a line. The tax credited is the line's own
 * rounded tax in proportion to the net credited, and the last credit of a
 * line takes exactly what is left of its tax, so a line credited in parts
 * ends at zero, never at a stray cent.
 */

export const CREDIT_NOTE_REASONS = [
  "duplicate",
  "product_unsatisfactory",
  "order_change",
  "fraudulent",
  "billing_error",
  "goodwill",
] as const;
export type CreditNoteReason = (typeof CREDIT_NOTE_REASONS)[number];

/** `refund` records the request; the payments module pays it out. */
export const CREDIT_NOTE_OUTCOMES = ["reduce_amount_due", "credit_balance", "refund"] as const;
export type CreditNoteOutcome = (typeof CREDIT_NOTE_OUTCOMES)[number];

export interface CreditableLine {
  id: string;
  product_id: string | null;
  description: string;
  quantity: Decimal;
  /** After discounts, without tax: what revenue was posted for the line. */
  net_amount: Decimal;
  tax_amount: Decimal;
}

export interface CreditableInvoice {
  status: InvoiceStatus;
  currency: string;
  /** What the customer still owes on it. */
  amount_due_remaining: Decimal;
  lines: readonly CreditableLine[];
  /** Lines of earlier credit notes that were not voided. */
  credited: readonly { line_id: string; net_amount: Decimal; tax_amount: Decimal }[];
}

/** `amount` is net of tax, in the invoice's currency; `quantity` is of the line's units. */
export type CreditLineRequest =
  | { line_id: string; type: "whole_line" }
  | { line_id: string; type: "amount"; amount: string }
  | { line_id: string; type: "quantity"; quantity: string };

export type CreditNoteScope = { type: "whole_invoice" } | { type: "lines"; lines: readonly CreditLineRequest[] };

export interface CreditNoteRequest {
  scope: CreditNoteScope;
  reason: CreditNoteReason;
  outcome: CreditNoteOutcome;
  memo: string | null;
}

export interface CreditNoteLine {
  line_id: string;
  product_id: string | null;
  description: string;
  net_amount: Decimal;
  tax_amount: Decimal;
}

export interface CreditNoteFigures {
  currency: string;
  reason: CreditNoteReason;
  outcome: CreditNoteOutcome;
  memo: string | null;
  lines: CreditNoteLine[];
  subtotal: Decimal;
  tax: Decimal;
  total: Decimal;
}

interface LineLeft {
  line: CreditableLine;
  net: Decimal;
  tax: Decimal;
}

/** Builds a credit note's figures, refusing more than is left to credit (`credit_note_exceeds_invoice`). */
export function buildCreditNote(invoice: CreditableInvoice, request: CreditNoteRequest): CreditNoteFigures {
  if (!isInvoiceCreditable(invoice.status)) {
    throw new DomainError("credit_note_invoice_not_finalized", `a ${invoice.status} invoice cannot be credited`, {
      param: "invoice",
    });
  }
  const left = linesLeft(invoice);
  const lines = requestedLines(invoice, request.scope).map((part, index) =>
    creditLine(invoice.currency, left, part, index),
  );
  if (lines.length === 0 || lines.every((line) => line.net_amount.isZero() && line.tax_amount.isZero())) {
    throw new DomainError("credit_note_empty", "nothing is left to credit on these lines", { param: "lines" });
  }
  const subtotal = sum(lines.map((line) => line.net_amount));
  const tax = sum(lines.map((line) => line.tax_amount));
  const total = subtotal.plus(tax);
  if (request.outcome === "reduce_amount_due" && total.greaterThan(invoice.amount_due_remaining)) {
    throw new DomainError(
      "credit_note_exceeds_amount_due",
      `${total.toString()} is more than the ${invoice.amount_due_remaining.toString()} still due; credit the balance or refund the rest`,
      { param: "outcome" },
    );
  }
  return {
    currency: invoice.currency,
    reason: request.reason,
    outcome: request.outcome,
    memo: request.memo,
    lines,
    subtotal,
    tax,
    total,
  };
}

function linesLeft(invoice: CreditableInvoice): Map<string, LineLeft> {
  const left = new Map(invoice.lines.map((line) => [line.id, { line, net: line.net_amount, tax: line.tax_amount }]));
  for (const earlier of invoice.credited) {
    const entry = left.get(earlier.line_id);
    if (entry === undefined) continue;
    entry.net = entry.net.minus(earlier.net_amount);
    entry.tax = entry.tax.minus(earlier.tax_amount);
  }
  return left;
}

/** The whole invoice is every line with something left, credit lines included, so it nets to what was billed. */
function requestedLines(invoice: CreditableInvoice, scope: CreditNoteScope): readonly CreditLineRequest[] {
  switch (scope.type) {
    case "whole_invoice":
      return invoice.lines.map((line) => ({ line_id: line.id, type: "whole_line" }));
    case "lines":
      return scope.lines;
    default:
      return assertNever(scope, "credit note scope");
  }
}

function creditLine(
  currency: string,
  left: Map<string, LineLeft>,
  part: CreditLineRequest,
  index: number,
): CreditNoteLine {
  const param = `lines.${index}`;
  const entry = left.get(part.line_id);
  if (entry === undefined) {
    throw new DomainError("credit_note_line_not_found", `line ${part.line_id} is not on this invoice`, {
      param: `${param}.line_id`,
    });
  }
  const net = netRequested(currency, entry, part, param);
  const tax = net.equals(entry.net) ? entry.tax : proportionalTax(currency, entry, net);
  const exceeds = entry.net.isNegative() ? net.lessThan(entry.net) : net.greaterThan(entry.net);
  if (exceeds || (!entry.net.isNegative() && net.isNegative())) {
    throw new DomainError(
      "credit_note_exceeds_invoice",
      `line ${part.line_id} has ${entry.net.toString()} ${currency} left to credit; ${net.toString()} was asked`,
      { param, details: { line_id: part.line_id, creditable: entry.net.toString(), requested: net.toString() } },
    );
  }
  // The same line twice in one request draws on what the first part left.
  entry.net = entry.net.minus(net);
  entry.tax = entry.tax.minus(tax);
  return {
    line_id: part.line_id,
    product_id: entry.line.product_id,
    description: entry.line.description,
    net_amount: net,
    tax_amount: tax,
  };
}

function netRequested(currency: string, entry: LineLeft, part: CreditLineRequest, param: string): Decimal {
  switch (part.type) {
    case "whole_line":
      return entry.net;
    case "amount":
      return parseCurrencyAmount(part.amount, currency, `${param}.amount`);
    case "quantity": {
      const quantity = parseAmount(part.quantity, `${param}.quantity`);
      if (entry.line.quantity.isZero() || quantity.abs().greaterThan(entry.line.quantity.abs())) {
        throw new DomainError("credit_note_exceeds_invoice", `the line has ${entry.line.quantity.toString()} units`, {
          param: `${param}.quantity`,
        });
      }
      // The net per unit after discounts: crediting 2 of 10 discounted seats credits 2/10 of what was charged.
      const net = roundToMinor(entry.line.net_amount.times(quantity).div(entry.line.quantity), currency);
      // Units credited one by one can round past what is left by a minor unit; past that, it is too many units.
      const overshoot = net.abs().minus(entry.net.abs());
      return overshoot.isPositive() && overshoot.lessThanOrEqualTo(minorUnit(currency)) ? entry.net : net;
    }
    default:
      return assertNever(part, "credit line request");
  }
}

function minorUnit(currency: string): Decimal {
  return new Decimal(10).pow(-currencyMinorUnits(currency));
}

function proportionalTax(currency: string, entry: LineLeft, net: Decimal): Decimal {
  if (entry.line.net_amount.isZero()) return new Decimal(0);
  const tax = roundToMinor(entry.line.tax_amount.times(net).div(entry.line.net_amount), currency);
  return tax.abs().greaterThan(entry.tax.abs()) ? entry.tax : tax;
}

function sum(amounts: readonly Decimal[]): Decimal {
  return amounts.reduce((total, amount) => total.plus(amount), new Decimal(0));
}
