import { sql } from "kysely";
import type { Temporal } from "temporal-polyfill";
import { getCustomer } from "../customers/index.js";
import { toDate } from "../kernel/clock.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { Decimal, formatAmountForApi, roundToMinor } from "../kernel/money.js";
import { eventApiId } from "./event-ids.js";
import { exactAmountText } from "./rating-model.js";
import { usageInvoicing } from "./rating-port.js";
import { scriptForPeriod } from "./script-choice.js";

/**
 * The usage reconciliation a billing system analyst ties to finance, per
 * customer and period:
 *   events received = rated + unrated (with errors) + not rated yet + duplicates
 *   rated amount    = invoiced (finalized) + on drafts + adjustments + not billed
 * and every difference listed: unrated events with their errors, events
 * received after the last rating, charges not on an invoice, and lines whose
 * amount is not the sum of their charges. Charge amounts are exact; every
 * amount here is counted as invoices count it: the charges of one invoice
 * line (or, not invoiced yet, of the line they will make: period, code and
 * dimensions) summed and rounded once, and an adjustment item's charges
 * summed (whole minor units already). Charges are counted for the customer's
 * rated periods inside [period_start, period_end).
 */

const DIFFERENCES_MAX = 100;

interface Range {
  start: Date;
  end: Date;
}

async function eventCounts(deps: Deps, customer: string, range: Range, ratedAt: Date | null) {
  const row = await sql<{ received: string; after_rating: string }>`
    select count(*) as received,
           count(*) filter (where ${ratedAt}::timestamptz is null or received_at > ${ratedAt}) as after_rating
      from usage_events
     where customer_id = ${customer} and ts >= ${range.start} and ts < ${range.end}`.execute(deps.db);
  const first = row.rows[0];
  return { received: Number(first?.received ?? 0), not_rated_yet: Number(first?.after_rating ?? 0) };
}

/** Repeats whose own timestamp falls in [start, end): the customer's period, counted as its events are. */
async function duplicateCount(deps: Deps, customer: string, range: Range): Promise<number> {
  const row = await sql<{ duplicates: string }>`
    select coalesce(sum(duplicates), 0) as duplicates from usage_event_duplicates
     where customer_id = ${customer} and ts >= ${range.start} and ts < ${range.end}`.execute(deps.db);
  return Number(row.rows[0]?.duplicates ?? 0);
}

const inRange = (customer: string, range: Range) =>
  sql<boolean>`customer_id = ${customer} and period_start >= ${range.start} and period_end <= ${range.end}`;

async function latestRatingAt(deps: Deps, customer: string, range: Range): Promise<Date | null> {
  const row = await deps.db
    .selectFrom("usage_rating_runs")
    .select(sql<Date | null>`max(created_at)`.as("at"))
    .where(inRange(customer, range))
    .executeTakeFirst();
  return (row?.at as Date | null | undefined) ?? null;
}

async function unratedRows(deps: Deps, customer: string, range: Range) {
  const rows = await deps.db
    .selectFrom("usage_rating_errors")
    .select(["event_id", "transaction_id", "event_ts", "code", "message", "script_line", "script_version_id"])
    .where(inRange(customer, range))
    .orderBy("event_ts")
    .execute();
  return rows.map((row) => ({
    event: row.event_id === null ? null : eventApiId(row.event_id),
    transaction_id: row.transaction_id,
    timestamp: row.event_ts?.toISOString() ?? null,
    code: row.code,
    message: row.message,
    script_line: row.script_line,
    script_version: row.script_version_id,
  }));
}

/** The customer's charges summed per invoice line, per adjustment item, and (not invoiced) per future line. */
async function chargeGroups(deps: Deps, customer: string, range: Range) {
  const open = sql`invoice_line_id is null and invoice_item_id is null`;
  return deps.db
    .selectFrom("usage_charges")
    .select([
      "invoice_line_id",
      sql<boolean>`invoice_item_id is not null`.as("adjustment"),
      sql<string>`sum(amount)`.as("amount"),
      sql<string>`count(*)`.as("count"),
    ])
    .where(inRange(customer, range))
    .groupBy([
      "invoice_line_id",
      "invoice_item_id",
      sql`case when ${open} then period_start end`,
      sql`case when ${open} then line_key end`,
    ])
    .execute() as Promise<{ invoice_line_id: string | null; adjustment: boolean; amount: string; count: string }[]>;
}

