import { type Kysely, sql } from "kysely";
import { priceFacts } from "../catalog/index.js";
import type { Customer } from "../customers/index.js";
import { fromDate } from "../kernel/clock.js";
import type { Executor } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { isId } from "../kernel/ids.js";
import { Decimal } from "../kernel/money.js";
import { type DraftFacts, invoicePeriod, reviewDraft } from "./checklist.js";
import { isBusiness } from "./review-facts.js";
import { type ReviewOutcome, reviewOutcome } from "./review-model.js";
import { effectiveSettingsOf } from "./review-settings-service.js";
import type { InvoiceRow, LineRow } from "./store.js";
import { dateIn, instantOf } from "./views.js";

/**
 * The draft review of many drafts at once, for the auto-finalize job: the
 * same facts draftFacts gathers and the same pure rules, with each fact read
 * for the whole batch in one query. A draft citing a purchase order is not
 * reviewed here (its remaining balance needs the PO's own lock): the caller
 * reviews it alone.
 */

interface ReviewTables {
  invoices: {
    id: string;
    customer_id: string;
    currency: string;
    status: string;
    total: string;
    number: string | null;
    finalized_at: Date | null;
  };
  invoice_finding_overrides: {
    invoice_id: string;
    rule: string;
    fingerprint: string;
    reason: string;
    overridden_by: string;
    overridden_by_name: string | null;
    overridden_at: Date;
  };
}

const t = (db: Executor) => db as unknown as Kysely<ReviewTables>;

/** The total of each customer's (and currency's) latest finalized invoice. */
async function previousTotals(db: Executor, invoices: readonly InvoiceRow[]): Promise<Map<string, string>> {
  const { rows } = await sql<{ customer_id: string; currency: string; total: string }>`
    select distinct on (customer_id, currency) customer_id, currency, total
      from invoices
     where customer_id = any(${[...new Set(invoices.map((invoice) => invoice.customer_id))]}::text[])
       and status in ('open', 'paid', 'uncollectible')
     order by customer_id, currency, finalized_at desc, id desc`.execute(db);
  return new Map(rows.map((row) => [`${row.customer_id}:${row.currency}`, row.total]));
}

/** Drafts and open invoices with the same customer, currency and total as any draft of the batch. */
async function sameTotalInvoices(db: Executor, invoices: readonly InvoiceRow[]) {
  const { rows } = await sql<{
    id: string;
    customer_id: string;
    currency: string;
    number: string | null;
    total: string;
  }>`
    select i.id, i.customer_id, i.currency, i.number, i.total
      from invoices i
      join (select distinct * from unnest(${invoices.map((invoice) => invoice.customer_id)}::text[],
                                          ${invoices.map((invoice) => invoice.currency)}::text[],
                                          ${invoices.map((invoice) => invoice.total)}::numeric[])) as d(customer_id, currency, total)
        on i.customer_id = d.customer_id and i.currency = d.currency and i.total = d.total
     where i.status in ('draft', 'open')`.execute(db);
  return rows;
}

async function overridesOf(db: Executor, invoiceIds: readonly string[]) {
  if (invoiceIds.length === 0) return [];
  return t(db)
    .selectFrom("invoice_finding_overrides")
    .selectAll()
    .where("invoice_id", "in", [...invoiceIds])
    .execute();
}

