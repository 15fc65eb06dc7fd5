import type { Temporal } from "temporal-polyfill";
import { recordAudit } from "../access/index.js";
import { type Customer, getCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { toDate } from "../kernel/clock.js";
import { inTransaction, lockKey } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import type { BillingPeriod } from "../kernel/periods.js";
import {
  billablePeriods,
  listSubscriptions,
  markPeriodBilled,
  markProrationLinesInvoiced,
  type SubscriptionTerms,
  subscriptionTerms,
} from "../subscriptions/index.js";
import { invoiceLineRow, periodLines, productsOfLines } from "./billing-run-lines.js";
import { insertRun, insertRunItems, type NewRunItemRow, periodInvoiced, updateRun } from "./billing-run-store.js";
import { type BillingRunJson, type RunItem, runJson, summarize } from "./billing-run-views.js";
import { appendPendingItems, buyerSnapshot, recompute, seriesFor } from "./service.js";
import { insertInvoice, insertLines } from "./store.js";
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

const PAGE = 100;

/** The subscriptions (of one customer, when given) with at least one period due. */
async function dueSubscriptions(deps: Deps, asOf: Temporal.Instant, customer?: string): Promise<DueSubscription[]> {
  const due: DueSubscription[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await listSubscriptions(deps, { customer, limit: PAGE, starting_after: after });
    for (const subscription of page.data) {
      const terms = await subscriptionTerms(deps, subscription.id);
      const periods = billablePeriods(terms, asOf);
      if (periods.length > 0) due.push({ terms, periods });
    }
    if (!page.has_more || page.data.length === 0) break;
    after = page.data[page.data.length - 1]?.id;
  }
  // Oldest subscription first, so a run reads in the order subscriptions were made.
  return due.reverse();
}

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
    const { lines, proration_ids } = await periodLines(deps, terms, period, true);
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

/** Bills every subscription due, recording each one's items as it goes, so a crash leaves what was done. */
async function billAll(
  deps: Deps,
  ctx: RequestContext,
  runId: string,
  due: DueSubscription[],
  options: BillingRunOptions,
) {
  const dryRun = options.dry_run ?? false;
  const items: RunItem[] = [];
  for (const [index, subscription] of due.entries()) {
    const billed = await billSubscription(deps, ctx, subscription, options);
    if (!dryRun) {
      const rows = billed.map((item): NewRunItemRow => ({ ...item, id: newId("billing_run_item"), run_id: runId }));
      await insertRunItems(deps.db, rows);
    }
    items.push(...billed);
    options.on_progress?.({ done: index + 1, total: due.length });
  }
  return items;
}

/** Runs billing as of an instant. A dry run writes nothing, not even the run record, and returns what it would invoice. */
export async function runBilling(deps: Deps, ctx: RequestContext, options: BillingRunOptions): Promise<BillingRunJson> {
  const dryRun = options.dry_run ?? false;
  const customer = options.customer === undefined ? undefined : (await getCustomer(deps, options.customer)).id;
  const id = newId("billing_run");
  const started = deps.clock.now();
  const header = { id, as_of: toDate(options.as_of), customer_id: customer ?? null, started_at: toDate(started) };
  if (!dryRun) await insertRun(deps.db, { ...header, status: "running", totals: {} });
  let due: DueSubscription[];
  let items: RunItem[];
  try {
    due = await dueSubscriptions(deps, options.as_of, customer);
    items = await billAll(deps, ctx, id, due, options);
  } catch (error) {
    // Items already billed stay billed; the record says the run stopped early.
    if (!dryRun) await updateRun(deps.db, id, { status: "failed", finished_at: toDate(deps.clock.now()) });
    throw error;
  }
  const finished = deps.clock.now();
  const summary = summarize(due.length, items, started, finished);
  if (!dryRun) await updateRun(deps.db, id, { ...summary, finished_at: toDate(finished) });
  return runJson({ ...header, ...summary, finished_at: toDate(finished) }, items, dryRun);
}