export async function reconcileCustomer(deps: Deps, customer: string, range: Range) {
  const currency = (await getCustomer(deps, customer)).currency;
  const money = (amount: Decimal) => formatAmountForApi(amount, currency);
  const ratedAt = await latestRatingAt(deps, customer, range);
  const events = await eventCounts(deps, customer, range, ratedAt);
  const unrated = await unratedRows(deps, customer, range);
  const unratedEvents = unrated.filter((error) => error.event !== null).length;
  const duplicates = await duplicateCount(deps, customer, range);
  const groups = await chargeGroups(deps, customer, range);
  const lines = await usageInvoicing().lines(
    deps.db,
    groups.flatMap((group) => (group.invoice_line_id === null ? [] : [group.invoice_line_id])),
  );
  const byLine = new Map(lines.map((line) => [line.id, line]));
  const sums = {
    rated: new Decimal(0),
    finalized: new Decimal(0),
    draft: new Decimal(0),
    adjustments: new Decimal(0),
    open: new Decimal(0),
  };
  const mismatched: unknown[] = [];
  let openCount = 0;
  for (const group of groups) {
    const exact = new Decimal(group.amount);
    const amount = roundToMinor(exact, currency);
    sums.rated = sums.rated.plus(amount);
    if (group.adjustment) sums.adjustments = sums.adjustments.plus(amount);
    else if (group.invoice_line_id === null) {
      sums.open = sums.open.plus(amount);
      openCount += Number(group.count);
    } else {
      const line = byLine.get(group.invoice_line_id);
      if (line?.invoice_status === "draft") sums.draft = sums.draft.plus(amount);
      else sums.finalized = sums.finalized.plus(amount);
      if (line !== undefined && !new Decimal(line.amount).eq(amount)) {
        mismatched.push({
          line: line.id,
          invoice: line.invoice_id,
          line_amount: line.amount,
          sum_of_charges: exactAmountText(exact, currency),
          sum_of_charges_rounded: money(amount),
        });
      }
    }
  }
  const rated = events.received - events.not_rated_yet - unratedEvents;
  const differences = {
    unrated_events: unrated.slice(0, DIFFERENCES_MAX),
    events_not_rated_yet: events.not_rated_yet,
    charges_not_invoiced: { count: openCount, amount: money(sums.open) },
    lines_not_matching_charges: mismatched,
  };
  const balanced = unrated.length === 0 && events.not_rated_yet === 0 && openCount === 0 && mismatched.length === 0;
  // Which script rates the customer over the range, by the same rule as billing: a customer with no
  // assignment and no events shows `none`, and nothing rated is then expected of it.
  const chosen = await scriptForPeriod(deps, {
    customer_id: customer,
    period_start: range.start,
    period_end: range.end,
  });
  return {
    object: "usage_reconciliation" as const,
    customer,
    period_start: range.start.toISOString(),
    period_end: range.end.toISOString(),
    charge_script: { script: chosen.script, source: chosen.source },
    last_rated_at: ratedAt?.toISOString() ?? null,
    events: {
      received: events.received + duplicates,
      stored: events.received,
      rated,
      unrated: unratedEvents,
      not_rated_yet: events.not_rated_yet,
      duplicates,
    },
    amounts: {
      currency,
      rated: money(sums.rated),
      invoiced_finalized: money(sums.finalized),
      on_drafts: money(sums.draft),
      adjustments: money(sums.adjustments),
      not_invoiced: money(sums.open),
    },
    differences,
    balanced,
  };
}

/** One customer's reconciliation, or every customer with events or ratings in the period. */
export async function usageReconciliation(
  deps: Deps,
  query: { customer?: string | undefined; period_start: Temporal.Instant; period_end: Temporal.Instant },
) {
  const range = { start: toDate(query.period_start), end: toDate(query.period_end) };
  if (range.start >= range.end) {
    throw new DomainError("usage_period_invalid", "period_start must be before period_end", { param: "period_end" });
  }
  if (query.customer !== undefined) {
    const customer = await getCustomer(deps, query.customer);
    return { object: "list" as const, data: [await reconcileCustomer(deps, customer.id, range)], has_more: false };
  }
  const customers = await sql<{ customer_id: string }>`
    select customer_id from usage_rating_runs where period_start >= ${range.start} and period_end <= ${range.end}
    union
    select distinct customer_id from usage_events where ts >= ${range.start} and ts < ${range.end}
    order by customer_id`.execute(deps.db);
  const data = [];
  for (const row of customers.rows) data.push(await reconcileCustomer(deps, row.customer_id, range));
  return { object: "list" as const, data, has_more: false };
}
