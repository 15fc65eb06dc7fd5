import { sql } from "kysely";
import type { Temporal } from "temporal-polyfill";
import { recordAuditMany } from "../access/index.js";
import { type Customer, dueDate, getCustomersByIds } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { toDate } from "../kernel/clock.js";
import { type Executor, inTransaction, type Tx } from "../kernel/db.js";
import { type Deps, memoize } from "../kernel/deps.js";
import { Decimal } from "../kernel/money.js";
import { emitEvents } from "../kernel/outbox.js";
import {
  type CustomerAccounts,
  chartAccountFor,
  customerAccountsFor,
  type EntryInput,
  postEntriesBatch,
  revenueAccountFor,
} from "../ledger/index.js";
import type { AssembledInvoice } from "./assembly.js";
import { customersWithPendingTerms } from "./billing-run-batch-store.js";
import { taxDate } from "./draft-pricing.js";
import { invoiceFinalizationEntry } from "./ledger-entries.js";
import { type LegalEntity, sellerSnapshot } from "./legal-entities.js";
import { loadLegalEntity } from "./legal-entity-service.js";
import { DEFAULT_INVOICE_SERIES, nextDocumentNumber } from "./numbering.js";
import { type PricingFacts, priceInvoice, taxCustomerOf, treatmentName } from "./pricing.js";
import { taxRatesOf } from "./pricing-store.js";
import { type BatchDraft, reviewDraftsInBulk } from "./review-batch.js";
import { autoFinalizeDecision } from "./review-model.js";
import { buyerSnapshot } from "./service.js";
import { findLines, type InvoiceRow, type LineRow } from "./store.js";
import { treatmentPercentage } from "./tax.js";
import { pricedTaxRate } from "./tax-rate-service.js";
import { dateIn, invoiceJson, plainDate, pricingLineInput, storedAssembly } from "./views.js";

/**
 * The auto-finalize job's fast path: a page of due drafts reviewed, numbered,
 * posted and published in one transaction, with the same rules, numbers and
 * entries as finalizing each alone. It takes the plain cases: live customers
 * of the default legal entity, without a PO on the draft, running
 * discounts or credit to spend. Everything else is returned for the careful
 * path, which finalizes one draft at a time under its locks.
 */

export interface BatchFinalizeResult {
  finalized: string[];
  held: string[];
  /** Drafts this path does not take; the caller finalizes (or holds) each alone. */
  careful: string[];
}

export interface Finalizing extends BatchDraft {
  issue_date: Temporal.PlainDate;
  accounts: CustomerAccounts;
  /** The figures priced on the issue date: what is stored on the rows and what the entry posts. */
  assembled?: AssembledInvoice;
}

export const DEFAULT_ENTITY = "default";

async function lockedDrafts(tx: Tx, ids: readonly string[]): Promise<InvoiceRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<InvoiceRow>`
    select * from invoices where id = any(${[...ids]}::text[]) and status = 'draft' order by id for update`.execute(tx);
  return rows;
}

/**
 * A draft the fast path can take by itself: a live customer (a test clock
 * numbers and posts in its own series and book), the default legal entity,
 * no purchase order cited (its balance needs the PO's own lock).
 */
export const onPlainPath = ({ invoice, customer }: BatchDraft): boolean =>
  customer.test_clock === null && invoice.legal_entity === DEFAULT_ENTITY && invoice.po_number === null;

/** Who the fast path leaves to the careful one, and why it must. */
async function carefulOnes(tx: Tx, drafts: readonly BatchDraft[]): Promise<Set<string>> {
  const pending = await customersWithPendingTerms(
    tx,
    drafts.map((draft) => draft.customer.id),
  );
  return new Set(
    drafts.filter((draft) => !onPlainPath(draft) || pending.has(draft.customer.id)).map((draft) => draft.invoice.id),
  );
}

