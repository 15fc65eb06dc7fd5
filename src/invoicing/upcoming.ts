import { Temporal } from "temporal-polyfill";
import { customerDeps, getCustomer } from "../customers/index.js";
import { inTransaction } from "../kernel/db.js";
import { type Deps, memoize, withMemo } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { parseId } from "../kernel/ids.js";
import { type Decimal, formatAmountForApi } from "../kernel/money.js";
import type { BillingPeriod } from "../kernel/periods.js";
import {
  billablePeriods,
  customerSubscriptionIds,
  type SubscriptionTerms,
  subscriptionTerms,
} from "../subscriptions/index.js";
import type { AssembledInvoice } from "./assembly.js";
import { invoiceLineRow, periodLines, productsOfLines } from "./billing-run-lines.js";
import type { RunItem } from "./billing-run-views.js";
import { pricingFactsFor } from "./draft-pricing.js";
import { DEFAULT_LEGAL_ENTITY } from "./legal-entities.js";
import { priceInvoice, treatmentName } from "./pricing.js";
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

async function periodInvoice(deps: Deps, terms: SubscriptionTerms, period: BillingPeriod, first: boolean) {
  const { lines } = await periodLines(deps, terms, period, first);
  const products = await productsOfLines(deps, lines);
  const rows = lines.map(
    (line, index) =>
      ({
        ...invoiceLineRow(line, "upcoming", index + 1, () => `line_${index}`, products),
        ...{ amount: "0", tax_amount: "0", discount_amount: "0", net_amount: "0", tax_override: false },
      }) as LineRow,
  );
  // Priced by the same path as the run's draft (tax, discounts), in a transaction that writes nothing.
  // The customer's tax facts and discounts do not depend on the period: read once per preview.
  const { customer, facts } = await memoize(deps, `pricing_facts:${terms.customer_id}:${terms.currency}`, () =>
    inTransaction(deps.db, async (tx) => {
      const customer = await getCustomer(deps, terms.customer_id, tx);
      const invoice = { id: null, currency: terms.currency, legal_entity: DEFAULT_LEGAL_ENTITY };
      return { customer, facts: await pricingFactsFor(deps, tx, customer, invoice, false) };
    }),
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
  const due = billablePeriods(terms, now)[0];
  return due ?? billablePeriods(terms, now.add({ hours: 24 * LOOK_AHEAD_DAYS }))[0];
}

async function upcomingFor(deps: Deps, subscriptionId: string): Promise<UpcomingInvoiceJson | undefined> {
  const terms = await subscriptionTerms(deps, subscriptionId);
  // "Next" on the customer's time: a test clock's frozen time for a customer on one.
  const now = await memoize(deps, `customer_now:${terms.customer_id}`, async () =>
    (await customerDeps(deps, terms.customer_id)).clock.now(),
  );
  const period = nextPeriod(terms, now);
  return period === undefined ? undefined : periodInvoice(deps, terms, period, true);
}

const startOf = (invoice: UpcomingInvoiceJson) => Temporal.Instant.from(invoice.period.start);

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
  let found: UpcomingInvoiceJson | undefined;
  if (target.subscription !== undefined) {
    found = await upcomingFor(deps, parseId("subscription", target.subscription, "subscription"));
  } else if (target.customer !== undefined) {
    const customer = await getCustomer(deps, target.customer);
    for (const subscription of await customerSubscriptionIds(deps, customer.id)) {
      const next = await upcomingFor(deps, subscription);
      if (next !== undefined && (found === undefined || Temporal.Instant.compare(startOf(next), startOf(found)) < 0)) {
        found = next;
      }
    }
  } else {
    throw new DomainError("parameter_missing", "give a subscription or a customer", { param: "subscription" });
  }
  if (found === undefined) throw new DomainError("upcoming_invoice_none", "nothing is left to bill");
  return found;
}
