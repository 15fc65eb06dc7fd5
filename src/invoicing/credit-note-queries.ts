import { recordAudit } from "../access/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import type { Executor } from "../kernel/db.js";
import { inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { parseId } from "../kernel/ids.js";
import { Decimal, formatAmountForApi, parseCurrency, parseCurrencyAmount } from "../kernel/money.js";
import type { PageRequest } from "../kernel/pagination.js";
import {
  approvalThresholds,
  type CreditNoteFilter,
  findCreditNote,
  findCreditNoteLines,
  findRefunds,
  listCreditNoteRows,
  saveApprovalThreshold,
} from "./credit-note-store.js";
import { type CreditNoteJson, creditNoteJson } from "./credit-note-views.js";
import { renderCreditNotePdf } from "./document.js";
import { creditNoteDocumentFrom } from "./document-model.js";
import { sellerParty, sellerSnapshot } from "./legal-entities.js";
import { loadLegalEntity } from "./legal-entity-service.js";
import { findInvoice } from "./store.js";
import { dateIn, plainDate } from "./views.js";

/** Reading credit notes, their PDF, and the approval thresholds. */

export async function creditNoteView(db: Executor, id: string) {
  const note = await findCreditNote(db, id);
  if (note === undefined) throw creditNoteNotFound(id);
  const [lines, refunds, invoice] = await Promise.all([
    findCreditNoteLines(db, [id]),
    findRefunds(db, [id]),
    findInvoice(db, note.invoice_id),
  ]);
  return creditNoteJson(note, lines, refunds[0], invoice?.number ?? null);
}

export function creditNoteNotFound(id: string): DomainError {
  return new DomainError("credit_note_not_found", `no credit note ${id}`, { param: "id" });
}

export async function getCreditNote(deps: Deps, id: string): Promise<CreditNoteJson> {
  return creditNoteView(deps.db, parseId("credit_note", id, "id"));
}

export async function listCreditNotes(deps: Deps, filter: CreditNoteFilter, page: PageRequest) {
  const rows = await listCreditNoteRows(deps.db, filter, page);
  const ids = rows.data.map((row) => row.id);
  const [lines, refunds] = await Promise.all([findCreditNoteLines(deps.db, ids), findRefunds(deps.db, ids)]);
  const numbers = new Map<string, string | null>();
  for (const invoiceId of new Set(rows.data.map((row) => row.invoice_id))) {
    numbers.set(invoiceId, (await findInvoice(deps.db, invoiceId))?.number ?? null);
  }
  return {
    data: rows.data.map((row) =>
      creditNoteJson(
        row,
        lines.filter((line) => line.credit_note_id === row.id),
        refunds.find((refund) => refund.credit_note_id === row.id),
        numbers.get(row.invoice_id) ?? null,
      ),
    ),
    has_more: rows.has_more,
  };
}

/**
 * The credit note PDF, rendered from the stored note each time (pure, like
 * the invoice's). A note still waiting for approval prints as "PENDING",
 * dated today.
 */
export async function creditNotePdf(deps: Deps, id: string): Promise<{ number: string; pdf: Buffer }> {
  const noteId = parseId("credit_note", id, "id");
  const note = await findCreditNote(deps.db, noteId);
  if (note === undefined) throw creditNoteNotFound(id);
  const invoice = await findInvoice(deps.db, note.invoice_id);
  if (invoice === undefined) throw creditNoteNotFound(id);
  const lines = await findCreditNoteLines(deps.db, [noteId]);
  const buyer = invoice.addresses;
  const number = note.number ?? "PENDING";
  const today = dateIn(deps.clock.now(), buyer.time_zone);
  // A note waiting for approval (or issued before sellers were kept with it) prints the entity as it is now.
  const seller = note.seller ?? sellerSnapshot(await loadLegalEntity(deps.db, note.legal_entity));
  const figures = {
    currency: note.currency,
    reason: note.reason,
    outcome: note.outcome,
    memo: note.memo,
    lines: lines.map((line) => ({
      line_id: line.invoice_line_id,
      product_id: line.product_id,
      description: line.description,
      net_amount: new Decimal(line.net_amount),
      tax_amount: new Decimal(line.tax_amount),
    })),
    subtotal: new Decimal(note.subtotal),
    tax: new Decimal(note.tax),
    total: new Decimal(note.total),
  };
  const document = creditNoteDocumentFrom(figures, {
    seller: sellerParty(seller),
    buyer,
    number,
    issue_date: note.issue_date === null ? today : plainDate(note.issue_date),
    invoice_number: invoice.number ?? invoice.id,
    invoice_issue_date: invoice.issue_date === null ? today : plainDate(invoice.issue_date),
    // A note rejected before issue has no number and prints PENDING; only an issued note voided prints VOID.
    voided:
      note.voided_at === null || note.number === null
        ? null
        : { on: dateIn(fromDate(note.voided_at), buyer.time_zone), reason: note.void_reason },
  });
  return { number, pdf: await renderCreditNotePdf(document) };
}

export interface CreditNoteSettings {
  object: "credit_note_settings";
  /** Per currency: a credit note whose total is above it waits for approval. A currency not listed never does. */
  approval_thresholds: Record<string, string>;
}

async function settingsView(deps: Deps): Promise<CreditNoteSettings> {
  const stored = await approvalThresholds(deps.db);
  const approval_thresholds = Object.fromEntries(
    Object.entries(stored).map(([currency, amount]) => [currency, formatAmountForApi(new Decimal(amount), currency)]),
  );
  return { object: "credit_note_settings", approval_thresholds };
}

export async function getCreditNoteSettings(deps: Deps): Promise<CreditNoteSettings> {
  return settingsView(deps);
}

/** Sets or (with null) removes the approval threshold of each currency given; the others stay as they are. */
export async function updateCreditNoteSettings(
  deps: Deps,
  ctx: RequestContext,
  input: { approval_thresholds: Record<string, string | null> },
): Promise<CreditNoteSettings> {
  const changes = Object.entries(input.approval_thresholds).map(([code, amount]) => {
    const param = `approval_thresholds.${code}`;
    const currency = parseCurrency(code, param);
    if (amount === null) return { currency, threshold: null };
    const threshold = parseCurrencyAmount(amount, currency, param);
    if (threshold.isNegative()) {
      throw new DomainError("invalid_amount", "a threshold is zero or more", { param });
    }
    return { currency, threshold: threshold.toString() };
  });
  return inTransaction(deps.db, async (tx) => {
    const before = await settingsView({ ...deps, db: tx });
    const at = deps.clock.now();
    for (const change of changes) await saveApprovalThreshold(tx, change.currency, change.threshold, toDate(at));
    const after = await settingsView({ ...deps, db: tx });
    await recordAudit(
      tx,
      ctx,
      {
        action: "credit_note_settings.updated",
        object_type: "credit_note_settings",
        object_id: "default",
        before,
        after,
      },
      at,
    );
    return after;
  });
}