/** Re-prices a draft on its issue date, as finalizeInvoice's recompute does (no credit: such drafts go the careful way). */
function priceForIssue(
  draft: Finalizing,
  sellerCountry: string,
  rates: ReturnType<typeof pricedTaxRate>[],
): ReturnType<typeof priceInvoice> {
  const customer = taxCustomerOf(draft.customer);
  const facts: PricingFacts = {
    seller_country: sellerCountry,
    customer,
    rates: customer === null ? [] : rates.filter((rate) => rate.country === customer.country),
    discounts: [],
    credit_balance: "0",
  };
  const on = taxDate(draft.invoice, draft.customer.time_zone, draft.issue_date);
  const lines = draft.lines.map((line) => pricingLineInput(line, draft.invoice));
  return priceInvoice(facts, { currency: draft.invoice.currency, on, lines }, true);
}

/** Takes `count` numbers of a series at once; the row stays locked until commit, so the block is gapless. */
async function takeNumberBlock(tx: Executor, prefix: string, year: number, count: number): Promise<number> {
  const { rows } = await sql<{ first: string }>`
    insert into invoice_number_series as s (legal_entity, prefix, year, next_number)
    values (${DEFAULT_ENTITY}, ${prefix}, ${year}, 1 + ${count})
    on conflict (legal_entity, prefix, year) do update set next_number = s.next_number + ${count}
    returning next_number - ${count} as first`.execute(tx);
  return Number(rows[0]?.first);
}

async function revenueAccounts(deps: Deps, tx: Tx, currency: string, products: Iterable<string>) {
  const byProduct: Record<string, string> = {};
  for (const product of new Set(products)) {
    byProduct[product] = (
      await memoize(deps, `revenue_account:${product}:${currency}`, () =>
        revenueAccountFor(deps, tx, product, currency),
      )
    ).id;
  }
  return byProduct;
}

/** The finalization entries of the page, in draft order (null: a $0 invoice posts nothing). */
async function entriesOf(deps: Deps, tx: Tx, drafts: readonly Finalizing[]): Promise<(EntryInput | null)[]> {
  const entries: (EntryInput | null)[] = [];
  for (const draft of drafts) {
    const { invoice, lines, accounts } = draft;
    const assembled = draft.assembled ?? storedAssembly(invoice, lines);
    const products = assembled.lines.flatMap((line) => (line.product_id === null ? [] : [line.product_id]));
    const currency = invoice.currency;
    const entry = invoiceFinalizationEntry(
      {
        invoice_id: invoice.id,
        invoice_date: plainDate(invoice.issue_date ?? ""),
        lines: assembled.lines,
        tax: assembled.tax,
        credit_applied: assembled.credit_applied,
        credit_added: assembled.credit_added,
        amount_due: assembled.amount_due,
      },
      {
        receivable: accounts.receivable.id,
        customer_credit: accounts.credit.id,
        tax_payable: (
          await memoize(deps, `tax_account:${currency}`, () => chartAccountFor(deps, tx, "tax_payable", currency))
        ).id,
        revenue_default: (
          await memoize(deps, `revenue_default:${currency}`, () => chartAccountFor(deps, tx, "revenue", currency))
        ).id,
        revenue_by_product: await revenueAccounts(deps, tx, currency, products),
      },
    );
    entries.push(entry);
  }
  return entries;
}

/** Applies the issue-date figures, number, dates, seller and buyer to the rows in memory. */
function finalizedRows(
  drafts: readonly Finalizing[],
  entity: LegalEntity,
  firstNumbers: Map<number, number>,
  at: Temporal.Instant,
) {
  const next = new Map(firstNumbers);
  const seller = sellerSnapshot(entity);
  for (const draft of drafts) {
    const { invoice, customer, issue_date } = draft;
    const year = issue_date.year;
    const sequence = next.get(year) ?? 1;
    next.set(year, sequence + 1);
    const last = sequence === 1 ? null : { year, sequence: sequence - 1 };
    const series = { ...DEFAULT_INVOICE_SERIES, prefix: entity.invoice_prefix };
    Object.assign(invoice, {
      status: "open",
      number: nextDocumentNumber(series, last, year).number,
      series: entity.invoice_prefix,
      seller,
      issue_date: issue_date.toString(),
      due_date: dueDate(customer.payment_terms, issue_date).toString(),
      addresses: buyerSnapshot(customer),
      finalized_at: toDate(at),
    });
  }
}

