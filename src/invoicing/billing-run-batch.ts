import type { Temporal } from "temporal-polyfill";
import { recordAuditMany } from "../access/index.js";
import type { Customer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { toDate } from "../kernel/clock.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { Decimal, formatAmountForApi } from "../kernel/money.js";
import type { BillingPeriod } from "../kernel/periods.js";
import { markPeriodsBilled, markProrationLinesInvoicedMany, type SubscriptionTerms } from "../subscriptions/index.js";
import type { ScriptedUsage } from "../usage/index.js";
import type { AssembledInvoice } from "./assembly.js";
import { insertDraftsOnce, insertLineRows } from "./billing-run-batch-store.js";
import { finalizeOnWrite, type RunDraft } from "./billing-run-finalize.js";
import { invoiceLineRow, periodLines, productsOfLines } from "./billing-run-lines.js";
import type { RunItem } from "./billing-run-views.js";
import { taxDate } from "./draft-pricing.js";
import { type PricedTaxRate, type PricingFacts, priceInvoice, taxCustomerOf, treatmentName } from "./pricing.js";
import { buyerSnapshot, seriesFor } from "./service.js";
import type { InvoiceRow, LineRow } from "./store.js";
import { treatmentPercentage } from "./tax.js";
import { dateIn, invoiceJson, pricingLineInput } from "./views.js";

/**
 * The billing run's fast path: the drafts of a chunk of subscriptions built
 * in memory with the same line builder and the same pure pricing as the
 * careful path, then written in one transaction with a handful of
 * multi-row statements. It takes only what needs no per-customer lock:
 * customers without running discounts or pending one-off items (those go
 * the careful path). If another process billed any of the chunk's periods
 * meanwhile, the transaction is rolled back and the chunk goes the careful
 * path, which skips what is billed and bills the rest.
 */

export interface BatchDue {
  terms: SubscriptionTerms;
  periods: BillingPeriod[];
  customer: Customer;
}

export interface BatchFacts {
  /** The seller's country per legal entity id. */
  seller_country: ReadonlyMap<string, string>;
  /** Every rate of the customers' countries. */
  rates: readonly PricedTaxRate[];
}

interface Draft {
  invoice: InvoiceRow;
  lines: LineRow[];
  proration_ids: string[];
  scripted: ScriptedUsage;
  due: BatchDue;
  /** Its figures as priced in memory (priceInMemory). */
  assembled?: AssembledInvoice;
}

/** Another process billed some of the chunk's periods: roll back and take the careful path. */
export class ChunkConflict extends Error {}

function draftRow(due: BatchDue, period: BillingPeriod, at: Temporal.Instant): InvoiceRow {
  const { customer, terms } = due;
  const zero = "0";
  return {
    id: newId("invoice"),
    customer_id: customer.id,
    currency: terms.currency,
    status: "draft",
    number: null,
    // The column's default series until finalization names the entity's own.
    series: seriesFor(customer).series ?? "INV",
    legal_entity: seriesFor(customer).legal_entity,
    issue_date: null,
    due_date: null,
    period_start: toDate(period.start),
    period_end: toDate(period.end),
    po_number: null,
    memo: null,
    addresses: buyerSnapshot(customer),
    seller: null,
    subtotal: zero,
    discount: zero,
    tax: zero,
    total: zero,
    amount_due: zero,
    total_excluding_tax: zero,
    credit_applied: zero,
    discounts: [],
    tax_breakdown: [],
    credited_total: zero,
    ledger_entry_id: null,
    subscription_id: terms.id,
    period_index: period.index,
    created_at: toDate(at),
    finalized_at: null,
    voided_at: null,
    uncollectible_at: null,
  };
}

/** Prices a draft built in memory exactly as priceDraft prices a stored one, and writes the figures on it. */
function priceInMemory(draft: Draft, facts: BatchFacts, today: Temporal.PlainDate): void {
  const { invoice, lines, due } = draft;
  const customer = taxCustomerOf(due.customer);
  const pricingFacts: PricingFacts = {
    seller_country: facts.seller_country.get(invoice.legal_entity) ?? "",
    customer,
    rates: customer === null ? [] : facts.rates.filter((rate) => rate.country === customer.country),
    discounts: [],
    credit_balance: "0",
  };
  const on = taxDate(invoice, due.customer.time_zone, today);
  const priced = priceInvoice(
    pricingFacts,
    { currency: invoice.currency, on, lines: lines.map((line) => pricingLineInput(line, invoice)) },
    false,
  );
  const { assembled } = priced;
  draft.assembled = assembled;
  for (const [index, line] of lines.entries()) {
    const figures = assembled.lines[index];
    if (figures === undefined) continue;
    line.amount = figures.amount.toString();
    line.tax_amount = figures.tax_amount.toString();
    line.discount_amount = figures.discount_amount.toString();
    line.net_amount = figures.net_amount.toString();
    line.tax_rate = treatmentPercentage(figures.tax_treatment).toString();
    line.tax_name = treatmentName(figures.tax_treatment);
  }
  Object.assign(invoice, {
    subtotal: assembled.subtotal.toString(),
    discount: assembled.discount_total.toString(),
    tax: assembled.tax.toString(),
    total: assembled.total.toString(),
    total_excluding_tax: assembled.total_excluding_tax.toString(),
    credit_applied: assembled.credit_applied.toString(),
    amount_due: assembled.amount_due.toString(),
    tax_breakdown: assembled.tax_breakdown.map((row) => ({
      kind: row.kind,
      tax_rate_id: row.tax_rate_id,
      name: row.name,
      percentage: row.percentage.toString(),
      taxable_amount: row.taxable_amount.toString(),
      tax_amount: row.tax_amount.toString(),
    })),
  });
}

/** The drafts of one subscription's due periods; prorations ride on the first. */
async function draftsOf(deps: Deps, due: BatchDue, facts: BatchFacts, at: Temporal.Instant): Promise<Draft[]> {
  const drafts: Draft[] = [];
  for (const [position, period] of due.periods.entries()) {
    const invoice = draftRow(due, period, at);
    const built = await periodLines(deps, due.terms, period, position === 0);
    const products = await productsOfLines(deps, built.lines);
    const lines = built.lines.map(
      (line, index): LineRow =>
        ({
          ...invoiceLineRow(line, invoice.id, index + 1, () => newId("invoice_line"), products),
          tax_override: false,
          discount_amount: "0",
          net_amount: "0",
        }) as LineRow,
    );
    const draft = { invoice, lines, proration_ids: built.proration_ids, scripted: built.scripted, due };
    priceInMemory(draft, facts, dateIn(at, due.customer.time_zone));
    drafts.push(draft);
  }
  return drafts;
}

/**
 * The chunk's usage charges, in the chunk's transaction and before its lines
 * (usage ties each charge to its line as the line is inserted), so a rolled
 * back chunk leaves no charges behind. Sorted by period: two pages in flight
 * may share a customer's usage period, and locking in one order keeps them
 * from waiting on each other in a cycle.
 */
async function storeUsageCharges(tx: Tx, drafts: readonly Draft[]): Promise<void> {
  const rated = drafts.flatMap(({ scripted }) =>
    scripted.store === null || scripted.period === null ? [] : [{ store: scripted.store, period: scripted.period }],
  );
  const order = (usage: (typeof rated)[number]) =>
    `${usage.period.customer_id}:${usage.period.period_start.toISOString()}:${usage.period.period_end.toISOString()}`;
  rated.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  for (const usage of rated) await usage.store(tx);
}

/** The drafts as the run finalizes them (billing-run-finalize.ts). */
const runDrafts = (drafts: readonly Draft[]): RunDraft[] =>
  drafts.flatMap(({ invoice, lines, due, assembled }) =>
    assembled === undefined ? [] : [{ invoice, lines, customer: due.customer, assembled }],
  );

/**
 * The chunk in one transaction: usage charges, the invoices (those the run
 * finalizes already numbered and posted), lines, prorations and periods
 * taken, audit rows and outbox events. Returns the ids finalized.
 */
async function writeDrafts(
  deps: Deps,
  ctx: RequestContext,
  drafts: readonly Draft[],
  write: { at: Temporal.Instant; finalize: boolean },
): Promise<Set<string>> {
  return inTransaction(
    deps.db,
    async (tx) => {
      await storeUsageCharges(tx, drafts);
      const finalized = write.finalize ? await finalizeOnWrite(deps, ctx, tx, runDrafts(drafts), write.at) : [];
      const finalRows = new Map(finalized.map((done) => [done.invoice.id, done.invoice]));
      const inserted = await insertDraftsOnce(
        tx,
        drafts.map((draft) => finalRows.get(draft.invoice.id) ?? draft.invoice),
      );
      if (inserted.size !== drafts.length) throw new ChunkConflict("some periods were billed meanwhile");
      await insertLineRows(
        tx,
        drafts.flatMap((draft) => draft.lines),
      );
      const prorations = drafts.flatMap((draft) =>
        draft.proration_ids.map((line_id) => ({ line_id, invoice_id: draft.invoice.id })),
      );
      if ((await markProrationLinesInvoicedMany(tx, prorations)) !== prorations.length) {
        throw new ChunkConflict("another invoice took some of the chunk's prorations");
      }
      const billed = new Map<string, number>();
      for (const draft of drafts) billed.set(draft.due.terms.id, draft.invoice.period_index ?? 0);
      await markPeriodsBilled(
        deps,
        tx,
        [...billed].map(([id, period_index]) => ({ id, period_index })),
      );
      const issued = new Map(finalized.map((done) => [done.invoice.id, invoiceJson(done.invoice, done.lines)]));
      // One row an invoice: a draft, created; or finalized, with nothing before it (it never was a draft anyone saw),
      // whose view is also the data of its invoice.finalized event, sent once for both.
      await recordAuditMany(
        tx,
        ctx,
        drafts.map(({ invoice, lines }) => {
          const after = issued.get(invoice.id);
          return after === undefined
            ? {
                action: "invoice.created",
                object_type: "invoice",
                object_id: invoice.id,
                after: invoiceJson(invoice, lines),
              }
            : {
                action: "invoice.finalized",
                object_type: "invoice",
                object_id: invoice.id,
                after,
                emits: { type: "invoice.finalized", key: "invoice" },
              };
        }),
        write.at,
      );
      return new Set(finalRows.keys());
    },
    // Two pages in flight finalizing can deadlock (the first accounts of a book); the chunk is retried whole.
    { retries: write.finalize ? 2 : 0 },
  );
}

/**
 * Writes the drafts of a chunk in one transaction and returns its run items;
 * throws ChunkConflict when the caller must bill the chunk the careful way.
 * A subscription whose lines cannot be built (a price gone missing) is
 * failed alone, as on the careful path.
 */
export async function billChunkInOneGo(
  deps: Deps,
  ctx: RequestContext,
  chunk: readonly BatchDue[],
  facts: BatchFacts,
): Promise<RunItem[]> {
  const items: RunItem[] = [];
  const drafts: Draft[] = [];
  // One instant for the chunk: the drafts are priced on it and, when due, finalized on it.
  const at = deps.clock.now();
  for (const due of chunk) {
    try {
      drafts.push(...(await draftsOf(deps, due, facts, at)));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      items.push({
        subscription_id: due.terms.id,
        customer_id: due.terms.customer_id,
        period_index: due.periods[0]?.index ?? null,
        outcome: "failed",
        error_code: error.code,
        error_message: error.message,
      });
    }
  }
  let finalized: Set<string>;
  try {
    finalized = await writeDrafts(deps, ctx, drafts, { at, finalize: true });
  } catch (error) {
    // Still losing lock conflicts: write the drafts alone; the auto-finalize job finalizes them.
    if (!(error instanceof DomainError) || error.code !== "serialization_retry_exhausted") throw error;
    finalized = await writeDrafts(deps, ctx, drafts, { at, finalize: false });
  }
  for (const { invoice } of drafts) {
    items.push({
      subscription_id: invoice.subscription_id ?? "",
      customer_id: invoice.customer_id,
      period_index: invoice.period_index,
      outcome: "invoiced",
      invoice_id: invoice.id,
      currency: invoice.currency,
      total: formatAmountForApi(new Decimal(invoice.total), invoice.currency),
      finalized: finalized.has(invoice.id),
    });
  }
  return items;
}