async function meteredPriceIds(deps: Deps, lines: readonly LineRow[]): Promise<Set<string>> {
  const metered = new Set<string>();
  const ids = new Set(
    lines.flatMap((line) =>
      line.source_type === "subscription" && isId("price", line.source_id) ? [line.source_id] : [],
    ),
  );
  for (const id of ids) {
    try {
      if ((await priceFacts(deps, id)).billable_metric !== null) metered.add(id);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
  }
  return metered;
}

const periodOf = (line: Pick<LineRow, "period_start" | "period_end">) =>
  line.period_start === null || line.period_end === null
    ? null
    : { start: instantOf(line.period_start), end: instantOf(line.period_end) };

export interface BatchDraft {
  invoice: InvoiceRow;
  lines: LineRow[];
  customer: Customer;
}

/**
 * Each draft's review outcome, by invoice id. Drafts citing a PO are left out
 * (see above). Drafts built in memory and not yet written (a billing run
 * finalizing as it writes) pass `stored: false`: each is then also a
 * possible duplicate of the others, as it would be once stored.
 */
export async function reviewDraftsInBulk(
  deps: Deps,
  db: Executor,
  drafts: readonly BatchDraft[],
  options: { stored: boolean } = { stored: true },
): Promise<Map<string, ReviewOutcome>> {
  const reviewable = drafts.filter((draft) => draft.invoice.po_number === null);
  const outcomes = new Map<string, ReviewOutcome>();
  if (reviewable.length === 0) return outcomes;
  const invoices = reviewable.map((draft) => draft.invoice);
  const [previous, sameTotal, overrides, metered, settings] = await Promise.all([
    previousTotals(db, invoices),
    sameTotalInvoices(db, invoices),
    overridesOf(
      db,
      invoices.map((invoice) => invoice.id),
    ),
    meteredPriceIds(
      deps,
      reviewable.flatMap((draft) => draft.lines),
    ),
    effectiveSettingsOf(
      db,
      invoices.map((invoice) => invoice.customer_id),
    ),
  ]);
  const otherLines = await invoiceLinePeriods(db, sameTotal);
  if (!options.stored) {
    for (const { invoice, lines } of reviewable) {
      const { id, customer_id, currency, total } = invoice;
      sameTotal.push({ id, customer_id, currency, total, number: null });
      otherLines.set(invoice.id, lines);
    }
  }
  const candidatesOf = new Map<string, typeof sameTotal>();
  for (const other of sameTotal) {
    const key = `${other.customer_id}:${other.currency}`;
    candidatesOf.set(key, [...(candidatesOf.get(key) ?? []), other]);
  }
  const overridesOfInvoice = new Map<string, typeof overrides>();
  for (const row of overrides)
    overridesOfInvoice.set(row.invoice_id, [...(overridesOfInvoice.get(row.invoice_id) ?? []), row]);
  const today = deps.clock.now();
  for (const { invoice, lines, customer } of reviewable) {
    const previousTotal = previous.get(`${invoice.customer_id}:${invoice.currency}`);
    const others = (candidatesOf.get(`${invoice.customer_id}:${invoice.currency}`) ?? [])
      .filter(
        (other) =>
          other.id !== invoice.id &&
          other.customer_id === invoice.customer_id &&
          other.currency === invoice.currency &&
          new Decimal(other.total).eq(invoice.total),
      )
      .map((other) => ({
        id: other.id,
        number: other.number ?? `draft ${other.id}`,
        total: new Decimal(other.total),
        period: invoicePeriod((otherLines.get(other.id) ?? []).map((line) => ({ period: periodOf(line) }))),
      }));
    const facts: DraftFacts = {
      currency: invoice.currency,
      invoice_date: dateIn(today, customer.time_zone),
      total: new Decimal(invoice.total),
      purchase_order_number: null,
      lines: lines.map((line) => {
        const isMetered = line.source_id !== null && metered.has(line.source_id);
        return {
          description: line.description,
          period: periodOf(line),
          metered: isMetered,
          usage_quantity: isMetered ? new Decimal(line.quantity) : null,
        };
      }),
      customer: {
        currency: customer.currency,
        is_business: isBusiness(customer),
        purchase_order_required: customer.po_required,
        billing_address: customer.billing_address,
        tax_ids: customer.tax_ids,
      },
      purchase_order: null,
      previous_invoice_total: previousTotal === undefined ? null : new Decimal(previousTotal),
      other_open_invoices: others,
    };
    const customerSettings = settings.get(invoice.customer_id);
    if (customerSettings === undefined) throw new Error(`no review settings for ${invoice.customer_id}`);
    outcomes.set(
      invoice.id,
      reviewOutcome({
        status: invoice.status,
        customer_id: invoice.customer_id,
        currency: invoice.currency,
        total: new Decimal(invoice.total),
        created_at: instantOf(invoice.created_at),
        findings: reviewDraft(facts, customerSettings.checklist),
        overrides: (overridesOfInvoice.get(invoice.id) ?? []).map((row) => ({
          ...row,
          overridden_at: fromDate(row.overridden_at),
        })),
        settings: customerSettings,
      }),
    );
  }
  return outcomes;
}

/** The periods of the duplicate candidates' lines. */
async function invoiceLinePeriods(
  db: Executor,
  others: readonly { id: string }[],
): Promise<Map<string, Pick<LineRow, "period_start" | "period_end">[]>> {
  const byInvoice = new Map<string, Pick<LineRow, "period_start" | "period_end">[]>();
  const ids = [...new Set(others.map((other) => other.id))];
  if (ids.length === 0) return byInvoice;
  const { rows } = await sql<{ invoice_id: string; period_start: Date | null; period_end: Date | null }>`
    select invoice_id, period_start, period_end from invoice_lines where invoice_id = any(${ids}::text[])`.execute(db);
  for (const row of rows) byInvoice.set(row.invoice_id, [...(byInvoice.get(row.invoice_id) ?? []), row]);
  return byInvoice;
}