/** The finalized figures of the page in one UPDATE, its rows sent as one JSON document. */
async function storeFinalized(tx: Tx, drafts: readonly Finalizing[]): Promise<void> {
  const rows = drafts.map(({ invoice: i }) => ({
    id: i.id,
    number: i.number,
    series: i.series,
    seller: i.seller,
    issue_date: i.issue_date,
    due_date: i.due_date,
    addresses: i.addresses,
    finalized_at: i.finalized_at?.toISOString() ?? null,
    ledger_entry_id: i.ledger_entry_id,
    subtotal: i.subtotal,
    discount: i.discount,
    tax: i.tax,
    total: i.total,
    total_excluding_tax: i.total_excluding_tax,
    credit_applied: i.credit_applied,
    amount_due: i.amount_due,
    tax_breakdown: i.tax_breakdown,
  }));
  await sql`
    update invoices i set
      status = 'open', number = u.number, series = u.series, seller = u.seller, issue_date = u.issue_date,
      due_date = u.due_date, addresses = u.addresses, finalized_at = u.finalized_at,
      ledger_entry_id = u.ledger_entry_id, subtotal = u.subtotal, discount = u.discount, tax = u.tax,
      total = u.total, total_excluding_tax = u.total_excluding_tax, credit_applied = u.credit_applied,
      amount_due = u.amount_due, tax_breakdown = u.tax_breakdown
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as u(id text, number text, series text, seller jsonb, issue_date date, due_date date, addresses jsonb,
           finalized_at timestamptz, ledger_entry_id text, subtotal numeric, discount numeric, tax numeric,
           total numeric, total_excluding_tax numeric, credit_applied numeric, amount_due numeric,
           tax_breakdown jsonb)
    where i.id = u.id and i.status = 'draft'`.execute(tx);
}

/** Writes the issue-date figures onto lines whose figures moved (a tax rate changed since the draft). */
async function storeLineFigures(tx: Tx, lines: readonly LineRow[]): Promise<void> {
  if (lines.length === 0) return;
  const column = <T>(pick: (line: LineRow) => T) => lines.map(pick);
  await sql`
    update invoice_lines l set amount = u.amount, tax_amount = u.tax_amount, discount_amount = u.discount_amount,
           net_amount = u.net_amount, tax_rate = u.tax_rate, tax_name = u.tax_name
      from unnest(${column((l) => l.id)}::text[], ${column((l) => l.amount)}::numeric[],
                  ${column((l) => l.tax_amount)}::numeric[], ${column((l) => l.discount_amount)}::numeric[],
                  ${column((l) => l.net_amount)}::numeric[], ${column((l) => l.tax_rate)}::numeric[],
                  ${column((l) => l.tax_name)}::text[])
           as u(id, amount, tax_amount, discount_amount, net_amount, tax_rate, tax_name)
     where l.id = u.id`.execute(tx);
}

