import type { Temporal } from "temporal-polyfill";
import { assertNever, DomainError } from "../kernel/errors.js";
import { Decimal, parseAmount, parseCurrency, roundToMinor } from "../kernel/money.js";
import { type AppliedDiscount, applyDiscounts, type Discount } from "./discounts.js";
import { type TaxTreatment, taxOnLine, treatmentPercentage } from "./tax.js";

/**
 * Invoice assembly, the way Kill Bill's invoice generator works: it takes
 * plain data (lines already priced by catalog and subscriptions, the
 * customer's discounts, tax treatment and credit balance) and returns the
 * invoice's figures. No database, no clock.
 *
 * Rounding happens exactly twice per line: the line amount (quantity × unit
 * price, once) and its tax (once); discounts are whole minor units by
 * construction. Everything else is a sum of rounded figures, so
 * total = sum of rounded lines − discounts + rounded tax, always.
 */

/** Where a line came from, so a person can trace every figure back. */
export type LineSource =
  | { type: "subscription"; subscription_id: string; price_id: string }
  | { type: "invoice_item"; invoice_item_id: string; subscription_id: string | null }
  | { type: "manual" };

export interface InvoicePeriod {
  start: Temporal.Instant;
  end: Temporal.Instant;
}

export interface InvoiceLineInput {
  description: string;
  /** Half-open [start, end); null for a one-off charge (the checklist flags it). */
  period: InvoicePeriod | null;
  /** Decimal text: seats, units, hours. */
  quantity: string;
  /** Decimal text with up to 12 decimals; negative for a credit line. */
  unit_price: string;
  proration: boolean;
  source: LineSource;
  /** Revenue is posted per product; null for an ad-hoc fee. */
  product_id: string | null;
  /** This line's own tax, when it differs from the invoice's (a reduced rate for books, a zero-rated export). */
  tax?: TaxTreatment | undefined;
}

export interface InvoiceAssemblyInput {
  currency: string;
  lines: readonly InvoiceLineInput[];
  discounts: readonly Discount[];
  /** The invoice's tax treatment, for every line that does not carry its own. */
  tax: TaxTreatment;
  /** Whether unit prices already include the tax (consumer prices in the EU usually do). */
  prices_include_tax: boolean;
  /** The customer's available credit balance, zero or more. */
  credit_balance: string;
}

export interface InvoiceLine extends Omit<InvoiceLineInput, "quantity" | "unit_price" | "tax"> {
  quantity: Decimal;
  unit_price: Decimal;
  /** quantity × unit price, rounded once: the figure printed on the line. */
  amount: Decimal;
  /** What the discounts took off this line. */
  discount_amount: Decimal;
  /** The line's amount after discounts and without tax: what revenue is posted. */
  net_amount: Decimal;
  tax_treatment: TaxTreatment;
  tax_amount: Decimal;
}

export interface TaxBreakdownRow {
  kind: TaxTreatment["kind"];
  tax_rate_id: string | null;
  name: string;
  percentage: Decimal;
  taxable_amount: Decimal;
  tax_amount: Decimal;
}

export interface AssembledInvoice {
  currency: string;
  lines: InvoiceLine[];
  discounts: { coupon_id: string; amount: Decimal }[];
  tax_breakdown: TaxBreakdownRow[];
  /** Sum of the line amounts as printed, before discounts. */
  subtotal: Decimal;
  discount_total: Decimal;
  /** Sum of the lines' net amounts. */
  total_excluding_tax: Decimal;
  tax: Decimal;
  /** total_excluding_tax + tax. */
  total: Decimal;
  /** Taken from the customer's credit balance, never more than the total. */
  credit_applied: Decimal;
  /** A negative total is owed to the customer: it goes to their credit balance, and nothing is due. */
  credit_added: Decimal;
  amount_due: Decimal;
}

export function assembleInvoice(input: InvoiceAssemblyInput): AssembledInvoice {
  const currency = parseCurrency(input.currency);
  const priced = input.lines.map((line, index) => priceLine(line, index, currency));
  const applied = applyDiscounts(
    priced.map((line) => ({ amount: line.amount, subscription_id: subscriptionOf(line.source) })),
    input.discounts,
    currency,
  );
  const lines = priced.map(({ tax, ...line }, index): InvoiceLine => {
    const discount_amount = sum(applied.map((discount) => discount.line_amounts[index] as Decimal));
    const tax_treatment = tax ?? input.tax;
    const percentage = treatmentPercentage(tax_treatment);
    const split = taxOnLine(line.amount.minus(discount_amount), percentage, input.prices_include_tax, currency);
    return { ...line, discount_amount, net_amount: split.net, tax_treatment, tax_amount: split.tax };
  });
  return totals(currency, lines, applied, input);
}

