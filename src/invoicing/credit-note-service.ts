import { Temporal } from "temporal-polyfill";
import {
  type Approval,
  recordAudit,
  registerApprovalHandler,
  registerRejectionHandler,
  requestApproval,
} from "../access/index.js";
import { customerDeps, getCustomer, testClockInvoicePrefix } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { toDate } from "../kernel/clock.js";
import { type Executor, inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { isId, newId, parseId } from "../kernel/ids.js";
import { Decimal } from "../kernel/money.js";
import { emitEvent } from "../kernel/outbox.js";
import {
  chartAccountFor,
  customerCreditAccountFor,
  type EntryInput,
  postEntry,
  receivableAccountFor,
  revenueAccountFor,
} from "../ledger/index.js";
import { type CreditNoteInput, scopeFrom } from "./credit-note-input.js";
import { creditNoteNotFound, creditNoteView } from "./credit-note-queries.js";
import {
  activeNotesOnInvoice,
  approvalThresholdFor,
  type CreditNoteRow,
  findCreditNote,
  findCreditNoteLines,
  insertCreditNote,
  insertRefund,
  updateCreditNote,
} from "./credit-note-store.js";
import { creditNotePreviewJson } from "./credit-note-views.js";
import { buildCreditNote, type CreditableInvoice, type CreditNoteFigures } from "./credit-notes.js";
import { creditNoteEntry, type InvoicingAccounts } from "./ledger-entries.js";
import { type LegalEntity, sellerSnapshot } from "./legal-entities.js";
import { loadLegalEntity } from "./legal-entity-service.js";
import { transition, transitionCreditNote } from "./lifecycle.js";
import { DEFAULT_CREDIT_NOTE_SERIES, nextDocumentNumber } from "./numbering.js";
import { findInvoice, findLines, type InvoiceRow, type LineRow, takeSeriesNumber, updateInvoice } from "./store.js";
import { dateIn, invoiceJson, storedAssembly } from "./views.js";

/**
 * Credit notes against finalized invoices. Creating one locks the invoice
 * row, so two notes on one invoice take turns and the second sees what the
 * first credited: the sum of the notes never exceeds what was billed. Above
 * the approval threshold of its currency a note waits, unnumbered and
 * unposted, for a second person; approving it issues it inside the approving
 * transaction, rejecting it voids it. Issuing takes the next number of the
 * credit note series, posts the entry, lowers what is due on the invoice (or
 * credits the customer's balance, or records a refund request) and writes
 * the audit rows and the outbox event, all in one transaction.
 */

export const CREDIT_NOTE_APPROVAL_ACTION = "credit_note.issue";

/** For a customer on a test clock, its clock and its own ledger book, like the invoice it credits. */
export async function creditDeps(deps: Deps, invoiceId: string): Promise<Deps> {
  const invoice = isId("invoice", invoiceId) ? await findInvoice(deps.db, invoiceId) : undefined;
  return invoice === undefined ? deps : customerDeps(deps, invoice.customer_id);
}

/**
 * Voiding reverses the whole finalization entry; after a credit note has
 * taken part of it back, that would take the same revenue back twice. Credit
 * what is left instead.
 */
export function refuseVoidOfCreditedInvoice(invoice: InvoiceRow): void {
  if (new Decimal(invoice.credited_total).isZero()) return;
  throw new DomainError(
    "invoice_has_credit_notes",
    `invoice ${invoice.id} has credit notes: credit what is left with a whole-invoice credit note instead of voiding it`,
    { param: "id" },
  );
}

function invoiceNotFound(id: string): DomainError {
  return new DomainError("invoice_not_found", `no invoice ${id}`, { param: "invoice" });
}

/** What is still owed on the invoice: nothing once paid; less what notes waiting for approval will take. */
function amountDueRemaining(invoice: InvoiceRow, active: readonly CreditNoteRow[]): Decimal {
  if (invoice.status === "paid") return new Decimal(0);
  const reserved = active
    .filter((note) => note.status === "pending_approval" && note.outcome === "reduce_amount_due")
    .reduce((total, note) => total.plus(note.total), new Decimal(0));
  return new Decimal(invoice.amount_due).minus(reserved);
}

async function creditableFrom(db: Executor, invoice: InvoiceRow, lines: readonly LineRow[]) {
  // The figures as finalized and posted (after discounts), never priced again.
  const assembled = storedAssembly(invoice, lines);
  const active = await activeNotesOnInvoice(db, invoice.id);
  const credited = await findCreditNoteLines(
    db,
    active.map((note) => note.id),
  );
  const creditable: CreditableInvoice = {
    status: invoice.status,
    currency: invoice.currency,
    amount_due_remaining: amountDueRemaining(invoice, active),
    lines: lines.map((line, index) => ({
      id: line.id,
      product_id: line.product_id,
      description: line.description,
      quantity: new Decimal(line.quantity),
      net_amount: assembled.lines[index]?.net_amount ?? new Decimal(0),
      tax_amount: assembled.lines[index]?.tax_amount ?? new Decimal(0),
    })),
    credited: credited.map((line) => ({
      line_id: line.invoice_line_id,
      net_amount: new Decimal(line.net_amount),
      tax_amount: new Decimal(line.tax_amount),
    })),
  };
  return creditable;
}

/** Loads the invoice (locked when `lock`) and works out the note's figures; writes nothing. */
async function figuresFor(db: Executor, input: CreditNoteInput, lock: boolean) {
  const invoice = await findInvoice(db, parseId("invoice", input.invoice, "invoice"), lock);
  if (invoice === undefined) throw invoiceNotFound(input.invoice);
  const lines = await findLines(db, [invoice.id]);
  const figures = buildCreditNote(await creditableFrom(db, invoice, lines), {
    scope: scopeFrom(input),
    reason: input.reason,
    outcome: input.outcome,
    memo: input.memo ?? null,
  });
  const threshold = await approvalThresholdFor(db, invoice.currency);
  const approvalRequired = threshold !== undefined && figures.total.greaterThan(threshold);
  return { invoice, figures, approvalRequired };
}

/** What the note would be, with whether it would wait for approval. Writes nothing. */
export async function previewCreditNote(deps: Deps, input: CreditNoteInput) {
  const { invoice, figures, approvalRequired } = await figuresFor(deps.db, input, false);
  const amountDue = invoice.status === "paid" ? new Decimal(0) : new Decimal(invoice.amount_due);
  return creditNotePreviewJson({ ...invoice, amount_due: amountDue }, figures, approvalRequired);
}

function approvalSummary(invoice: InvoiceRow, figures: CreditNoteFigures): string {
  const outcome = figures.outcome.replaceAll("_", " ");
  return `Credit note of ${figures.total.toFixed()} ${figures.currency} on ${invoice.number ?? invoice.id} (${figures.reason.replaceAll("_", " ")}, ${outcome})`;
}

/**
 * Creates a credit note: issued at once, or held for approval when its total
 * is above the threshold set for its currency.
 */
export async function createCreditNote(baseDeps: Deps, ctx: RequestContext, input: CreditNoteInput) {
  const deps = await creditDeps(baseDeps, input.invoice);
  return inTransaction(deps.db, async (tx) => {
    const { invoice, figures, approvalRequired } = await figuresFor(tx, input, true);
    const at = deps.clock.now();
    const id = newId("credit_note");
    await insertCreditNote(
      tx,
      {
        id,
        invoice_id: invoice.id,
        customer_id: invoice.customer_id,
        currency: invoice.currency,
        status: "pending_approval",
        legal_entity: invoice.legal_entity,
        reason: figures.reason,
        outcome: figures.outcome,
        memo: figures.memo,
        subtotal: figures.subtotal.toString(),
        tax: figures.tax.toString(),
        total: figures.total.toString(),
        created_at: toDate(at),
      },
      figures.lines.map((line) => ({
        invoice_line_id: line.line_id,
        product_id: line.product_id,
        description: line.description,
        net_amount: line.net_amount.toString(),
        tax_amount: line.tax_amount.toString(),
      })),
    );
    if (!approvalRequired) {
      await issueCreditNote({ db: tx, clock: deps.clock }, ctx, tx, id);
      return creditNoteView(tx, id);
    }
    const approval = await requestApproval({ db: tx, clock: deps.clock }, ctx, {
      action: CREDIT_NOTE_APPROVAL_ACTION,
      object_type: "credit_note",
      object_id: id,
      payload: { credit_note_id: id, invoice_id: invoice.id, total: figures.total.toString() },
      summary: approvalSummary(invoice, figures),
    });
    await updateCreditNote(tx, id, { approval_id: approval.id });
    const after = await creditNoteView(tx, id);
    await emitEvent(tx, { type: "credit_note.approval_requested", data: { credit_note: after } }, at, ctx.request_id);
    await recordAudit(tx, ctx, { action: "credit_note.created", object_type: "credit_note", object_id: id, after }, at);
    return after;
  });
}

async function accountsFor(deps: Deps, tx: Tx, note: CreditNoteRow, productIds: Iterable<string>) {
  const { currency, customer_id } = note;
  const revenue_by_product: Record<string, string> = {};
  for (const productId of new Set(productIds)) {
    revenue_by_product[productId] = (await revenueAccountFor(deps, tx, productId, currency)).id;
  }
  const accounts: InvoicingAccounts = {
    receivable: (await receivableAccountFor(deps, tx, customer_id, currency)).id,
    customer_credit: (await customerCreditAccountFor(deps, tx, customer_id, currency)).id,
    tax_payable: (await chartAccountFor(deps, tx, "tax_payable", currency)).id,
    revenue_default: (await chartAccountFor(deps, tx, "revenue", currency)).id,
    revenue_by_product,
  };
  return accounts;
}

/** The invoice's figures after the note: what is due drops for `reduce_amount_due`, and at zero the invoice is settled. */
function invoiceAfterCredit(invoice: InvoiceRow, note: CreditNoteRow) {
  const total = new Decimal(note.total);
  const credited_total = new Decimal(invoice.credited_total).plus(total).toString();
  if (note.outcome !== "reduce_amount_due") return { credited_total };
  const due = invoice.status === "paid" ? new Decimal(0) : new Decimal(invoice.amount_due);
  if (total.greaterThan(due)) {
    throw new DomainError(
      "credit_note_exceeds_amount_due",
      `${total.toFixed()} is more than the ${due.toFixed()} still due; credit the balance or refund instead`,
      { param: "outcome" },
    );
  }
  const amount_due = due.minus(total);
  const status = amount_due.isZero() ? transition(invoice, "pay") : invoice.status;
  return { credited_total, amount_due: amount_due.toString(), status };
}

/**
 * A test clock's credit notes are numbered in the clock's own series
 * ("TC-4E7Q2M9X1B-CN-2026-000001"), as its invoices are: deleting the clock
 * deletes them, and a live series must never lose numbers that way.
 */
function creditNotePrefixFor(entity: LegalEntity, testClock: string | null): string {
  return testClock === null ? entity.credit_note_prefix : `${testClockInvoicePrefix(testClock)}-CN`;
}

/** The next gapless number of the note's credit note series; the series row stays locked until commit. */
async function takeCreditNoteNumber(
  tx: Tx,
  entity: LegalEntity,
  testClock: string | null,
  issueDate: Temporal.PlainDate,
): Promise<string> {
  const series = { ...DEFAULT_CREDIT_NOTE_SERIES, prefix: creditNotePrefixFor(entity, testClock) };
  const taken = await takeSeriesNumber(tx, { legal_entity: entity.id, prefix: series.prefix, year: issueDate.year });
  const last = taken === 1 ? null : { year: issueDate.year, sequence: taken - 1 };
  return nextDocumentNumber(series, last, issueDate.year).number;
}

/** Posts the note's one entry, dated its issue date; returns the entry's id. */
async function postCreditNote(
  deps: Deps,
  ctx: RequestContext,
  tx: Tx,
  note: CreditNoteRow,
  issueDate: Temporal.PlainDate,
): Promise<string | null> {
  const entry = await creditNoteEntryOf(deps, tx, note, issueDate);
  return entry === null ? null : (await postEntry(deps, ctx, entry, tx)).id;
}

/** The entry a note posts on its issue date; the same note always gives the same entry, so a void can reverse it. */
export async function creditNoteEntryOf(
  deps: Deps,
  tx: Tx,
  note: CreditNoteRow,
  issueDate: Temporal.PlainDate,
): Promise<EntryInput | null> {
  const lines = await findCreditNoteLines(tx, [note.id]);
  const productIds = lines.flatMap((line) => (line.product_id === null ? [] : [line.product_id]));
  const entry = creditNoteEntry(
    {
      credit_note_id: note.id,
      invoice_id: note.invoice_id,
      issue_date: issueDate,
      outcome: note.outcome,
      lines: lines.map((line) => ({ product_id: line.product_id, net_amount: new Decimal(line.net_amount) })),
      tax: new Decimal(note.tax),
      total: new Decimal(note.total),
    },
    await accountsFor(deps, tx, note, productIds),
  );
  return entry;
}

/** Numbers, posts and records a note waiting in `pending_approval`; the caller's transaction commits it. */
async function issueCreditNote(deps: Deps, ctx: RequestContext, tx: Tx, id: string): Promise<void> {
  const draft = await findCreditNote(tx, id, true);
  if (draft === undefined) throw creditNoteNotFound(id);
  const invoice = await findInvoice(tx, draft.invoice_id, true);
  if (invoice === undefined) throw invoiceNotFound(draft.invoice_id);
  if (invoice.status === "void" || invoice.status === "draft") {
    throw new DomainError("credit_note_invoice_not_finalized", `invoice ${invoice.id} is ${invoice.status}`, {
      param: "invoice",
    });
  }
  const status = transitionCreditNote(draft, "issue");
  const at = deps.clock.now();
  const issueDate = dateIn(at, invoice.addresses.time_zone);
  const invoiceChanges = invoiceAfterCredit(invoice, draft);
  const entity = await loadLegalEntity(tx, draft.legal_entity);
  const { test_clock } = await getCustomer(deps, draft.customer_id, tx);
  const number = await takeCreditNoteNumber(tx, entity, test_clock, issueDate);
  const ledgerEntryId = await postCreditNote(deps, ctx, tx, draft, issueDate);
  await updateCreditNote(tx, id, {
    status,
    number,
    issue_date: issueDate.toString(),
    issued_at: toDate(at),
    ledger_entry_id: ledgerEntryId,
    // jsonb takes JSON text; the seller as printed from now on, whatever the entity later becomes.
    seller: JSON.stringify(sellerSnapshot(entity)) as never,
  });
  if (draft.outcome === "refund") {
    await insertRefund(tx, {
      credit_note_id: id,
      customer_id: draft.customer_id,
      currency: draft.currency,
      amount: draft.total,
      status: "requested",
      created_at: toDate(at),
    });
  }
  const invoiceBefore = invoiceJson(invoice, []);
  await updateInvoice(tx, invoice.id, invoiceChanges);
  const invoiceAfter = invoiceJson({ ...invoice, ...invoiceChanges }, []);
  const after = await creditNoteView(tx, id);
  await emitEvent(tx, { type: "credit_note.issued", data: { credit_note: after } }, at, ctx.request_id);
  await recordAudit(tx, ctx, { action: "credit_note.issued", object_type: "credit_note", object_id: id, after }, at);
  await recordAudit(
    tx,
    ctx,
    {
      action: "invoice.credited",
      object_type: "invoice",
      object_id: invoice.id,
      before: creditedFigures(invoiceBefore),
      after: { ...creditedFigures(invoiceAfter), credit_note_id: id },
    },
    at,
  );
}

function creditedFigures(invoice: ReturnType<typeof invoiceJson>) {
  return { status: invoice.status, amount_due: invoice.amount_due, credited_total: invoice.credited_total };
}

/**
 * The approval's decision instant is the moment of the action, so the handler
 * needs no clock of its own; a customer on a test clock keeps its own time.
 */
async function decisionDeps(tx: Tx, approval: Approval): Promise<Deps> {
  const decidedAt = Temporal.Instant.from(approval.decided_at ?? approval.created_at);
  const note = await findCreditNote(tx, noteIdOf(approval));
  const deps: Deps = { db: tx, clock: { now: () => decidedAt } };
  return note === undefined ? deps : customerDeps(deps, note.customer_id, tx);
}

function noteIdOf(approval: Approval): string {
  return parseId("credit_note", approval.object_id, "object_id");
}

async function voidPendingCreditNote(tx: Tx, approval: Approval, ctx: RequestContext): Promise<void> {
  if (!(await isNotesOwnApproval(tx, approval))) return;
  const deps = await decisionDeps(tx, approval);
  const id = noteIdOf(approval);
  const note = await findCreditNote(tx, id, true);
  if (note === undefined) throw creditNoteNotFound(id);
  const before = await creditNoteView(tx, id);
  const at = deps.clock.now();
  await updateCreditNote(tx, id, { status: transitionCreditNote(note, "void"), voided_at: toDate(at) });
  const after = await creditNoteView(tx, id);
  await emitEvent(tx, { type: "credit_note.voided", data: { credit_note: after } }, at, ctx.request_id);
  await recordAudit(
    tx,
    ctx,
    { action: "credit_note.voided", object_type: "credit_note", object_id: id, before, after },
    at,
  );
}

/** Only the approval the note asked for decides it: a second request naming the same note cannot issue it. */
async function isNotesOwnApproval(tx: Tx, approval: Approval): Promise<boolean> {
  const note = await findCreditNote(tx, noteIdOf(approval));
  return note?.approval_id === approval.id;
}

registerApprovalHandler(CREDIT_NOTE_APPROVAL_ACTION, async (tx, approval, ctx) => {
  if (!(await isNotesOwnApproval(tx, approval))) {
    throw new DomainError("credit_note_transition_invalid", "this approval was not requested by the credit note", {
      param: "object_id",
    });
  }
  await issueCreditNote(await decisionDeps(tx, approval), ctx, tx, noteIdOf(approval));
});
registerRejectionHandler(CREDIT_NOTE_APPROVAL_ACTION, voidPendingCreditNote);
