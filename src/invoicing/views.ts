import { Temporal } from "temporal-polyfill";
import { instantText } from "../kernel/clock.js";
import { Decimal } from "../kernel/money.js";
import { amountText, decimalText } from "./amount-text.js";
import type { AssembledInvoice, InvoiceLineInput, LineSource } from "./assembly.js";
import type { InvoiceRow, ItemRow, LineRow, StoredTaxRow } from "./store.js";
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

/**
 * Instants and dates are immutable, and a billing run's lines share a
 * handful of period boundaries: each is built once and shared, instead of
 * once per line (Temporal's objects are a run's largest cost otherwise).
 */
const SHARED_MAX = 10_000;
const instants = new Map<number, Temporal.Instant>();
const dates = new Map<string, Temporal.PlainDate>();

function shared<K, V>(cache: Map<K, V>, key: K, make: () => V): V {
  const found = cache.get(key);
  if (found !== undefined) return found;
  if (cache.size >= SHARED_MAX) cache.clear();
  const made = make();
  cache.set(key, made);
  return made;
}

/** fromDate, shared. */
export function instantOf(date: Date): Temporal.Instant {
  const ms = date.getTime();
  return shared(instants, ms, () => Temporal.Instant.fromEpochMilliseconds(ms));
}

const instant = (date: Date | null) => (date === null ? null : instantOf(date));

export function lineInputFrom(line: LineRow): InvoiceLineInput {
  const start = instant(line.period_start);
  const end = instant(line.period_end);
  return {
    description: line.description,
    period: start === null || end === null ? null : { start, end },
    quantity: decimalText(line.quantity),
    unit_price: decimalText(line.unit_amount),
    proration: line.proration,
    source: sourceOf(line),
    product_id: line.product_id,
    tax: lineTaxTreatment(line.tax_rate, line.tax_name),
  };
}

const iso = (date: Date | null) => (date === null ? null : instantText(date));

export function lineJson(line: LineRow, currency: string) {
  return {
    object: "invoice_line" as const,
    id: line.id,
    description: line.description,
    period:
      line.period_start === null || line.period_end === null
        ? null
        : { start: instantText(line.period_start), end: instantText(line.period_end) },
    quantity: decimalText(line.quantity),
    unit_amount: decimalText(line.unit_amount),
    amount: amountText(line.amount, currency),
    proration: line.proration,
    source: { type: line.source_type, id: line.source_id },
    product_id: line.product_id,
    tax_rate: decimalText(line.tax_rate),
    tax_name: line.tax_name,
    tax_amount: amountText(line.tax_amount, currency),
    tax_override: line.tax_override,
    discount_amount: amountText(line.discount_amount, currency),
  };
}

export type InvoiceJson = ReturnType<typeof invoiceJson>;

export function invoiceJson(invoice: InvoiceRow, lines: readonly LineRow[]) {
  const money = (value: string) => amountText(value, invoice.currency);
  return {
    object: "invoice" as const,
    id: invoice.id,
    customer_id: invoice.customer_id,
    currency: invoice.currency,
    status: invoice.status,
    number: invoice.number,
    legal_entity: invoice.legal_entity,
    issue_date: invoice.issue_date,
    due_date: invoice.due_date,
    po_number: invoice.po_number,
    memo: invoice.memo,
    subtotal: money(invoice.subtotal),
    discount: money(invoice.discount),
    tax: money(invoice.tax),
    total: money(invoice.total),
    amount_due: money(invoice.amount_due),
    total_excluding_tax: money(invoice.total_excluding_tax),
    credit_applied: money(invoice.credit_applied),
    discounts: invoice.discounts.map((discount) => ({ ...discount, amount: money(discount.amount) })),
    tax_breakdown: invoice.tax_breakdown.map((row) => ({
      ...row,
      taxable_amount: money(row.taxable_amount),
      tax_amount: money(row.tax_amount),
    })),
    credited_total: money(invoice.credited_total),
    lines: lines.map((line) => lineJson(line, invoice.currency)),
    subscription_id: invoice.subscription_id,
    period_index: invoice.period_index,
    ledger_entry_id: invoice.ledger_entry_id,
    created_at: instantText(invoice.created_at),
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
        : { start: instantText(item.period_start), end: instantText(item.period_end) },
    tax_rate: new Decimal(item.tax_rate).toString(),
    tax_name: item.tax_name,
    invoice_id: item.invoice_id,
    created_at: instantText(item.created_at),
  };
}

