import { recordAudit } from "../access/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { toDate } from "../kernel/clock.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { assertNever, DomainError } from "../kernel/errors.js";
import { parseId } from "../kernel/ids.js";
import { Decimal, formatAmountForApi } from "../kernel/money.js";
import { emitEvent } from "../kernel/outbox.js";
import { postEntry } from "../ledger/index.js";
import { lockedCreditBalance } from "./credit-balance.js";
import { creditNoteNotFound, creditNoteView } from "./credit-note-queries.js";
import { creditDeps, creditNoteEntryOf } from "./credit-note-service.js";
import {
  type CreditNoteRow,
  findCreditNote,
  findRefundForUpdate,
  updateCreditNote,
  updateRefundStatus,
} from "./credit-note-store.js";
import { reversalEntry } from "./ledger-entries.js";
import { transition, transitionCreditNote } from "./lifecycle.js";
import { findInvoice, type InvoiceRow, updateInvoice } from "./store.js";
import { dateIn, invoiceJson, plainDate } from "./views.js";

/**
 * Voiding an issued credit note: the note issued by mistake is taken back.
 * It keeps its number (a gapless series has no holes, voided or not), the
 * reversal of its entry is posted dated the day of the void (a closed month
 * is never rewritten), and the invoice owes again what the note took off.
 * Refused when what the note gave has been used: its credit spent on another
 * invoice, or its refund paid out. One transaction: the note, the invoice,
 * the refund request, the reversal, the event and the audit rows.
 */

export interface VoidCreditNoteInput {
  reason: string;
}

const money = (amount: Decimal, currency: string) => formatAmountForApi(amount, currency);

/**
 * What the note gave must still be there to take back. The credit of a
 * `credit_balance` or `refund` note sits in the customer's balance (a refund
 * stays owed there until the payments module pays it); finalizing an invoice
 * spends that balance, so a balance below the note's total means part of it
 * is gone.
 */
async function refuseConsumed(deps: Deps, tx: Tx, note: CreditNoteRow): Promise<void> {
  switch (note.outcome) {
    case "reduce_amount_due":
      return;
    case "refund": {
      const refund = await findRefundForUpdate(tx, note.id);
      if (refund?.status === "succeeded") {
        throw new DomainError(
          "credit_note_refund_executed",
          `the refund of ${money(new Decimal(refund.amount), note.currency)} ${note.currency} was paid out; the note stands`,
          { param: "id", details: { refund_status: refund.status } },
        );
      }
      break;
    }
    case "credit_balance":
      break;
    default:
      assertNever(note.outcome, "credit note outcome");
  }
  const total = new Decimal(note.total);
  const { balance } = await lockedCreditBalance(deps, tx, note.customer_id, note.currency);
  if (balance.lessThan(total)) {
    throw new DomainError(
      "credit_note_credit_applied",
      `the note added ${money(total, note.currency)} ${note.currency} to the customer's credit balance, which is now ${money(balance, note.currency)}: the credit was applied to another invoice`,
      { param: "id", details: { credit_balance: money(balance, note.currency), total: money(total, note.currency) } },
    );
  }
}

/** The invoice after the void: credited_total goes down; a note that lowered what was due makes it owed again. */
function invoiceAfterVoid(invoice: InvoiceRow, note: CreditNoteRow) {
  const total = new Decimal(note.total);
  const credited_total = Decimal.max(new Decimal(invoice.credited_total).minus(total), 0).toString();
  if (note.outcome !== "reduce_amount_due") return { credited_total };
  const due = invoice.status === "paid" ? new Decimal(0) : new Decimal(invoice.amount_due);
  const status = invoice.status === "paid" ? transition(invoice, "reopen") : invoice.status;
  return { credited_total, amount_due: due.plus(total).toString(), status };
}

function reasonText(input: VoidCreditNoteInput): string {
  const reason = input.reason.trim();
  if (reason === "")
    throw new DomainError("parameter_missing", "say why the credit note is voided", { param: "reason" });
  return reason;
}

async function loadIssuedNote(tx: Tx, id: string): Promise<{ note: CreditNoteRow; invoice: InvoiceRow }> {
  const unlocked = await findCreditNote(tx, id);
  if (unlocked === undefined) throw creditNoteNotFound(id);
  // The invoice first, as creating a note does: two notes on one invoice take turns in one order.
  const invoice = await findInvoice(tx, unlocked.invoice_id, true);
  const note = await findCreditNote(tx, id, true);
  if (invoice === undefined || note === undefined) throw creditNoteNotFound(id);
  if (note.status === "pending_approval") {
    throw new DomainError(
      "credit_note_pending_approval",
      `credit note ${id} waits for approval and was never issued: reject its approval instead`,
      { param: "id", details: { approval_id: note.approval_id } },
    );
  }
  return { note, invoice };
}

/** Posts the reversal of the note's entry, dated `on`; returns its id (null for a note that posted nothing). */
async function postReversal(deps: Deps, ctx: RequestContext, tx: Tx, note: CreditNoteRow, on: string) {
  if (note.issue_date === null || note.ledger_entry_id === null) return null;
  const original = await creditNoteEntryOf(deps, tx, note, plainDate(note.issue_date));
  if (original === null) return null;
  const reversal = reversalEntry(original, { event: "credit_note.voided", effective_date: plainDate(on) });
  return (await postEntry(deps, ctx, reversal, tx)).id;
}

export async function voidCreditNote(baseDeps: Deps, ctx: RequestContext, id: string, input: VoidCreditNoteInput) {
  const noteId = parseId("credit_note", id, "id");
  const reason = reasonText(input);
  const found = await findCreditNote(baseDeps.db, noteId);
  if (found === undefined) throw creditNoteNotFound(id);
  // A test-clock customer's note is voided at the clock's time, in the clock's ledger book.
  const deps = await creditDeps(baseDeps, found.invoice_id);
  return inTransaction(deps.db, async (tx) => {
    const { note, invoice } = await loadIssuedNote(tx, noteId);
    const status = transitionCreditNote(note, "void");
    await refuseConsumed(deps, tx, note);
    const before = await creditNoteView(tx, noteId);
    const at = deps.clock.now();
    const voidDate = dateIn(at, invoice.addresses.time_zone).toString();
    const reversalId = await postReversal(deps, ctx, tx, note, voidDate);
    await updateCreditNote(tx, noteId, {
      status,
      voided_at: toDate(at),
      void_reason: reason,
      void_ledger_entry_id: reversalId,
    });
    if (note.outcome === "refund") await updateRefundStatus(tx, noteId, "canceled");
    const invoiceChanges = invoiceAfterVoid(invoice, note);
    await updateInvoice(tx, invoice.id, invoiceChanges);
    const after = await creditNoteView(tx, noteId);
    await emitEvent(tx, { type: "credit_note.voided", data: { credit_note: after } }, at, ctx.request_id);
    await recordAudit(
      tx,
      ctx,
      { action: "credit_note.voided", object_type: "credit_note", object_id: noteId, before, after },
      at,
    );
    await recordAudit(
      tx,
      ctx,
      {
        action: "invoice.credit_voided",
        object_type: "invoice",
        object_id: invoice.id,
        before: creditedFigures(invoiceJson(invoice, [])),
        after: { ...creditedFigures(invoiceJson({ ...invoice, ...invoiceChanges }, [])), credit_note_id: noteId },
      },
      at,
    );
    return after;
  });
}

function creditedFigures(invoice: ReturnType<typeof invoiceJson>) {
  return { status: invoice.status, amount_due: invoice.amount_due, credited_total: invoice.credited_total };
}
