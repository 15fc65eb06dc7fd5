import { Temporal } from "temporal-polyfill";
import { recordAudit } from "../access/index.js";
import { type Customer, getCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { toDate } from "../kernel/clock.js";
import { type Executor, inTransaction, lockKey, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { Decimal, formatAmountForApi, roundToMinor } from "../kernel/money.js";
import {
  billedSums,
  chargeLineIds,
  deleteReplaceableCharges,
  insertCharges,
  insertErrors,
  insertRun,
  openCharges,
  type PeriodKey,
  type RunRow,
} from "./charge-store.js";
import type { OwedFor } from "./late-rating-store.js";
import { usageLinesOf } from "./rating-invoice-lines.js";
import { type PeriodRating, ratePeriod } from "./rating-period.js";
import { usageInvoicing } from "./rating-port.js";
import { scriptForPeriod } from "./script-choice.js";

/**
 * Rating a customer's usage period and keeping the result: the charges
 * replace the period's charges not yet on an invoice; a draft holding the
 * period's usage gets its usage lines rebuilt and is repriced in the same
 * transaction; a finalized invoice is never touched (a late event there is
 * billed as an adjustment on the next invoice, see rating-late.ts).
 */

export type RatingReason = RunRow["reason"];

/** Why a period is rated: the run's reason and, for a re-rating a job was owed, what it was owed for. */
export interface RatingCause {
  reason: RatingReason;
  owed?: OwedFor;
}

export interface RatingRunJson {
  object: "usage_rating_run";
  id: string;
  customer: string;
  period_start: string;
  period_end: string;
  reason: RatingReason;
  rate_card_versions: string[];
  late_events: boolean;
  status: RunRow["status"];
  events_rated: number;
  events_unrated: number;
  charges: number;
  amount: string;
  currency: string;
  /** The draft whose usage lines were rebuilt, when there was one. */
  draft_invoice: string | null;
  created_at: string;
}

export function runJson(run: RunRow, draft: string | null = null): RatingRunJson {
  return {
    object: "usage_rating_run",
    id: run.id,
    customer: run.customer_id,
    period_start: run.period_start.toISOString(),
    period_end: run.period_end.toISOString(),
    reason: run.reason,
    rate_card_versions: run.rate_card_version_ids,
    late_events: run.late_events,
    status: run.status,
    events_rated: Number(run.events_rated),
    events_unrated: Number(run.events_unrated),
    charges: Number(run.charges),
    amount: formatAmountForApi(new Decimal(run.amount), run.currency),
    currency: run.currency,
    draft_invoice: draft,
    created_at: run.created_at.toISOString(),
  };
}

/** The script rating the customer's period (script-choice-model.ts), or a clear error when none does. */
async function scriptOf(deps: Deps, period: PeriodKey): Promise<string> {
  const found = await scriptForPeriod(deps, period);
  if (found.script === null) {
    throw new DomainError(
      "usage_no_charge_script",
      `no charge script rates ${period.customer_id} for this period: none is assigned to them, and the default script rates only customers with events in the period`,
      { param: "customer" },
    );
  }
  return found.script;
}

export function periodKeyOf(customer: string, period: { start: Temporal.Instant; end: Temporal.Instant }): PeriodKey {
  if (Temporal.Instant.compare(period.start, period.end) >= 0) {
    throw new DomainError("usage_period_invalid", "period_start must be before period_end", { param: "period_end" });
  }
  return { customer_id: customer, period_start: toDate(period.start), period_end: toDate(period.end) };
}

/** Writes a rating as the period's current one; `replacing` are the draft lines whose charges go too. */
export async function storeRating(
  deps: Deps,
  tx: Tx,
  ctx: RequestContext | null,
  input: { period: PeriodKey; currency: string; rating: PeriodRating; cause: RatingCause; replacing: string[] },
): Promise<RunRow> {
  const { period, rating } = input;
  const run: RunRow = {
    id: newId("usage_rating_run"),
    ...period,
    reason: input.cause.reason,
    rate_card_version_ids: input.cause.owed?.rate_card_version_ids ?? [],
    late_events: input.cause.owed?.late_events ?? false,
    status: rating.events_unrated > 0 || rating.errors.length > 0 ? "rated_with_errors" : "rated",
    events_rated: rating.events_rated,
    events_unrated: rating.events_unrated,
    charges: rating.charges.length,
    amount: rating.amount.toString(),
    currency: input.currency,
    created_by: ctx?.actor.id ?? "billing",
    created_at: toDate(deps.clock.now()),
  };
  await deleteReplaceableCharges(tx, period, input.replacing);
  await insertRun(tx, run);
  await insertCharges(
    tx,
    rating.charges.map((charge) => ({ ...charge, rating_run_id: run.id })),
  );
  await insertErrors(
    tx,
    rating.errors.map((error) => ({ ...error, rating_run_id: run.id })),
  );
  return run;
}

/** The invoice holding the period's usage, with its usage lines: from the charges' lines, else the period's own invoice. */
export async function periodInvoice(tx: Executor, period: PeriodKey) {
  const port = usageInvoicing();
  const lines = await port.lines(tx, await chargeLineIds(tx, period));
  const first = lines[0];
  if (first !== undefined) {
    return { id: first.invoice_id, status: first.invoice_status, line_ids: lines.map((line) => line.id) };
  }
  const invoice = await port.invoiceForPeriod(tx, period);
  return invoice === undefined ? undefined : { ...invoice, line_ids: [] as string[] };
}

/**
 * Rates a customer's period and stores it. A period whose usage is on a
 * draft rebuilds the draft's usage lines and reprices it; one on a
 * finalized invoice is refused (usage_period_finalized).
 */
export async function rateCustomerPeriod(
  deps: Deps,
  ctx: RequestContext,
  customerRef: string,
  range: { start: Temporal.Instant; end: Temporal.Instant },
  cause: RatingCause = { reason: "rerate" },
): Promise<RatingRunJson> {
  // The request names the customer in `customer`: a bad reference's error points there.
  const customer = await getCustomer(deps, customerRef, undefined, "customer");
  const period = periodKeyOf(customer.id, range);
  const scriptId = await scriptOf(deps, period);
  const rating = await ratePeriod(deps, { customer, script_id: scriptId, period });
  return inTransaction(deps.db, async (tx) => {
    await lockPeriod(tx, period);
    const invoice = await periodInvoice(tx, period);
    if (invoice !== undefined && invoice.status !== "draft") {
      throw new DomainError(
        "usage_period_finalized",
        `the usage of this period is on invoice ${invoice.id}, which is ${invoice.status} and cannot change; a late event there is billed as an adjustment on the next invoice`,
        { param: "period_start", details: { invoice: invoice.id } },
      );
    }
    const replacing = invoice?.line_ids ?? [];
    const run = await storeRating(deps, tx, ctx, { period, currency: customer.currency, rating, cause, replacing });
    const draft = invoice === undefined ? null : await rebuildDraft(deps, tx, ctx, invoice.id, customer, period);
    await recordAudit(
      tx,
      ctx,
      { action: "usage.period_rated", object_type: "customer", object_id: customer.id, after: runJson(run, draft) },
      deps.clock.now(),
    );
    return runJson(run, draft);
  });
}

export async function lockPeriod(tx: Tx, period: PeriodKey): Promise<void> {
  await lockKey(tx, "usage-rating", `${period.customer_id}:${period.period_start.toISOString()}`);
}

async function rebuildDraft(
  deps: Deps,
  tx: Tx,
  ctx: RequestContext,
  invoiceId: string,
  customer: Customer,
  period: PeriodKey,
): Promise<string> {
  const charges = await openCharges(tx, period);
  const lines = usageLinesOf(charges, period, customer);
  await usageInvoicing().replaceDraftUsageLines(deps, tx, ctx, invoiceId, lines);
  return invoiceId;
}

/**
 * What a period's invoices already bill: each invoice line's charges summed
 * and rounded once, as the line was, plus earlier adjustments (whole minor
 * units already).
 */
export async function billedAmount(tx: Tx, period: PeriodKey, currency: string): Promise<Decimal> {
  return (await billedSums(tx, period)).reduce(
    (total, sum) => total.plus(roundToMinor(new Decimal(sum), currency)),
    new Decimal(0),
  );
}
