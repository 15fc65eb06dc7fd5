import { fromDate } from "../kernel/clock.js";
import { Decimal, formatAmountForApi } from "../kernel/money.js";
import type { CreditNoteLineRow, CreditNoteRow, RefundRow } from "./credit-note-store.js";
import type { CreditNoteFigures } from "./credit-notes.js";

/** The JSON the API answers with for a credit note and a preview. No I/O. */

const iso = (date: Date | null) => (date === null ? null : fromDate(date).toString());

export type CreditNoteJson = ReturnType<typeof creditNoteJson>;

export function creditNoteJson(
  note: CreditNoteRow,
  lines: readonly CreditNoteLineRow[],
  refund: RefundRow | undefined,
  invoiceNumber: string | null,
) {
  const money = (value: string) => formatAmountForApi(new Decimal(value), note.currency);
  return {
    object: "credit_note" as const,
    id: note.id,
    number: note.number,
    legal_entity: note.legal_entity,
    invoice_id: note.invoice_id,
    invoice_number: invoiceNumber,
    customer_id: note.customer_id,
    currency: note.currency,
    status: note.status,
    reason: note.reason,
    outcome: note.outcome,
    memo: note.memo,
    lines: lines.map((line) => ({
      invoice_line_id: line.invoice_line_id,
      product_id: line.product_id,
      description: line.description,
      net_amount: money(line.net_amount),
      tax_amount: money(line.tax_amount),
      amount: money(new Decimal(line.net_amount).plus(line.tax_amount).toString()),
    })),
    subtotal: money(note.subtotal),
    tax: money(note.tax),
    total: money(note.total),
    issue_date: note.issue_date,
    issued_at: iso(note.issued_at),
    refund: refund === undefined ? null : { status: refund.status, amount: money(refund.amount) },
    approval_id: note.approval_id,
    ledger_entry_id: note.ledger_entry_id,
    created_at: fromDate(note.created_at).toString(),
    voided_at: iso(note.voided_at),
    void_reason: note.void_reason,
    void_ledger_entry_id: note.void_ledger_entry_id,
  };
}

export function creditNotePreviewJson(
  invoice: { id: string; customer_id: string; amount_due: Decimal },
  figures: CreditNoteFigures,
  approvalRequired: boolean,
) {
  const money = (value: Decimal) => formatAmountForApi(value, figures.currency);
  const amountDueAfter =
    figures.outcome === "reduce_amount_due" ? invoice.amount_due.minus(figures.total) : invoice.amount_due;
  return {
    object: "credit_note_preview" as const,
    invoice_id: invoice.id,
    customer_id: invoice.customer_id,
    currency: figures.currency,
    reason: figures.reason,
    outcome: figures.outcome,
    memo: figures.memo,
    lines: figures.lines.map((line) => ({
      invoice_line_id: line.line_id,
      product_id: line.product_id,
      description: line.description,
      net_amount: money(line.net_amount),
      tax_amount: money(line.tax_amount),
      amount: money(line.net_amount.plus(line.tax_amount)),
    })),
    subtotal: money(figures.subtotal),
    tax: money(figures.tax),
    total: money(figures.total),
    approval_required: approvalRequired,
    invoice_amount_due_after: money(amountDueAfter),
  };
}
