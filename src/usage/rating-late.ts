import { Temporal } from "temporal-polyfill";
import { recordAudit } from "../access/index.js";
import { type Customer, getCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { Decimal } from "../kernel/money.js";
import { type ChargeRow, chargedEventIds, type PeriodKey } from "./charge-store.js";
import type { OwedFor } from "./late-rating-store.js";
import { adjustmentOf, signedAmount } from "./rating-model.js";
import { type PeriodRating, ratePeriod } from "./rating-period.js";
import { usageInvoicing } from "./rating-port.js";
import { billedAmount, lockPeriod, periodInvoice, rateCustomerPeriod, runJson, storeRating } from "./rating-service.js";
import { scriptForPeriod } from "./script-choice.js";

/**
 * Late events: events accepted for a period that was already rated. Ingestion
 * only records the period and queues a job (late-rating-jobs.ts); the job
 * calls rateLatePeriod. A backdated rate card version approved over a draft
 * queues the same job, and its rating says so (reason rate_card_change). A
 * period whose usage is on a draft is re-rated and the draft rebuilt; one
 * whose invoice is finalized is rated again and the difference from what was
 * invoiced goes on the customer's next invoice as a pending item labelled
 * with the period. A period rated but not invoiced needs nothing: billing
 * sees events received after its rating and rates it again. Events older
 * than the configured age never get here (ingestion rejects them).
 */

export interface LatePeriodOutcome {
  /** The draft whose usage lines were rebuilt. */
  draft_rerated: string | null;
  adjustment: {
    customer: string;
    period_start: string;
    period_end: string;
    amount: string;
    invoice_item: string;
  } | null;
}

const NOTHING: LatePeriodOutcome = { draft_rerated: null, adjustment: null };

const instant = (date: Date) => Temporal.Instant.fromEpochMilliseconds(date.getTime());

/**
 * The reason a re-rating owed for these reasons is stored with. A rate card
 * change is named when there was one, since it moves every event's price, not
 * only the new events'; the run's late_events says whether late events were
 * owed too.
 */
function reratingReason(owed: OwedFor): "late_event" | "rate_card_change" {
  return owed.rate_card_version_ids.length > 0 ? "rate_card_change" : "late_event";
}

/**
 * Rates one period again after late events or a rate card change. An
 * expected failure (the draft finalized meanwhile, an archived customer) is
 * thrown, so the job that called it is retried and, in the end, left failed
 * for a person.
 */
export async function rateLatePeriod(
  deps: Deps,
  ctx: RequestContext,
  period: PeriodKey,
  owed: OwedFor,
): Promise<LatePeriodOutcome> {
  const found = await scriptForPeriod(deps, period);
  if (found.script === null) return NOTHING;
  const invoice = await inTransaction(deps.db, (tx) => periodInvoice(tx, period));
  if (invoice === undefined) return NOTHING;
  if (invoice.status === "draft") {
    const range = { start: instant(period.period_start), end: instant(period.period_end) };
    const run = await rateCustomerPeriod(deps, ctx, period.customer_id, range, { reason: reratingReason(owed), owed });
    return { draft_rerated: run.draft_invoice, adjustment: null };
  }
  const customer = await getCustomer(deps, period.customer_id);
  if (customer.archived) {
    // Billing skips an archived customer, so the pending item would wait for an invoice that never comes.
    throw new DomainError(
      "customer_archived",
      `customer ${customer.id} is archived: its usage adjustment would wait for an invoice never made; unarchive it and retry the job`,
      { param: "customer" },
    );
  }
  const adjustment = await adjustFinalizedPeriod(deps, ctx, { customer, period, script_id: found.script, owed });
  return { draft_rerated: null, adjustment };
}

function dateIn(date: Date, timeZone: string): string {
  return instant(date).toZonedDateTimeISO(timeZone).toPlainDate().toString();
}

/**
 * Rates a finalized period again and bills the difference from what its
 * invoices carry, both as invoice lines: each line's exact charges summed
 * and rounded once. The new events' charges are kept, tied to the pending
 * item, so the adjustment line explains itself; whatever else moved (a
 * minimum top-up shrinking, a line's rounding) is one residual charge
 * `usage_adjustment`.
 */
async function adjustFinalizedPeriod(
  deps: Deps,
  ctx: RequestContext,
  input: { customer: Customer; period: PeriodKey; script_id: string; owed: OwedFor },
): Promise<LatePeriodOutcome["adjustment"]> {
  const { customer, period } = input;
  const rating = await ratePeriod(deps, { customer, script_id: input.script_id, period });
  return inTransaction(deps.db, async (tx) => {
    await lockPeriod(tx, period);
    const difference = adjustmentOf(rating.amount, await billedAmount(tx, period, customer.currency));
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
      cause: { reason: "adjustment", owed: input.owed },
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
