import { getPrice } from "../catalog/index.js";
import { type Customer, getPurchaseOrder } from "../customers/index.js";
import { fromDate } from "../kernel/clock.js";
import type { Executor } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { isId } from "../kernel/ids.js";
import { Decimal } from "../kernel/money.js";
import type { InvoicePeriod } from "./assembly.js";
import { type DraftFacts, invoicePeriod } from "./checklist.js";
import { otherOpenInvoicesWithTotal, previousFinalizedTotal } from "./review-store.js";
import { findLines, type InvoiceRow, type LineRow } from "./store.js";
import { dateIn } from "./views.js";

/**
 * Gathers what the checklist rules look at from the database: the customer,
 * the PO the draft cites, the previous finalized invoice, other open invoices
 * of the same amount, and the lines with their periods and prices.
 *
 * "Metered without usage": usage is not recorded in Accrue yet, so a line
 * counts as metered when its price (a subscription line's source) names a
 * billable metric in the catalog, and as without usage when its quantity is 0.
 */

/** A business (B2B) customer: one with a tax id on file, or tagged `b2b` (whose missing id is then a finding). */
export function isBusiness(customer: Pick<Customer, "tax_ids" | "tags">): boolean {
  return customer.tax_ids.length > 0 || customer.tags.includes("b2b");
}

function linePeriod(line: Pick<LineRow, "period_start" | "period_end">): InvoicePeriod | null {
  if (line.period_start === null || line.period_end === null) return null;
  return { start: fromDate(line.period_start), end: fromDate(line.period_end) };
}

async function purchaseOrderFacts(deps: Deps, customerId: string, poNumber: string | null) {
  if (poNumber === null) return null;
  try {
    const order = await getPurchaseOrder(deps, customerId, poNumber);
    const { number, description, valid_from, valid_to, amount_cap, active } = order;
    return {
      terms: { number, description, valid_from, valid_to, amount_cap, active },
      remaining_balance: order.amount_remaining === null ? null : new Decimal(order.amount_remaining),
    };
  } catch (error) {
    if (error instanceof DomainError && error.code === "purchase_order_not_found") return null;
    throw error;
  }
}

/** Whether each price is metered; a price the catalog does not know is taken as not metered. */
async function meteredPrices(deps: Deps, lines: readonly LineRow[]): Promise<Set<string>> {
  const priceIds = new Set(
    lines.flatMap((line) =>
      line.source_type === "subscription" && isId("price", line.source_id) ? [line.source_id] : [],
    ),
  );
  const metered = new Set<string>();
  for (const id of priceIds) {
    try {
      if ((await getPrice(deps, id)).billable_metric !== null) metered.add(id);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
  }
  return metered;
}

async function otherOpenInvoices(db: Executor, invoice: InvoiceRow) {
  const others = await otherOpenInvoicesWithTotal(db, invoice);
  const lines = await findLines(
    db,
    others.map((other) => other.id),
  );
  return others.map((other) => ({
    id: other.id,
    number: other.number ?? `draft ${other.id}`,
    total: new Decimal(other.total),
    period: invoicePeriod(
      lines.filter((line) => line.invoice_id === other.id).map((line) => ({ period: linePeriod(line) })),
    ),
  }));
}

export async function draftFacts(
  deps: Deps,
  invoice: InvoiceRow,
  lines: readonly LineRow[],
  customer: Customer,
): Promise<DraftFacts> {
  const metered = await meteredPrices(deps, lines);
  const previous = await previousFinalizedTotal(deps.db, invoice.customer_id, invoice.currency, invoice.id);
  return {
    currency: invoice.currency,
    invoice_date: dateIn(deps.clock.now(), customer.time_zone),
    total: new Decimal(invoice.total),
    purchase_order_number: invoice.po_number,
    lines: lines.map((line) => {
      const isMetered = line.source_id !== null && metered.has(line.source_id);
      return {
        description: line.description,
        period: linePeriod(line),
        metered: isMetered,
        usage_quantity: isMetered ? new Decimal(line.quantity) : null,
      };
    }),
    customer: {
      currency: customer.currency,
      is_business: isBusiness(customer),
      purchase_order_required: customer.po_required,
      billing_address: customer.billing_address,
      tax_ids: customer.tax_ids,
    },
    purchase_order: await purchaseOrderFacts(deps, customer.id, invoice.po_number),
    previous_invoice_total: previous === null ? null : new Decimal(previous),
    other_open_invoices: await otherOpenInvoices(deps.db, invoice),
  };
}
