import type { Temporal } from "temporal-polyfill";
import type { Address, BillingAccount } from "../customers/index.js";
import { Decimal } from "../kernel/money.js";
import type { AssembledInvoice, InvoicePeriod, TaxBreakdownRow } from "./assembly.js";
import type { CreditNoteFigures, CreditNoteOutcome, CreditNoteReason } from "./credit-notes.js";
import { REVERSE_CHARGE_NOTE } from "./tax.js";

/**
 * What an invoice or credit note PDF shows, as plain data: the renderer
 * draws it and decides nothing. Amounts stay Decimal until the renderer
 * formats them in the buyer's locale, so a test can compare figures with the
 * assembled invoice and the page shows the same digits.
 */

/** A seller or buyer as printed: its legal name, the address on file, and its tax ids. */
export interface DocumentParty {
  legal_name: string;
  address: Address | null;
  tax_ids: readonly { type: string; value: string }[];
}

export interface DocumentLine {
  description: string;
  /** Days in the customer's time zone; `end` is the period's last day (the period itself ends the next midnight). */
  period: { start: Temporal.PlainDate; end: Temporal.PlainDate } | null;
  quantity: Decimal;
  /** Up to 12 decimals, printed in full. */
  unit_price: Decimal;
  amount: Decimal;
  proration: boolean;
}

export interface DocumentTaxRow {
  kind: TaxBreakdownRow["kind"];
  name: string;
  percentage: Decimal;
  taxable_amount: Decimal;
  tax_amount: Decimal;
}

export interface InvoiceDocument {
  seller: DocumentParty;
  buyer: DocumentParty;
  number: string;
  issue_date: Temporal.PlainDate;
  due_date: Temporal.PlainDate;
  po_number: string | null;
  currency: string;
  /** BCP 47, the buyer's: every amount and date is formatted in it. */
  locale: string;
  lines: DocumentLine[];
  discounts: { name: string; amount: Decimal }[];
  tax_breakdown: DocumentTaxRow[];
  /** Set when a row is reverse charged: the legal mention the buyer needs to self-assess. */
  reverse_charge_note: string | null;
  subtotal: Decimal;
  tax: Decimal;
  total: Decimal;
  /** Taken from the buyer's credit balance. */
  credit_applied: Decimal;
  amount_paid: Decimal;
  amount_due: Decimal;
  payment_instructions: string | null;
  memo: string | null;
}

export interface CreditNoteDocument {
  seller: DocumentParty;
  buyer: DocumentParty;
  number: string;
  issue_date: Temporal.PlainDate;
  invoice_number: string;
  invoice_issue_date: Temporal.PlainDate;
  currency: string;
  locale: string;
  reason: CreditNoteReason;
  outcome: CreditNoteOutcome;
  lines: { description: string; net_amount: Decimal; tax_amount: Decimal }[];
  subtotal: Decimal;
  tax: Decimal;
  total: Decimal;
  memo: string | null;
  /** Set on a voided note: it is printed VOID, with the day and the reason. */
  voided: { on: Temporal.PlainDate; reason: string | null } | null;
}

type Buyer = Pick<BillingAccount, "legal_name" | "billing_address" | "tax_ids" | "locale" | "time_zone">;

export interface InvoiceDocumentOptions {
  seller: DocumentParty;
  buyer: Buyer;
  number: string;
  issue_date: Temporal.PlainDate;
  due_date: Temporal.PlainDate;
  po_number?: string | null;
  /** Printed beside each discount; a coupon without a name shows its id. */
  coupon_names?: Readonly<Record<string, string>>;
  /** Payments received before the document is printed (decimal in the invoice's currency). */
  amount_paid?: Decimal;
  payment_instructions?: string | null;
  memo?: string | null;
}

function buyerParty(buyer: Buyer): DocumentParty {
  return {
    legal_name: buyer.legal_name,
    address: buyer.billing_address,
    tax_ids: buyer.tax_ids.map((id) => ({ type: id.type, value: id.value })),
  };
}