/** Sets the figures priced on the issue date; returns the lines whose figures changed. */
function applyIssueFigures(draft: Finalizing, priced: ReturnType<typeof priceInvoice>): LineRow[] {
  const { assembled } = priced;
  const moved: LineRow[] = [];
  for (const [index, line] of draft.lines.entries()) {
    const figures = assembled.lines[index];
    if (figures === undefined) continue;
    const next = {
      amount: figures.amount.toString(),
      tax_amount: figures.tax_amount.toString(),
      discount_amount: figures.discount_amount.toString(),
      net_amount: figures.net_amount.toString(),
      tax_rate: treatmentPercentage(figures.tax_treatment).toString(),
      tax_name: treatmentName(figures.tax_treatment),
    };
    const same =
      next.tax_name === line.tax_name &&
      (["amount", "tax_amount", "discount_amount", "net_amount", "tax_rate"] as const).every(
        (key) => line[key] === next[key] || new Decimal(line[key]).eq(next[key]),
      );
    Object.assign(line, next);
    if (!same) moved.push(line);
  }
  Object.assign(draft.invoice, {
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
  return moved;
}

/** Splits the page by the review's decision at `asOf`; drafts with no outcome (a PO) go the careful way. */
async function decide(deps: Deps, tx: Tx, drafts: readonly BatchDraft[], asOf: Temporal.Instant) {
  const outcomes = await reviewDraftsInBulk(deps, tx, drafts);
  const due: BatchDraft[] = [];
  const held: string[] = [];
  const careful: string[] = [];
  for (const draft of drafts) {
    const outcome = outcomes.get(draft.invoice.id);
    if (outcome === undefined) careful.push(draft.invoice.id);
    else {
      const decision = autoFinalizeDecision(outcome, asOf);
      if (decision === "finalize") due.push(draft);
      if (decision === "hold") held.push(draft.invoice.id);
    }
  }
  return { due, held, careful };
}

/** The drafts with their customers' accounts; a customer with credit to spend goes the careful way. */
export async function withAccounts(deps: Deps, tx: Tx, drafts: readonly BatchDraft[], asOf: Temporal.Instant) {
  const ready: Finalizing[] = [];
  const careful: string[] = [];
  for (const currency of new Set(drafts.map((draft) => draft.invoice.currency))) {
    const ofCurrency = drafts.filter((draft) => draft.invoice.currency === currency);
    const accounts = await customerAccountsFor(
      deps,
      tx,
      ofCurrency.map((draft) => draft.customer.id),
      currency,
    );
    for (const draft of ofCurrency) {
      const held = accounts.get(draft.customer.id);
      if (held === undefined || held.credit_balance.gt(0)) careful.push(draft.invoice.id);
      else ready.push({ ...draft, accounts: held, issue_date: dateIn(asOf, draft.customer.time_zone) });
    }
  }
  return { ready, careful };
}

/**
 * Posts the finalization entries of drafts priced for their issue date and
 * numbers them, setting status, number, dates, seller, buyer and entry on the
 * rows in memory; the caller writes the rows. Numbers last: the series row
 * stays locked from then to commit, so another page finalizing at the same
 * time waits for the shortest possible span.
 */
export async function postAndNumber(
  deps: Deps,
  ctx: RequestContext,
  tx: Tx,
  page: { ready: readonly Finalizing[]; entity: LegalEntity; at: Temporal.Instant },
): Promise<void> {
  const { ready, entity, at } = page;
  for (const draft of ready) draft.invoice.issue_date = draft.issue_date.toString();
  const entries = await entriesOf(deps, tx, ready);
  const posting = entries.flatMap((entry) => (entry === null ? [] : [entry]));
  const posted = await postEntriesBatch(deps, ctx, posting, tx);
  let next = 0;
  for (const [index, entry] of entries.entries()) {
    if (entry === null) continue;
    (ready[index] as Finalizing).invoice.ledger_entry_id = posted.entry_ids[next] ?? null;
    next += 1;
  }
  const firstNumbers = new Map<number, number>();
  for (const year of new Set(ready.map((draft) => draft.issue_date.year))) {
    const count = ready.filter((draft) => draft.issue_date.year === year).length;
    firstNumbers.set(year, await takeNumberBlock(tx, entity.invoice_prefix, year, count));
  }
  finalizedRows(ready, entity, firstNumbers, at);
}

async function finalizeReady(deps: Deps, ctx: RequestContext, tx: Tx, ready: Finalizing[], at: Temporal.Instant) {
  const entity = await loadLegalEntity(tx, DEFAULT_ENTITY, { share: true });
  const countries = [...new Set(ready.flatMap((draft) => draft.customer.billing_address?.country ?? []))];
  const rates = (await taxRatesOf(tx, countries)).map(pricedTaxRate);
  const before = new Map(ready.map((draft) => [draft.invoice.id, invoiceJson(draft.invoice, draft.lines)]));
  const moved = ready.flatMap((draft) => {
    const priced = priceForIssue(draft, entity.country, rates);
    draft.assembled = priced.assembled;
    return applyIssueFigures(draft, priced);
  });
  await postAndNumber(deps, ctx, tx, { ready, entity, at });
  await storeLineFigures(tx, moved);
  await storeFinalized(tx, ready);
  const after = ready.map((draft) => invoiceJson(draft.invoice, draft.lines));
  await emitEvents(
    tx,
    after.map((invoice) => ({ type: "invoice.finalized", data: { invoice } })),
    at,
    ctx.request_id,
  );
  await recordAuditMany(
    tx,
    ctx,
    after.map((invoice) => ({
      action: "invoice.finalized",
      object_type: "invoice",
      object_id: invoice.id,
      before: before.get(invoice.id),
      after: invoice,
    })),
    at,
  );
}

/**
 * Finalizes the due drafts among `ids` in one transaction (review, numbers,
 * ledger entries, outbox events, audit), reviewing at `asOf`. A failure
 * rolls the page back whole; the caller then takes each draft alone.
 */
export async function finalizeDraftsInOneGo(
  deps: Deps,
  ctx: RequestContext,
  ids: readonly string[],
  asOf: Temporal.Instant,
): Promise<BatchFinalizeResult> {
  return inTransaction(
    deps.db,
    (tx) => finalizeAttempt(ctx, tx, ids, asOf),
    // Two pages in flight can deadlock; the page is retried whole before it falls back to the careful path.
    { retries: PAGE_RETRIES },
  );
}

/** Deadlocks and serialization failures a page retries before its drafts go the careful way. */
const PAGE_RETRIES = 2;

/**
 * One attempt at the page. Everything it remembers is made here: a retry
 * after a deadlock must not see the chart, revenue or customer accounts an
 * attempt rolled back created.
 */
async function finalizeAttempt(
  ctx: RequestContext,
  tx: Tx,
  ids: readonly string[],
  asOf: Temporal.Instant,
): Promise<BatchFinalizeResult> {
  // The memo keeps the chart and revenue accounts the page posts to, read once each.
  const at: Deps = { db: tx, clock: { now: () => asOf }, memo: new Map() };
  const invoices = await lockedDrafts(tx, ids);
  const lines = await findLines(
    tx,
    invoices.map((invoice) => invoice.id),
  );
  const customers = await getCustomersByIds(
    at,
    invoices.map((invoice) => invoice.customer_id),
  );
  const linesOf = new Map<string, LineRow[]>();
  for (const line of lines) {
    const of = linesOf.get(line.invoice_id);
    if (of === undefined) linesOf.set(line.invoice_id, [line]);
    else of.push(line);
  }
  const drafts = invoices.map((invoice) => ({
    invoice,
    lines: linesOf.get(invoice.id) ?? [],
    customer: customers.get(invoice.customer_id) as Customer,
  }));
  const skip = await carefulOnes(tx, drafts);
  const { due, held, careful } = await decide(
    at,
    tx,
    drafts.filter((draft) => !skip.has(draft.invoice.id)),
    asOf,
  );
  const { ready, careful: withCredit } = await withAccounts(at, tx, due, asOf);
  if (ready.length > 0) await finalizeReady(at, ctx, tx, ready, asOf);
  return {
    finalized: ready.map((draft) => draft.invoice.id),
    held,
    careful: [...skip, ...careful, ...withCredit],
  };
}
