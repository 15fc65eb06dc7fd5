import { Temporal } from "temporal-polyfill";
import { fromDate } from "../kernel/clock.js";
import { Decimal, formatAmountForApi } from "../kernel/money.js";
import type { AssembledInvoice, InvoiceAssemblyInput, InvoiceLineInput, LineSource } from "./assembly.js";
import type { InvoiceRow, ItemRow, LineRow } from "./store.js";
import type { TaxTreatment } from "./tax.js";

/**
 * Between stored rows and the pure core: the assembly input a stored draft
 * stands for, and the JSON the API answers with. No I/O.
 */

/**
 * Ad-hoc lines carry a percentage and a name rather than a rate from a rate
 * table (none exists yet); each distinct pair becomes one row of the tax
 * breakdown.
 */
export function lineTaxTreatment(percentage: string, name: string): TaxTreatment {
  return {
    kind: "standard",
    rate: {
      id: `line:${name}:${new Decimal(percentage).toString()}`,
      country: "",
      region: null,
      percentage: new Decimal(percentage).toString(),
      name,
      effective_from: "1970-01-01",
      effective_to: null,
    },
  };
}

function sourceOf(line: LineRow): LineSource {
  switch (line.source_type) {
    case "invoice_item":
      return { type: "invoice_item", invoice_item_id: line.source_id ?? "", subscription_id: null };
    case "subscription":
      return { type: "subscription", subscription_id: line.source_id ?? "", price_id: "" };
    default:
      return { type: "manual" };
  }
}

const instant = (date: Date | null) => (date === null ? null : fromDate(date));

export function lineInputFrom(line: LineRow): InvoiceLineInput {
  const start = instant(line.period_start);
  const end = instant(line.period_end);
  return {
    description: line.description,
    period: start === null || end === null ? null : { start, end },
    quantity: new Decimal(line.quantity).toString(),
    unit_price: new Decimal(line.unit_amount).toString(),
    proration: line.proration,
    source: sourceOf(line),
    product_id: line.product_id,
    tax: lineTaxTreatment(line.tax_rate, line.tax_name),
  };
}

/** What a stored invoice's lines assemble to. Discounts and credit balances join in a later slice. */
export function assemblyInputFrom(invoice: InvoiceRow, lines: readonly LineRow[]): InvoiceAssemblyInput {
  return {
    currency: invoice.currency,
    lines: lines.map(lineInputFrom),
    discounts: [],
    tax: lineTaxTreatment("0", "No tax"),
    prices_include_tax: false,
    credit_balance: "0",
  };
}

/** The stored figures of an assembled invoice, as numeric text. */
export function invoiceFigures(assembled: AssembledInvoice) {
  return {
    subtotal: assembled.subtotal.toString(),
    discount: assembled.discount_total.toString(),
    tax: assembled.tax.toString(),
    total: assembled.total.toString(),
    amount_due: assembled.amount_due.toString(),
  };
}

const iso = (date: Date | null) => (date === null ? null : fromDate(date).toString());

export function lineJson(line: LineRow, currency: string) {
  return {
    object: "invoice_line" as const,
    id: line.id,
    description: line.description,
    period:
      line.period_start === null || line.period_end === null
        ? null
        : { start: fromDate(line.period_start).toString(), end: fromDate(line.period_end).toString() },
    quantity: new Decimal(line.quantity).toString(),
    unit_amount: new Decimal(line.unit_amount).toString(),
    amount: formatAmountForApi(new Decimal(line.amount), currency),
    proration: line.proration,
    source: { type: line.source_type, id: line.source_id },
    product_id: line.product_id,
    tax_rate: new Decimal(line.tax_rate).toString(),
    tax_name: line.tax_name,
    tax_amount: formatAmountForApi(new Decimal(line.tax_amount), currency),
  };
}

export type InvoiceJson = ReturnType<typeof invoiceJson>;

export function invoiceJson(invoice: InvoiceRow, lines: readonly LineRow[]) {
  const money = (value: string) => formatAmountForApi(new Decimal(value), invoice.currency);
  return {
    object: "invoice" as const,
    id: invoice.id,
    customer_id: invoice.customer_id,
    currency: invoice.currency,
    status: invoice.status,
    number: invoice.number,
    issue_date: invoice.issue_date,
    due_date: invoice.due_date,
    po_number: invoice.po_number,
    memo: invoice.memo,
    subtotal: money(invoice.subtotal),
    discount: money(invoice.discount),
    tax: money(invoice.tax),
    total: money(invoice.total),
    amount_due: money(invoice.amount_due),
    lines: lines.map((line) => lineJson(line, invoice.currency)),
    subscription_id: invoice.subscription_id,
    period_index: invoice.period_index,
    ledger_entry_id: invoice.ledger_entry_id,
    created_at: fromDate(invoice.created_at).toString(),
    finalized_at: iso(invoice.finalized_at),
    voided_at: iso(invoice.voided_at),
    uncollectible_at: iso(invoice.uncollectible_at),
  };
}

export function itemJson(item: ItemRow) {
  return {
    object: "invoice_item" as const,
    id: item.id,
    customer_id: item.customer_id,
    currency: item.currency,
    description: item.description,
    quantity: new Decimal(item.quantity).toString(),
    unit_amount: new Decimal(item.unit_amount).toString(),
    product_id: item.product_id,
    period:
      item.period_start === null || item.period_end === null
        ? null
        : { start: fromDate(item.period_start).toString(), end: fromDate(item.period_end).toString() },
    tax_rate: new Decimal(item.tax_rate).toString(),
    tax_name: item.tax_name,
    invoice_id: item.invoice_id,
    created_at: fromDate(item.created_at).toString(),
  };
}

/** The date an instant falls on where the customer lives: the invoice's accounting date. */
export function dateIn(at: Temporal.Instant, timeZone: string): Temporal.PlainDate {
  return at.toZonedDateTimeISO(timeZone).toPlainDate();
}

export const plainDate = (text: string) => Temporal.PlainDate.from(text);