function totals(
  currency: string,
  lines: InvoiceLine[],
  applied: AppliedDiscount[],
  input: InvoiceAssemblyInput,
): AssembledInvoice {
  const total_excluding_tax = sum(lines.map((line) => line.net_amount));
  const tax = sum(lines.map((line) => line.tax_amount));
  const total = total_excluding_tax.plus(tax);
  const credit_balance = parseAmount(input.credit_balance, "credit_balance");
  if (credit_balance.isNegative()) {
    throw new DomainError("invalid_amount", "a credit balance is zero or more", { param: "credit_balance" });
  }
  const credit_applied = total.isPositive() ? Decimal.min(credit_balance, total) : new Decimal(0);
  const credit_added = total.isNegative() ? total.neg() : new Decimal(0);
  return {
    currency,
    lines,
    discounts: applied.map((discount) => ({ coupon_id: discount.coupon_id, amount: discount.amount })),
    tax_breakdown: taxBreakdown(lines),
    subtotal: sum(lines.map((line) => line.amount)),
    discount_total: sum(applied.map((discount) => discount.amount)),
    total_excluding_tax,
    tax,
    total,
    credit_applied,
    credit_added,
    amount_due: Decimal.max(total.minus(credit_applied), 0),
  };
}

function priceLine(line: InvoiceLineInput, index: number, currency: string) {
  if (line.description.trim() === "") {
    throw new DomainError("invalid_invoice_line", "a line needs a description", {
      param: `lines.${index}.description`,
    });
  }
  if (line.period !== null && line.period.start.epochNanoseconds >= line.period.end.epochNanoseconds) {
    throw new DomainError("invalid_invoice_line", "a line's period ends after it starts", {
      param: `lines.${index}.period`,
    });
  }
  const quantity = parseAmount(line.quantity, `lines.${index}.quantity`);
  const unit_price = parseAmount(line.unit_price, `lines.${index}.unit_price`);
  return { ...line, quantity, unit_price, amount: roundToMinor(quantity.times(unit_price), currency) };
}

function subscriptionOf(source: LineSource): string | null {
  switch (source.type) {
    case "subscription":
    case "invoice_item":
      return source.subscription_id;
    case "manual":
      return null;
    default:
      return assertNever(source, "line source");
  }
}

/** One row per rate (or exemption, or reverse charge), in the order the lines first use it. */
function taxBreakdown(lines: readonly InvoiceLine[]): TaxBreakdownRow[] {
  const rows = new Map<string, TaxBreakdownRow>();
  for (const line of lines) {
    const key = breakdownKey(line.tax_treatment);
    const row = rows.get(key) ?? breakdownRow(line.tax_treatment);
    row.taxable_amount = row.taxable_amount.plus(line.net_amount);
    row.tax_amount = row.tax_amount.plus(line.tax_amount);
    rows.set(key, row);
  }
  return [...rows.values()];
}

function breakdownKey(treatment: TaxTreatment): string {
  switch (treatment.kind) {
    case "standard":
      return `standard:${treatment.rate.id}`;
    case "exempt":
      return `exempt:${treatment.certificate_reference}`;
    case "reverse_charge":
      return "reverse_charge";
    default:
      return assertNever(treatment, "tax treatment");
  }
}

function breakdownRow(treatment: TaxTreatment): TaxBreakdownRow {
  const zero = { kind: treatment.kind, taxable_amount: new Decimal(0), tax_amount: new Decimal(0) };
  switch (treatment.kind) {
    case "standard":
      return {
        ...zero,
        tax_rate_id: treatment.rate.id,
        name: treatment.rate.name,
        percentage: treatmentPercentage(treatment),
      };
    case "exempt":
      return {
        ...zero,
        tax_rate_id: null,
        name: `Exempt (${treatment.certificate_reference})`,
        percentage: new Decimal(0),
      };
    case "reverse_charge":
      return { ...zero, tax_rate_id: null, name: "Reverse charge", percentage: new Decimal(0) };
    default:
      return assertNever(treatment, "tax treatment");
  }
}

function sum(amounts: readonly Decimal[]): Decimal {
  return amounts.reduce((total, amount) => total.plus(amount), new Decimal(0));
}