/** The period's first and last day where the customer lives: [Jan 1, Feb 1) prints as 1 Jan – 31 Jan. */
function periodDays(period: InvoicePeriod, timeZone: string): { start: Temporal.PlainDate; end: Temporal.PlainDate } {
  const lastInstant = period.end.subtract({ nanoseconds: 1 });
  return {
    start: period.start.toZonedDateTimeISO(timeZone).toPlainDate(),
    end: lastInstant.toZonedDateTimeISO(timeZone).toPlainDate(),
  };
}

/** Maps an assembled invoice to what its PDF shows. Pure: the caller brings the number, dates and parties. */
export function invoiceDocumentFrom(assembled: AssembledInvoice, options: InvoiceDocumentOptions): InvoiceDocument {
  const amount_paid = options.amount_paid ?? new Decimal(0);
  const tax_breakdown = assembled.tax_breakdown.map(({ kind, name, percentage, taxable_amount, tax_amount }) => ({
    kind,
    name,
    percentage,
    taxable_amount,
    tax_amount,
  }));
  return {
    seller: options.seller,
    buyer: buyerParty(options.buyer),
    number: options.number,
    issue_date: options.issue_date,
    due_date: options.due_date,
    po_number: options.po_number ?? null,
    currency: assembled.currency,
    locale: options.buyer.locale,
    lines: assembled.lines.map((line) => ({
      description: line.description,
      period: line.period === null ? null : periodDays(line.period, options.buyer.time_zone),
      quantity: line.quantity,
      unit_price: line.unit_price,
      amount: line.amount,
      proration: line.proration,
    })),
    discounts: assembled.discounts.map((discount) => ({
      name: options.coupon_names?.[discount.coupon_id] ?? discount.coupon_id,
      amount: discount.amount,
    })),
    tax_breakdown,
    reverse_charge_note: tax_breakdown.some((row) => row.kind === "reverse_charge") ? REVERSE_CHARGE_NOTE : null,
    subtotal: assembled.subtotal,
    tax: assembled.tax,
    total: assembled.total,
    credit_applied: assembled.credit_applied,
    amount_paid,
    amount_due: Decimal.max(assembled.amount_due.minus(amount_paid), 0),
    payment_instructions: options.payment_instructions ?? null,
    memo: options.memo ?? null,
  };
}

export interface CreditNoteDocumentOptions {
  seller: DocumentParty;
  buyer: Buyer;
  number: string;
  issue_date: Temporal.PlainDate;
  invoice_number: string;
  invoice_issue_date: Temporal.PlainDate;
  voided?: CreditNoteDocument["voided"];
}

export function creditNoteDocumentFrom(
  figures: CreditNoteFigures,
  options: CreditNoteDocumentOptions,
): CreditNoteDocument {
  return {
    seller: options.seller,
    buyer: buyerParty(options.buyer),
    number: options.number,
    issue_date: options.issue_date,
    invoice_number: options.invoice_number,
    invoice_issue_date: options.invoice_issue_date,
    currency: figures.currency,
    locale: options.buyer.locale,
    reason: figures.reason,
    outcome: figures.outcome,
    lines: figures.lines.map(({ description, net_amount, tax_amount }) => ({ description, net_amount, tax_amount })),
    subtotal: figures.subtotal,
    tax: figures.tax,
    total: figures.total,
    memo: figures.memo,
    voided: options.voided ?? null,
  };
}

export const CREDIT_NOTE_REASON_LABELS: Readonly<Record<CreditNoteReason, string>> = {
  duplicate: "Duplicate charge",
  product_unsatisfactory: "Product unsatisfactory",
  order_change: "Order change",
  fraudulent: "Fraudulent charge",
  billing_error: "Billing error",
  goodwill: "Goodwill credit",
};

export const CREDIT_NOTE_OUTCOME_LABELS: Readonly<Record<CreditNoteOutcome, string>> = {
  reduce_amount_due: "Deducted from the amount due on the invoice",
  credit_balance: "Added to your credit balance",
  refund: "Refunded to you",
};

/** Midnight UTC of the issue date: the PDF's creation date, so the same document always renders the same bytes. */
export function documentCreationDate(issueDate: Temporal.PlainDate): Date {
  return new Date(issueDate.toZonedDateTime("UTC").epochMilliseconds);
}
