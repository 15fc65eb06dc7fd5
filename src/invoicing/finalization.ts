import { recordAudit } from "../access/index.js";
import { customerDeps, dueDate, getCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { toDate } from "../kernel/clock.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { isId } from "../kernel/ids.js";
import { emitEvent } from "../kernel/outbox.js";
import type { EntryInput } from "../ledger/index.js";
import {
  chartAccountFor,
  customerCreditAccountFor,
  postEntry,
  receivableAccountFor,
  revenueAccountFor,
} from "../ledger/index.js";
import type { AssembledInvoice } from "./assembly.js";
import { refuseVoidOfCreditedInvoice } from "./credit-note-service.js";
import { type InvoicingAccounts, invoiceFinalizationEntry, reversalEntry } from "./ledger-entries.js";
import { sellerSnapshot } from "./legal-entities.js";
import { loadLegalEntity } from "./legal-entity-service.js";
import { type InvoiceEvent, transition } from "./lifecycle.js";
import { DEFAULT_INVOICE_SERIES, nextDocumentNumber } from "./numbering.js";
import { buyerSnapshot, loadInvoice, recompute, seriesFor } from "./service.js";
import { findInvoice, findLines, type InvoiceRow, takeSeriesNumber, updateInvoice } from "./store.js";
import { dateIn, type InvoiceJson, invoiceJson, plainDate, storedAssembly } from "./views.js";

/**
 * Finalizing, voiding and writing off an invoice. Each is one transaction:
 * the state change, the number, the ledger entry, the outbox event and the
 * audit row commit together or not at all.
 */

/**
 * Deps on the invoice's customer's time: for a customer on a test clock, the
 * clock's frozen time and its own ledger book, so its invoices are dated,
 * due and posted as they would be at that time, never in the live book.
 */
async function invoiceDeps(deps: Deps, id: string): Promise<Deps> {
  const invoice = isId("invoice", id) ? await findInvoice(deps.db, id) : undefined;
  return invoice === undefined ? deps : customerDeps(deps, invoice.customer_id);
}

async function accountsFor(deps: Deps, tx: Tx, invoice: InvoiceRow, productIds: Iterable<string>) {
  const { currency } = invoice;
  const revenue_by_product: Record<string, string> = {};
  for (const productId of new Set(productIds)) {
    revenue_by_product[productId] = (await revenueAccountFor(deps, tx, productId, currency)).id;
  }
  const accounts: InvoicingAccounts = {
    receivable: (await receivableAccountFor(deps, tx, invoice.customer_id, currency)).id,
    customer_credit: (await customerCreditAccountFor(deps, tx, invoice.customer_id, currency)).id,
    tax_payable: (await chartAccountFor(deps, tx, "tax_payable", currency)).id,
    revenue_default: (await chartAccountFor(deps, tx, "revenue", currency)).id,
    revenue_by_product,
  };
  return accounts;
}

/** The finalization entry of an invoice as it is stored; the same input yields the same entry, so void can rebuild it. */
async function finalizationEntry(deps: Deps, tx: Tx, invoice: InvoiceRow, assembled: AssembledInvoice) {
  const productIds = assembled.lines.flatMap((line) => (line.product_id === null ? [] : [line.product_id]));
  const accounts = await accountsFor(deps, tx, invoice, productIds);
  return invoiceFinalizationEntry(
    {
      invoice_id: invoice.id,
      invoice_date: plainDate(invoice.issue_date ?? ""),
      lines: assembled.lines,
      tax: assembled.tax,
      credit_applied: assembled.credit_applied,
      credit_added: assembled.credit_added,
      amount_due: assembled.amount_due,
    },
    accounts,
  );
}

/** The figures as priced and stored (discounts, credit applied), never priced again: void reverses what was posted. */
async function assembledFromStore(tx: Tx, invoice: InvoiceRow): Promise<AssembledInvoice> {
  const stored = (await findInvoice(tx, invoice.id)) ?? invoice;
  return storedAssembly(stored, await findLines(tx, [invoice.id]));
}

async function publish(deps: Deps, ctx: RequestContext, tx: Tx, action: string, before: InvoiceJson) {
  const { invoice, lines } = await loadInvoice(tx, before.id);
  const after = invoiceJson(invoice, lines);
  const at = deps.clock.now();
  await emitEvent(tx, { type: action, data: { invoice: after } }, at, ctx.request_id);
  await recordAudit(tx, ctx, { action, object_type: "invoice", object_id: invoice.id, before, after }, at);
  return after;
}

/**
 * Draft → open: refreshes the buyer as printed, keeps a snapshot of the
 * seller (the invoice's legal entity), recomputes every figure, takes the
 * next gapless number of the entity's series (the series row stays locked
 * until commit, so a failure anywhere after it gives the number back), sets
 * the due date from the customer's payment terms and posts the receivable.
 * A $0 invoice is finalized and kept but posts nothing.
 */
export async function finalizeInvoice(baseDeps: Deps, ctx: RequestContext, id: string): Promise<InvoiceJson> {
  const deps = await invoiceDeps(baseDeps, id);
  return inTransaction(deps.db, async (tx) => {
    const { invoice: draft, lines } = await loadInvoice(tx, id);
    const status = transition(draft, "finalize");
    const before = invoiceJson(draft, lines);
    const customer = await getCustomer(deps, draft.customer_id, tx);
    const at = deps.clock.now();
    const issueDate = dateIn(at, customer.time_zone);
    // Held until commit: the seller priced (its VAT country) is the seller printed.
    const entity = await loadLegalEntity(tx, draft.legal_entity, { share: true });
    // Priced once more on the issue date, spending the customer's credit balance (locked until commit).
    await recompute(deps, tx, draft.id, { issue_date: issueDate });
    // The entity's series; a test-clock customer's invoices keep the clock's own.
    const series = { ...DEFAULT_INVOICE_SERIES, prefix: seriesFor(customer).series ?? entity.invoice_prefix };
    const taken = await takeSeriesNumber(tx, {
      legal_entity: draft.legal_entity,
      prefix: series.prefix,
      year: issueDate.year,
    });
    const last = taken === 1 ? null : { year: issueDate.year, sequence: taken - 1 };
    const { number } = nextDocumentNumber(series, last, issueDate.year);
    const invoice: InvoiceRow = { ...draft, status, number, issue_date: issueDate.toString() };
    await updateInvoice(tx, draft.id, {
      status,
      number,
      series: series.prefix,
      // jsonb takes JSON text; the seller as printed from now on, whatever the entity later becomes.
      seller: JSON.stringify(sellerSnapshot(entity)) as never,
      issue_date: invoice.issue_date,
      due_date: dueDate(customer.payment_terms, issueDate).toString(),
      addresses: buyerSnapshot(customer),
      finalized_at: toDate(at),
    });
    const entry = await finalizationEntry(deps, tx, invoice, await assembledFromStore(tx, invoice));
    if (entry !== null) {
      const posted = await postEntry(deps, ctx, entry, tx);
      await updateInvoice(tx, draft.id, { ledger_entry_id: posted.id });
    }
    return publish(deps, ctx, tx, "invoice.finalized", before);
  });
}

async function changeState(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  event: InvoiceEvent,
  work: (tx: Tx, invoice: InvoiceRow) => Promise<Parameters<typeof updateInvoice>[2]>,
): Promise<InvoiceJson> {
  return inTransaction(deps.db, async (tx) => {
    const { invoice, lines } = await loadInvoice(tx, id);
    const status = transition(invoice, event);
    const before = invoiceJson(invoice, lines);
    const changes = await work(tx, invoice);
    await updateInvoice(tx, invoice.id, { ...changes, status });
    return publish(deps, ctx, tx, event === "void" ? "invoice.voided" : "invoice.marked_uncollectible", before);
  });
}

/**
 * Open (or uncollectible) → void: posts the reversal of the finalization
 * entry, dated the day of the void (a closed month is never rewritten), and
 * keeps the number: a gapless series has no holes, voided or not.
 */
export async function voidInvoice(baseDeps: Deps, ctx: RequestContext, id: string): Promise<InvoiceJson> {
  const deps = await invoiceDeps(baseDeps, id);
  return changeState(deps, ctx, id, "void", async (tx, invoice) => {
    refuseVoidOfCreditedInvoice(invoice);
    const at = deps.clock.now();
    const original: EntryInput | null = await finalizationEntry(
      deps,
      tx,
      invoice,
      await assembledFromStore(tx, invoice),
    );
    if (original !== null) {
      const effective_date = dateIn(at, invoice.addresses.time_zone);
      await postEntry(deps, ctx, reversalEntry(original, { event: "invoice.voided", effective_date }), tx);
    }
    return { voided_at: toDate(at) };
  });
}

/**
 * Open → uncollectible: the invoice stays owed on paper. The bad-debt
 * write-off entry belongs to collections, which decides when a debt is lost.
 */
export async function markInvoiceUncollectible(baseDeps: Deps, ctx: RequestContext, id: string): Promise<InvoiceJson> {
  const deps = await invoiceDeps(baseDeps, id);
  return changeState(deps, ctx, id, "mark_uncollectible", async () => ({ uncollectible_at: toDate(deps.clock.now()) }));
}
