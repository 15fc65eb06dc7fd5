import { Temporal } from "temporal-polyfill";
import { recordAudit } from "../access/index.js";
import { type Customer, getCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { Decimal } from "../kernel/money.js";
import { type ChargeRow, chargedEventIds, type PeriodKey, ratedPeriodsAt } from "./charge-store.js";
import { adjustmentOf, signedAmount } from "./rating-model.js";
import { type PeriodRating, ratePeriod } from "./rating-period.js";
import { usageInvoicing } from "./rating-port.js";
import { billedAmount, lockPeriod, periodInvoice, rateCustomerPeriod, runJson, storeRating } from "./rating-service.js";
import { scriptForCustomer } from "./script-publishing.js";

/**
 * Late events: events accepted for a period that was already rated. A
 * period whose usage is on a draft is re-rated and the draft rebuilt; one
 * whose invoice is finalized is rated again and the difference from what was
 * invoiced goes on the customer's next invoice as a pending item labelled
 * with the period. A period rated but not invoiced needs nothing: billing
 * sees events received after its rating and rates it again. Events older
 * than the configured age never get here (ingestion rejects them).
 */

export interface LateEventOutcome {
  drafts_rerated: string[];
  adjustments: { customer: string; period_start: string; period_end: string; amount: string; invoice_item: string }[];
}

const instant = (date: Date) => Temporal.Instant.fromEpochMilliseconds(date.getTime());

export async function rateAfterLateEvents(
  deps: Deps,
  ctx: RequestContext,
  events: readonly { customer_id: string; ts: Date }[],
): Promise<LateEventOutcome> {
  const outcome: LateEventOutcome = { drafts_rerated: [], adjustments: [] };
  for (const period of await ratedPeriodsAt(deps.db, events)) {
    const found = await scriptForCustomer(deps, period.customer_id);
    if (found.script === null) continue;
    const invoice = await inTransaction(deps.db, (tx) => periodInvoice(tx, period));
    if (invoice === undefined) continue;
    if (invoice.status === "draft") {
      const range = { start: instant(period.period_start), end: instant(period.period_end) };
      const run = await rateCustomerPeriod(deps, ctx, period.customer_id, range, "late_event");
      if (run.draft_invoice !== null) outcome.drafts_rerated.push(run.draft_invoice);
      continue;
    }
    const customer = await getCustomer(deps, period.customer_id);
    const adjustment = await adjustFinalizedPeriod(deps, ctx, customer, period, found.script);
    if (adjustment !== null) outcome.adjustments.push(adjustment);
  }
  return outcome;
}

/**
 * After a batch is stored: the events are accepted whatever happens here, so
 * an expected failure (no rate card in force) leaves the period for the next
 * rating instead of failing the batch.
 */
export async function rateAfterIngestion(
  deps: Deps,
  ctx: RequestContext,
  events: readonly { customer_id: string; ts: Date }[],
): Promise<LateEventOutcome | null> {
  if (events.length === 0) return null;
  const distinct = new Map<string, { customer_id: string; ts: Date }>();
  for (const event of events) distinct.set(`${event.customer_id}@${event.ts.getTime()}`, event);
  try {
    return await rateAfterLateEvents(deps, ctx, [...distinct.values()]);
  } catch (error) {
    if (error instanceof DomainError) return null;
    throw error;
  }
}

function dateIn(date: Date, timeZone: string): string {
  return instant(date).toZonedDateTimeISO(timeZone).toPlainDate().toString();
}

/**
 * Rates a finalized period again and bills the difference from what its
 * invoices carry. The new events' charges are kept, tied to the pending
 * item, so the adjustment line explains itself; whatever else moved (a
 * minimum top-up shrinking) is one residual charge `usage_adjustment`.
 */
async function adjustFinalizedPeriod(
  deps: Deps,
  ctx: RequestContext,
  customer: Customer,
  period: PeriodKey,
  scriptId: string,
): Promise<LateEventOutcome["adjustments"][number] | null> {
  const rating = await ratePeriod(deps, { customer, script_id: scriptId, period });
  return inTransaction(deps.db, async (tx) => {
    await lockPeriod(tx, period);
    const difference = adjustmentOf(rating.amount, await billedAmount(tx, period));
    if (difference.isZero()) return null;
    const span = `${dateIn(period.period_start, customer.time_zone)} to ${dateIn(period.period_end, customer.time_zone)}`;
    const item = await usageInvoicing().addPendingItem({ ...deps, db: tx }, ctx, {
      customer_id: customer.id,
      currency: customer.currency,
      description: `Usage adjustment for ${span}: ${signedAmount(difference, customer.currency)}`,
      amount: difference.toString(),
      period_start: period.period_start.toISOString(),
      period_end: period.period_end.toISOString(),
    });
    const charges = await adjustmentCharges(tx, rating, difference, item);
    const run = await storeRating(deps, tx, ctx, {
      period,
      currency: customer.currency,
      rating: { ...rating, charges, amount: difference },
      reason: "adjustment",
      replacing: [],
    });
    await recordAudit(
      tx,
      ctx,
      { action: "usage.period_adjusted", object_type: "customer", object_id: customer.id, after: runJson(run) },
      deps.clock.now(),
    );
    return {
      customer: customer.id,
      period_start: period.period_start.toISOString(),
      period_end: period.period_end.toISOString(),
      amount: difference.toString(),
      invoice_item: item,
    };
  });
}

/** The charges of events not charged before, and the residual that makes them add up to the difference. */
async function adjustmentCharges(
  tx: Tx,
  rating: PeriodRating,
  difference: Decimal,
  item: string,
): Promise<PeriodRating["charges"]> {
  const charged = await chargedEventIds(tx, rating.charges[0] ?? null);
  const fresh = rating.charges
    .filter((charge) => charge.event_id !== null && !charged.has(charge.event_id))
    .map((charge) => ({ ...charge, invoice_item_id: item }));
  const freshTotal = fresh.reduce((sum, charge) => sum.plus(charge.amount), new Decimal(0));
  const residual = difference.minus(freshTotal);
  const template = rating.charges[0];
  if (residual.isZero() || template === undefined) return fresh;
  const rest: Omit<ChargeRow, "rating_run_id"> = {
    ...template,
    event_id: null,
    event_ts: null,
    transaction_id: null,
    code: "usage_adjustment",
    description: "Re-rating difference not from new events",
    quantity: "1",
    unit_price: residual.toString(),
    amount: residual.toString(),
    dimensions: {},
    line_key: "usage_adjustment",
    invoice_item_id: item,
  };
  return [...fresh, rest];
}
