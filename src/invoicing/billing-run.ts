import type { Temporal } from "temporal-polyfill";
import { recordAudit } from "../access/index.js";
import { prefetchPriceOverrides } from "../catalog/index.js";
import { type Customer, getCustomer, getCustomersByIds } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { toDate } from "../kernel/clock.js";
import { inTransaction, lockKey } from "../kernel/db.js";
import { type Deps, memoize } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import type { BillingPeriod } from "../kernel/periods.js";
import {
  billablePeriods,
  markPeriodBilled,
  markProrationLinesInvoiced,
  type SubscriptionTerms,
  subscriptionTermsPage,
} from "../subscriptions/index.js";
import { type BatchDue, type BatchFacts, billChunkInOneGo, ChunkConflict } from "./billing-run-batch.js";
import { customersWithPendingTerms } from "./billing-run-batch-store.js";
import { invoiceLineRow, periodLines, productsOfLines } from "./billing-run-lines.js";
import { insertRun, insertRunItems, type NewRunItemRow, periodInvoiced, updateRun } from "./billing-run-store.js";
import { type BillingRunJson, type RunItem, runJson, summarize } from "./billing-run-views.js";
import { loadLegalEntity } from "./legal-entity-service.js";
import { taxRatesOf } from "./pricing-store.js";
import { appendPendingItems, buyerSnapshot, recompute, seriesFor } from "./service.js";
import { insertInvoice, insertLines } from "./store.js";
import { pricedTaxRate } from "./tax-rate-service.js";
import { previewPeriod } from "./upcoming.js";

/**
 * Billing runs: every subscription period due by `as_of` (in the customer's
 * time zone) becomes one draft invoice, one transaction per period. The
 * unique (subscription_id, period_index) constraint makes a second run, or a
 * run in another process, skip what is billed already.
 */

export interface BillingRunOptions {
  as_of: Temporal.Instant;
  customer?: string | undefined;
  /**
   * The test clock whose customers this run bills (as of the clock's time).
   * A run without one bills only customers on real time: a customer on a
   * test clock is billed when its clock is advanced, never by the live run.
   */
  test_clock?: string | undefined;
  dry_run?: boolean | undefined;
  on_progress?: ((progress: { done: number; total: number }) => void) | undefined;
}

interface DueSubscription {
  terms: SubscriptionTerms;
  periods: BillingPeriod[];
}

/** Subscriptions read per page of a run: each page is one chunk of the fast path. */
const PAGE = 500;

