import type { Temporal } from "temporal-polyfill";
import { type Customer, getCustomer } from "../customers/index.js";
import { fromDate } from "../kernel/clock.js";
import type { Executor, Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { Decimal } from "../kernel/money.js";
import { discountsOnFile } from "./coupon-service.js";
import { lockedCreditBalance } from "./credit-balance.js";
import { loadLegalEntity } from "./legal-entity-service.js";
import { type PricedInvoice, type PricingFacts, priceInvoice, taxCustomerOf, treatmentName } from "./pricing.js";
import { replaceInvoiceDiscounts, taxRatesOf } from "./pricing-store.js";
import { type InvoiceRow, type LineRow, type StoredTaxRow, updateInvoice, updateLine } from "./store.js";
import { treatmentPercentage } from "./tax.js";
import { pricedTaxRate } from "./tax-rate-service.js";
import { dateIn, pricingLineInput } from "./views.js";

/**
 * Loads what the pure pricing path needs for one customer's invoice and
 * stores what it returns: every figure of a draft comes from here, on
 * creation, on each edit and right before finalization.
 */

/**
 * The seller's country (the invoice's legal entity), the customer's tax
 * facts, the rates of their country and their running
 * discounts (locked: see runningDiscountRows). The credit balance is read,
 * under its lock, only when finalizing.
 */
export async function pricingFactsFor(
  deps: Deps,
  tx: Tx,
  customer: Customer,
  invoice: { id: string | null; currency: string; legal_entity: string },
  withCredit: boolean,
): Promise<PricingFacts> {
  const credit = withCredit ? await lockedCreditBalance(deps, tx, customer.id, invoice.currency) : null;
  const facts = await factsWithoutCredit(tx, customer, invoice, true);
  return { ...facts, credit_balance: credit === null ? "0" : Decimal.max(credit.balance, 0).toString() };
}

/**
 * The same facts for a preview, which writes nothing: no transaction, and
 * the discounts read without their lock, so a preview never queues behind
 * (or holds up) a billing run pricing the same customer. No credit is spent.
 */
export async function previewPricingFacts(
  db: Executor,
  customer: Customer,
  invoice: { currency: string; legal_entity: string },
): Promise<PricingFacts> {
  return { ...(await factsWithoutCredit(db, customer, { ...invoice, id: null }, false)), credit_balance: "0" };
}

async function factsWithoutCredit(
  db: Executor,
  customer: Customer,
  invoice: { id: string | null; legal_entity: string },
  lockDiscounts: boolean,
): Promise<Omit<PricingFacts, "credit_balance">> {
  const taxCustomer = taxCustomerOf(customer);
  const rows = taxCustomer === null ? [] : await taxRatesOf(db, [taxCustomer.country]);
  const seller = await loadLegalEntity(db, invoice.legal_entity);
  return {
    seller_country: seller.country,
    customer: taxCustomer,
    rates: rows.map(pricedTaxRate),
    discounts: await discountsOnFile(db, customer.id, invoice.id, lockDiscounts),
  };
}

/**
 * The tax point of a draft: the start of the period it bills (in the
 * customer's zone), else the day it is finalized, else today.
 */
export function taxDate(
  invoice: Pick<InvoiceRow, "period_start">,
  timeZone: string,
  fallback: Temporal.PlainDate,
): Temporal.PlainDate {
  return invoice.period_start === null ? fallback : dateIn(fromDate(invoice.period_start), timeZone);
}

function breakdownRows(priced: PricedInvoice): StoredTaxRow[] {
  return priced.assembled.tax_breakdown.map((row) => ({
    kind: row.kind,
    tax_rate_id: row.tax_rate_id,
    name: row.name,
    percentage: row.percentage.toString(),
    taxable_amount: row.taxable_amount.toString(),
    tax_amount: row.tax_amount.toString(),
  }));
}

/** Stores a priced invoice's figures on the invoice, its lines and the discounts' usage. */
async function storePriced(tx: Tx, invoice: InvoiceRow, lines: readonly LineRow[], priced: PricedInvoice) {
  const { assembled } = priced;
  for (const [index, line] of lines.entries()) {
    const figures = assembled.lines[index];
    if (figures === undefined) continue;
    await updateLine(tx, line.id, {
      amount: figures.amount.toString(),
      tax_amount: figures.tax_amount.toString(),
      discount_amount: figures.discount_amount.toString(),
      net_amount: figures.net_amount.toString(),
      ...(line.tax_override
        ? {}
        : {
            tax_rate: treatmentPercentage(figures.tax_treatment).toString(),
            tax_name: treatmentName(figures.tax_treatment),
          }),
    });
  }
  const discounts = priced.discounts.filter((discount) => discount.amount.isPositive());
  await updateInvoice(tx, invoice.id, {
    subtotal: assembled.subtotal.toString(),
    discount: assembled.discount_total.toString(),
    tax: assembled.tax.toString(),
    total: assembled.total.toString(),
    total_excluding_tax: assembled.total_excluding_tax.toString(),
    credit_applied: assembled.credit_applied.toString(),
    amount_due: assembled.amount_due.toString(),
    // jsonb takes JSON text: pg would send a JS array as a PostgreSQL array.
    discounts: JSON.stringify(
      discounts.map((discount) => ({ ...discount, amount: discount.amount.toString() })),
    ) as never,
    tax_breakdown: JSON.stringify(breakdownRows(priced)) as never,
  });
  await replaceInvoiceDiscounts(
    tx,
    invoice.id,
    discounts.map((discount) => ({
      discount_id: discount.discount_id,
      coupon_id: discount.coupon_id,
      amount: discount.amount.toString(),
    })),
  );
}

/**
 * Prices a stored draft and stores every figure. `finalizing` carries the
 * issue date and applies the customer's credit balance; a draft never
 * spends credit.
 */
export async function priceDraft(
  deps: Deps,
  tx: Tx,
  draft: { invoice: InvoiceRow; lines: readonly LineRow[] },
  finalizing: { issue_date: Temporal.PlainDate } | null,
): Promise<PricedInvoice> {
  const { invoice, lines } = draft;
  const customer = await getCustomer(deps, invoice.customer_id, tx);
  const facts = await pricingFactsFor(deps, tx, customer, invoice, finalizing !== null);
  const fallback = finalizing?.issue_date ?? dateIn(deps.clock.now(), customer.time_zone);
  const priced = priceInvoice(
    facts,
    {
      currency: invoice.currency,
      on: taxDate(invoice, customer.time_zone, fallback),
      lines: lines.map((line) => pricingLineInput(line, invoice)),
    },
    finalizing !== null,
  );
  await storePriced(tx, invoice, lines, priced);
  return priced;
}
