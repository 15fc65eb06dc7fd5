import { assertNever, DomainError } from "../kernel/errors.js";

/**
 * Invoice and credit note states as declared transition tables. Every change
 * of state goes through `transition` (invoices) or `transitionCreditNote`, which
 * rejects anything the table does not list, so a void invoice can never be
 * paid and a paid one never voided (Kill Bill's PaymentStates, Lago's
 * invoice state machine).
 */

export const INVOICE_STATUSES = ["draft", "open", "paid", "void", "uncollectible"] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/**
 * Deleting a draft is not a transition: a draft was never numbered or
 * posted, so the service simply removes it while `isInvoiceEditable` holds.
 */
export type InvoiceEvent = "finalize" | "pay" | "void" | "mark_uncollectible" | "reopen";

/**
 * Uncollectible is not final: a customer may still pay a written-off invoice
 * (Stripe allows it), or it may be voided when the debt is forgiven instead.
 */
const INVOICE_TRANSITIONS: Readonly<Record<InvoiceStatus, Partial<Record<InvoiceEvent, InvoiceStatus>>>> = {
  draft: { finalize: "open" },
  open: { pay: "paid", void: "void", mark_uncollectible: "uncollectible" },
  uncollectible: { pay: "paid", void: "void" },
  // A credit note that settled the invoice is voided: what it took off is owed again.
  paid: { reopen: "open" },
  void: {},
};

/** `pending_approval`: above the approval threshold, waiting for a second person; it has no number yet. */
export const CREDIT_NOTE_STATUSES = ["pending_approval", "issued", "void"] as const;
export type CreditNoteStatus = (typeof CREDIT_NOTE_STATUSES)[number];
export type CreditNoteEvent = "issue" | "void";

const CREDIT_NOTE_TRANSITIONS: Readonly<Record<CreditNoteStatus, Partial<Record<CreditNoteEvent, CreditNoteStatus>>>> =
  {
    pending_approval: { issue: "issued", void: "void" },
    issued: { void: "void" },
    void: {},
  };

/** Finalized invoices are immutable: only a draft's lines, PO, memo and addresses may be edited. */
export function isInvoiceEditable(status: InvoiceStatus): boolean {
  switch (status) {
    case "draft":
      return true;
    case "open":
    case "paid":
    case "void":
    case "uncollectible":
      return false;
    default:
      return assertNever(status, "invoice status");
  }
}

/** A credit note may be issued only against an invoice that was finalized and not voided. */
export function isInvoiceCreditable(status: InvoiceStatus): boolean {
  switch (status) {
    case "open":
    case "paid":
    case "uncollectible":
      return true;
    case "draft":
    case "void":
      return false;
    default:
      return assertNever(status, "invoice status");
  }
}

/** The state an invoice moves to on `event`, or `invoice_transition_invalid`. */
export function transition(invoice: { status: InvoiceStatus }, event: InvoiceEvent): InvoiceStatus {
  const target = INVOICE_TRANSITIONS[invoice.status][event];
  if (target === undefined) {
    throw new DomainError(
      "invoice_transition_invalid",
      `a ${invoice.status} invoice cannot ${event.replaceAll("_", " ")}`,
      {
        param: "status",
        details: { status: invoice.status, event, allowed: allowedInvoiceEvents(invoice.status) },
      },
    );
  }
  return target;
}

export function allowedInvoiceEvents(status: InvoiceStatus): InvoiceEvent[] {
  return Object.keys(INVOICE_TRANSITIONS[status]) as InvoiceEvent[];
}

/** The state a credit note moves to on `event`, or `credit_note_transition_invalid`. */
export function transitionCreditNote(note: { status: CreditNoteStatus }, event: CreditNoteEvent): CreditNoteStatus {
  const target = CREDIT_NOTE_TRANSITIONS[note.status][event];
  if (target === undefined) {
    throw new DomainError("credit_note_transition_invalid", `a ${note.status} credit note cannot ${event}`, {
      param: "status",
      details: { status: note.status, event },
    });
  }
  return target;
}