function failure(error: unknown): { error_code: string; error_message: string } {
  if (error instanceof DomainError) return { error_code: error.code, error_message: error.message };
  return { error_code: "internal_error", error_message: error instanceof Error ? error.message : String(error) };
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === "23505";

type Outcome = Omit<RunItem, "subscription_id" | "customer_id" | "period_index">;

/** One period in one transaction: lock the subscription, build the lines, write the draft, mark it billed. */
async function billPeriod(
  deps: Deps,
  ctx: RequestContext,
  terms: SubscriptionTerms,
  customer: Customer,
  period: BillingPeriod,
): Promise<Outcome> {
  return inTransaction(deps.db, async (tx) => {
    await lockKey(tx, "billing-run", terms.id);
    if (await periodInvoiced(tx, terms.id, period.index)) return { outcome: "skipped_already_billed" };
    const { lines, proration_ids, scripted } = await periodLines(deps, terms, period, true);
    // The period's usage charges commit with this draft or not at all (rating-lines.ts).
    await scripted.store?.(tx);
    const id = newId("invoice");
    const at = deps.clock.now();
    await insertInvoice(tx, {
      id,
      customer_id: customer.id,
      ...seriesFor(customer),
      currency: terms.currency,
      status: "draft",
      addresses: buyerSnapshot(customer),
      po_number: null,
      memo: null,
      period_start: toDate(period.start),
      period_end: toDate(period.end),
      subscription_id: terms.id,
      period_index: period.index,
      created_at: toDate(at),
    });
    const products = await productsOfLines(deps, lines);
    await insertLines(
      tx,
      lines.map((line, index) => invoiceLineRow(line, id, index + 1, () => newId("invoice_line"), products)),
    );
    // One-off charges waiting for the customer's next invoice ride on this one.
    await appendPendingItems(tx, { id, customer_id: customer.id, currency: terms.currency }, lines.length);
    const taken = await markProrationLinesInvoiced(deps, tx, proration_ids, id);
    if (taken !== proration_ids.length) {
      throw new DomainError("billing_run_conflict", "another invoice took this subscription's prorations");
    }
    await markPeriodBilled(deps, tx, terms.id, period.index);
    const after = await recompute(deps, tx, id);
    await recordAudit(tx, ctx, { action: "invoice.created", object_type: "invoice", object_id: id, after }, at);
    return { outcome: "invoiced", invoice_id: id, currency: terms.currency, total: after.total };
  });
}

async function writePeriod(
  deps: Deps,
  ctx: RequestContext,
  due: DueSubscription,
  customer: Customer,
  period: BillingPeriod,
) {
  try {
    return await billPeriod(deps, ctx, due.terms, customer, period);
  } catch (error) {
    // Someone else billed the period between our check and our insert.
    if (isUniqueViolation(error)) return { outcome: "skipped_already_billed" } as const;
    throw error;
  }
}

/**
 * The periods of one subscription, oldest first. A hold skips them all; a
 * failure stops the subscription there (later periods wait for the retry, so
 * invoices stay in period order) but never the run.
 */
async function billSubscription(
  deps: Deps,
  ctx: RequestContext,
  due: DueSubscription,
  options: BillingRunOptions,
): Promise<RunItem[]> {
  const dryRun = options.dry_run ?? false;
  const { terms, periods } = due;
  const base = { subscription_id: terms.id, customer_id: terms.customer_id };
  const items: RunItem[] = [];
  try {
    const customer = await getCustomer(deps, terms.customer_id);
    if ((customer.test_clock ?? undefined) !== options.test_clock) return [];
    if (customer.billing_hold !== null) {
      const reason = `billing hold: ${customer.billing_hold.reason}`;
      return [{ ...base, period_index: periods[0]?.index ?? null, outcome: "skipped_held", reason }] as RunItem[];
    }
    if (customer.archived) {
      throw new DomainError("customer_archived", `customer ${customer.id} is archived; unarchive it to bill it`);
    }
    for (const [position, period] of periods.entries()) {
      const outcome = dryRun
        ? await previewPeriod(deps, terms, period, position === 0)
        : await writePeriod(deps, ctx, due, customer, period);
      items.push({ ...base, period_index: period.index, ...outcome });
    }
  } catch (error) {
    const next = periods[items.length]?.index ?? null;
    items.push({ ...base, period_index: next, outcome: "failed", ...failure(error) });
  }
  return items;
}

/** The careful path for each subscription: one transaction per period, under the subscription's lock. */
async function billOneByOne(
  deps: Deps,
  ctx: RequestContext,
  due: readonly DueSubscription[],
  options: BillingRunOptions,
) {
  const items: RunItem[] = [];
  for (const subscription of due) items.push(...(await billSubscription(deps, ctx, subscription, options)));
  return items;
}

/**
 * One page of subscriptions: who is due, their customers, and then the fast
 * path for every plain case and the careful path for the rest (a dry run,
 * running discounts, pending one-off items, or a chunk another process got
 * to first). Held and archived customers are reported, not billed.
 */
async function billPage(
  deps: Deps,
  ctx: RequestContext,
  due: DueSubscription[],
  options: BillingRunOptions,
): Promise<RunItem[]> {
  const customers = await getCustomersByIds(
    deps,
    due.map((subscription) => subscription.terms.customer_id),
  );
  const mine = due.filter(
    (subscription) => (customers.get(subscription.terms.customer_id)?.test_clock ?? undefined) === options.test_clock,
  );
  if (options.dry_run === true) return billOneByOne(deps, ctx, mine, options);
  const careful = await customersWithPendingTerms(
    deps.db,
    mine.map((subscription) => subscription.terms.customer_id),
  );
  const fast: BatchDue[] = [];
  const slow: DueSubscription[] = [];
  for (const subscription of mine) {
    const customer = customers.get(subscription.terms.customer_id);
    const plain =
      customer !== undefined && customer.billing_hold === null && !customer.archived && !careful.has(customer.id);
    if (plain) fast.push({ ...subscription, customer });
    else slow.push(subscription);
  }
  const items = await billOneByOne(deps, ctx, slow, options);
  if (fast.length === 0) return items;
  await prefetchPriceOverrides(
    deps,
    fast.map(({ terms }) => ({
      customer_id: terms.customer_id,
      currency: terms.currency,
      price_ids: [...new Set(terms.phases.flatMap((phase) => phase.items.map((item) => item.price_id)))],
    })),
  );
  try {
    items.push(...(await billChunkInOneGo(deps, ctx, fast, await batchFacts(deps, fast))));
  } catch (error) {
    if (!(error instanceof ChunkConflict)) throw error;
    items.push(...(await billOneByOne(deps, ctx, fast, options)));
  }
  return items;
}

/** The sellers' countries (each legal entity's, read once per run) and the tax rates of the customers' countries. */
async function batchFacts(deps: Deps, due: readonly BatchDue[]): Promise<BatchFacts> {
  const countries = new Set<string>();
  const entities = new Set<string>();
  for (const { customer } of due) {
    const country = customer.billing_address?.country;
    if (country !== undefined) countries.add(country);
    entities.add(customer.legal_entity);
  }
  const sellers = new Map<string, string>();
  for (const id of entities) {
    const entity = await memoize(deps, `legal_entity:${id}`, () => loadLegalEntity(deps.db, id));
    sellers.set(id, entity.country);
  }
  const rates = await taxRatesOf(deps.db, [...countries]);
  return { seller_country: sellers, rates: rates.map(pricedTaxRate) };
}

/** One page billed and its items recorded (so a crash leaves what was done). */
async function billAndRecord(
  deps: Deps,
  ctx: RequestContext,
  runId: string,
  due: DueSubscription[],
  options: BillingRunOptions,
): Promise<RunItem[]> {
  const billed = await billPage(deps, ctx, due, options);
  if (options.dry_run !== true && billed.length > 0) {
    const rows = billed.map((item): NewRunItemRow => ({ ...item, id: newId("billing_run_item"), run_id: runId }));
    await insertRunItems(deps.db, rows);
  }
  return billed;
}

/**
 * Bills every subscription due, a page at a time, two pages in flight: while
 * one page's transaction is in the database, the next page's invoices are
 * built, so the process and the database work at once. Pages hold different
 * subscriptions, so they never contend. Each page has its own memo; catalog
 * rows, which never change, are carried from one to the next.
 */
async function billAll(
  baseDeps: Deps,
  ctx: RequestContext,
  runId: string,
  options: BillingRunOptions,
  customer: string | undefined,
): Promise<{ items: RunItem[]; considered: number }> {
  const items: RunItem[] = [];
  let considered = 0;
  let after: string | undefined;
  let carried = new Map<string, Promise<unknown>>();
  let inFlight: Promise<RunItem[]> | undefined;
  const settle = async () => {
    if (inFlight === undefined) return;
    items.push(...(await inFlight));
    inFlight = undefined;
    options.on_progress?.({ done: items.length, total: Math.max(considered, items.length) });
  };
  try {
    for (;;) {
      const deps: Deps = { ...baseDeps, memo: new Map([...carried].filter(([key]) => CARRIED_KEYS.test(key))) };
      const page = await subscriptionTermsPage(deps, { after, limit: PAGE, customer_id: customer });
      const due = page.terms
        .map((terms) => ({ terms, periods: billablePeriods(terms, options.as_of) }))
        .filter((subscription) => subscription.periods.length > 0);
      considered += due.length;
      const work = billAndRecord(deps, ctx, runId, due, options);
      // Awaited below; until then a failure must not count as unhandled.
      work.catch(() => undefined);
      await settle();
      inFlight = work;
      carried = deps.memo ?? carried;
      if (!page.has_more || page.last === undefined) break;
      after = page.last;
    }
    await settle();
  } finally {
    // A failed page stops the run; let the other page finish before the run is marked failed.
    await inFlight?.catch(() => undefined);
  }
  return { items, considered };
}

/** Memo entries kept from page to page: rows that never change (prices, versions, products, the seller). */
const CARRIED_KEYS = /^(price|price_version|price_product|legal_entity):/;

/** Runs billing as of an instant. A dry run writes nothing, not even the run record, and returns what it would invoice. */
export async function runBilling(deps: Deps, ctx: RequestContext, options: BillingRunOptions): Promise<BillingRunJson> {
  const dryRun = options.dry_run ?? false;
  const customer = options.customer === undefined ? undefined : (await getCustomer(deps, options.customer)).id;
  const id = newId("billing_run");
  const started = deps.clock.now();
  const header = { id, as_of: toDate(options.as_of), customer_id: customer ?? null, started_at: toDate(started) };
  if (!dryRun) await insertRun(deps.db, { ...header, status: "running", totals: {} });
  let considered: number;
  let items: RunItem[];
  try {
    ({ items, considered } = await billAll(deps, ctx, id, options, customer));
  } catch (error) {
    // Items already billed stay billed; the record says the run stopped early.
    if (!dryRun) await updateRun(deps.db, id, { status: "failed", finished_at: toDate(deps.clock.now()) });
    throw error;
  }
  const finished = deps.clock.now();
  const summary = summarize(considered, items, started, finished);
  if (!dryRun) await updateRun(deps.db, id, { ...summary, finished_at: toDate(finished) });
  return runJson({ ...header, ...summary, finished_at: toDate(finished) }, items, dryRun);
}
