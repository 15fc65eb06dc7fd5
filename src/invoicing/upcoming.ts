import { Temporal } from "temporal-polyfill";
import { type Customer, customerDeps, getCustomer } from "../customers/index.js";
import { type Deps, memoize, remember, withMemo } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { isId, parseId } from "../kernel/ids.js";
import { type Decimal, formatAmountForApi } from "../kernel/money.js";
import type { BillingPeriod } from "../kernel/periods.js";
import {
  billablePeriods,
  customerSubscriptionIds,
  type SubscriptionLineJson,
  type SubscriptionTerms,
  subscriptionTerms,
} from "../subscriptions/index.js";
import type { AssembledInvoice } from "./assembly.js";
import { invoiceLineRow, periodLines, productsOfLines } from "./billing-run-lines.js";
import type { RunItem } from "./billing-run-views.js";
import { previewPricingFacts } from "./draft-pricing.js";
import { type PricingFacts, priceInvoice, treatmentName } from "./pricing.js";
import type { LineRow } from "./store.js";
import { treatmentPercentage } from "./tax.js";
import { dateIn, lineJson, pricingLineInput } from "./views.js";

/**
 * The next invoice of a subscription or customer, computed exactly as a
 * billing run would write it, without writing anything.
 */

/** Far enough ahead to reach the next period of any plan (the longest interval is a year). */
const LOOK_AHEAD_DAYS = 400;

function assemble(terms: SubscriptionTerms, period: BillingPeriod, rows: LineRow[], assembled: AssembledInvoice) {
  const money = (value: Decimal) => formatAmountForApi(value, terms.currency);
  return {
    object: "upcoming_invoice" as const,
    customer: terms.customer_id,
    subscription: terms.id,
    currency: terms.currency,
    period_index: period.index,
    period: { start: period.start.toString(), end: period.end.toString() },
    lines: rows.map((row, index) => {
      const figures = assembled.lines[index];
      const priced =
        figures === undefined
          ? {}
          : {
              amount: figures.amount.toString(),
              tax_amount: figures.tax_amount.toString(),
              discount_amount: figures.discount_amount.toString(),
              tax_rate: treatmentPercentage(figures.tax_treatment).toString(),
              tax_name: treatmentName(figures.tax_treatment),
            };
      return { ...lineJson({ ...row, ...priced }, terms.currency), id: null };
    }),
    subtotal: money(assembled.subtotal),
    discount: money(assembled.discount_total),
    tax: money(assembled.tax),
    total: money(assembled.total),
    amount_due: money(assembled.amount_due),
  };
}

export type UpcomingInvoiceJson = ReturnType<typeof assemble>;

/** The customer, read once per preview: its time zone, tax facts and test clock all come from it. */
function customerOf(deps: Deps, idOrExternalId: string): Promise<Customer> {
  return memoize(deps, `customer:${idOrExternalId}`, () => getCustomer(deps, idOrExternalId));
}

/**
 * What prices the preview as the run's draft is priced (tax, discounts).
 * They do not depend on the period: read once per preview.
 */
async function customerFacts(
  deps: Deps,
  terms: SubscriptionTerms,
): Promise<{ customer: Customer; facts: PricingFacts }> {
  const customer = await customerOf(deps, terms.customer_id);
  const facts = await memoize(deps, `pricing_facts:${customer.id}:${terms.currency}`, () =>
    previewPricingFacts(deps.db, customer, { currency: terms.currency, legal_entity: customer.legal_entity }),
  );
  return { customer, facts };
}

/** "Now" on the customer's time: a test clock's frozen time for a customer on one. */
function customerNow(deps: Deps, customer: Customer): Promise<Temporal.Instant> {
  return memoize(deps, `customer_now:${customer.id}`, async () =>
    // A customer on real time needs no second read to say so.
    customer.test_clock === null ? deps.clock.now() : (await customerDeps(deps, customer.id)).clock.now(),
  );
}

/** Each line's product, the distinct prices read side by side rather than one after another. */
async function productsOf(deps: Deps, lines: readonly SubscriptionLineJson[]): Promise<Map<string, string>> {
  const onePerPrice = [...new Map(lines.map((line) => [line.price, line])).values()];
  const found = await Promise.all(onePerPrice.map((line) => productsOfLines(deps, [line])));
  return new Map(found.flatMap((products) => [...products]));
}