/** The date an instant falls on where the customer lives: the invoice's accounting date. */
export function dateIn(at: Temporal.Instant, timeZone: string): Temporal.PlainDate {
  return shared(dates, `${timeZone} ${at.epochMilliseconds}`, () => at.toZonedDateTimeISO(timeZone).toPlainDate());
}

export const plainDate = (text: string) => Temporal.PlainDate.from(text);

/**
 * A stored line as the pricing path reads it: only a line whose tax was
 * typed for it (`tax_override`) keeps its own; the others take the invoice's
 * treatment. Subscription lines belong to the invoice's subscription, so a
 * subscription's discount reaches them.
 */
export function pricingLineInput(line: LineRow, invoice: Pick<InvoiceRow, "subscription_id">): InvoiceLineInput {
  const start = instant(line.period_start);
  const end = instant(line.period_end);
  return {
    description: line.description,
    period: start === null || end === null ? null : { start, end },
    quantity: decimalText(line.quantity),
    unit_price: decimalText(line.unit_amount),
    proration: line.proration,
    source:
      line.source_type === "subscription"
        ? { type: "subscription", subscription_id: invoice.subscription_id ?? "", price_id: line.source_id ?? "" }
        : sourceOf(line),
    product_id: line.product_id,
    // The same input as lineInputFrom's, without building a treatment only an override keeps.
    tax: line.tax_override ? lineTaxTreatment(line.tax_rate, line.tax_name) : undefined,
  };
}

function storedTreatment(row: StoredTaxRow | undefined, line: LineRow): TaxTreatment {
  if (row?.kind === "reverse_charge") return { kind: "reverse_charge" };
  if (row?.kind === "exempt")
    return { kind: "exempt", certificate_reference: row.name.replace(/^Exempt \((.*)\)$/, "$1") };
  return lineTaxTreatment(line.tax_rate, line.tax_name);
}

/**
 * The figures of a priced invoice exactly as stored, without pricing it
 * again: what finalization posts, what a void reverses and what the PDF
 * prints. Discounts, credit and rates may have changed since; the invoice
 * has not.
 */
export function storedAssembly(invoice: InvoiceRow, lines: readonly LineRow[]): AssembledInvoice {
  const money = (value: string) => new Decimal(value);
  const byName = new Map(invoice.tax_breakdown.map((row) => [row.name, row]));
  const total = money(invoice.total);
  return {
    currency: invoice.currency,
    lines: lines.map((line) => {
      const { tax: _tax, quantity, unit_price, ...input } = lineInputFrom(line);
      return {
        ...input,
        quantity: money(quantity),
        unit_price: money(unit_price),
        amount: money(line.amount),
        discount_amount: money(line.discount_amount),
        net_amount: money(line.net_amount),
        tax_treatment: storedTreatment(byName.get(line.tax_name), line),
        tax_amount: money(line.tax_amount),
      };
    }),
    discounts: invoice.discounts.map((discount) => ({ coupon_id: discount.coupon_id, amount: money(discount.amount) })),
    tax_breakdown: invoice.tax_breakdown.map((row) => ({
      kind: row.kind,
      tax_rate_id: row.tax_rate_id,
      name: row.name,
      percentage: money(row.percentage),
      taxable_amount: money(row.taxable_amount),
      tax_amount: money(row.tax_amount),
    })),
    subtotal: money(invoice.subtotal),
    discount_total: money(invoice.discount),
    total_excluding_tax: money(invoice.total_excluding_tax),
    tax: money(invoice.tax),
    total,
    credit_applied: money(invoice.credit_applied),
    credit_added: total.isNegative() ? total.neg() : new Decimal(0),
    amount_due: money(invoice.amount_due),
  };
}