async function periodInvoice(deps: Deps, terms: SubscriptionTerms, period: BillingPeriod, first: boolean) {
  // The customer's tax facts and discounts are read while the lines are priced: they do not depend on each other.
  const [{ lines }, { customer, facts }] = await Promise.all([
    periodLines(deps, terms, period, first, { preview: true }),
    customerFacts(deps, terms),
  ]);
  const products = await productsOf(deps, lines);
  const rows = lines.map(
    (line, index) =>
      ({
        ...invoiceLineRow(line, "upcoming", index + 1, () => `line_${index}`, products),
        ...{ amount: "0", tax_amount: "0", discount_amount: "0", net_amount: "0", tax_override: false },
      }) as LineRow,
  );
  const request = {
    currency: terms.currency,
    on: dateIn(period.start, customer.time_zone),
    lines: rows.map((row) => pricingLineInput(row, { subscription_id: terms.id })),
  };
  const { assembled } = priceInvoice(facts, request, false);
  return assemble(terms, period, rows, assembled);
}

/** What a run would create for one period: the dry-run outcome. */
export async function previewPeriod(
  deps: Deps,
  terms: SubscriptionTerms,
  period: BillingPeriod,
  first: boolean,
): Promise<Pick<RunItem, "outcome" | "currency" | "total">> {
  const invoice = await periodInvoice(deps, terms, period, first);
  return { outcome: "invoiced", currency: invoice.currency, total: invoice.total };
}

/** The next period to bill: the oldest one due now, else the first one coming. */
function nextPeriod(terms: SubscriptionTerms, now: Temporal.Instant): BillingPeriod | undefined {
  const due = billablePeriods(terms, now, 1)[0];
  return due ?? billablePeriods(terms, now.add({ hours: 24 * LOOK_AHEAD_DAYS }), 1)[0];
}

/**
 * The customer's subscriptions. Given our id, the customer and its
 * subscriptions are read side by side (one round trip less); an unknown
 * customer still answers with the customer's not-found error.
 */
async function subscriptionsOf(deps: Deps, idOrExternalId: string): Promise<string[]> {
  if (isId("customer", idOrExternalId)) {
    const [, ids] = await Promise.all([
      customerOf(deps, idOrExternalId),
      customerSubscriptionIds(deps, idOrExternalId),
    ]);
    return ids;
  }
  const customer = await customerOf(deps, idOrExternalId);
  remember(deps, `customer:${customer.id}`, customer);
  return customerSubscriptionIds(deps, customer.id);
}

/** Ties keep the subscription listed first. */
const before = (a: BillingPeriod, b: BillingPeriod) => Temporal.Instant.compare(a.start, b.start) < 0;

interface NextPeriod {
  terms: SubscriptionTerms;
  period: BillingPeriod;
}

/** The subscription's next period to bill, judged on the customer's time. */
async function nextOf(deps: Deps, subscriptionId: string): Promise<NextPeriod | undefined> {
  const terms = await subscriptionTerms(deps, subscriptionId);
  const now = await customerNow(deps, await customerOf(deps, terms.customer_id));
  const period = nextPeriod(terms, now);
  return period === undefined ? undefined : { terms, period };
}

/**
 * The next invoice of a subscription, or of a customer (the earliest next
 * period among its subscriptions). `upcoming_invoice_none` when nothing is
 * left to bill.
 */
export async function upcomingInvoice(
  baseDeps: Deps,
  target: { subscription?: string | undefined; customer?: string | undefined },
): Promise<UpcomingInvoiceJson> {
  // Read-only: the subscriptions, price versions and overrides are read once for the whole answer.
  const deps = withMemo(baseDeps);
  let found: NextPeriod | undefined;
  if (target.subscription !== undefined) {
    found = await nextOf(deps, parseId("subscription", target.subscription, "subscription"));
  } else if (target.customer !== undefined) {
    for (const subscription of await subscriptionsOf(deps, target.customer)) {
      const next = await nextOf(deps, subscription);
      if (next !== undefined && (found === undefined || before(next.period, found.period))) found = next;
    }
  } else {
    throw new DomainError("parameter_missing", "give a subscription or a customer", { param: "subscription" });
  }
  if (found === undefined) throw new DomainError("upcoming_invoice_none", "nothing is left to bill");
  // Only the earliest period is priced: the other subscriptions' invoices would be thrown away.
  return periodInvoice(deps, found.terms, found.period, true);
}
