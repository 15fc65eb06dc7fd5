/**
 * Shapes of the billing resources as the API sends them: invoices, their
 * review, credit notes, billing runs and test clocks. Amounts are decimal
 * strings beside a currency; instants are ISO 8601 text.
 */

export const INVOICE_STATUSES = ["draft", "open", "paid", "void", "uncollectible"] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

interface Period {
  start: string;
  end: string;
}

export interface InvoiceLine {
  id: string;
  description: string;
  period: Period | null;
  quantity: string;
  unit_amount: string;
  amount: string;
  proration: boolean;
  source: { type: string; id: string | null };
  product_id: string | null;
  tax_rate: string;
  tax_name: string;
  tax_amount: string;
}

export interface Invoice {
  id: string;
  customer_id: string;
  currency: string;
  status: InvoiceStatus;
  number: string | null;
  issue_date: string | null;
  due_date: string | null;
  po_number: string | null;
  memo: string | null;
  subtotal: string;
  discount: string;
  tax: string;
  total: string;
  amount_due: string;
  credited_total?: string;
  lines: InvoiceLine[];
  subscription_id: string | null;
  period_index: number | null;
  ledger_entry_id: string | null;
  created_at: string;
  finalized_at: string | null;
  voided_at: string | null;
  uncollectible_at: string | null;
}

/** What finalizing answers when the amount needs a second person's approval (HTTP 202). */
export interface ApprovalRequested {
  approval: { id: string; status: string; summary?: string };
}

export type FindingSeverity = "blocking" | "warning" | "info";

export interface Finding {
  rule: string;
  severity: FindingSeverity;
  message: string;
  details: { param: string | null; fingerprint: string };
  override: null | { reason: string; overridden_by: string; overridden_at: string };
}

export interface InvoiceReview {
  invoice_id: string;
  findings: Finding[];
  blocking: number;
  warnings: number;
  can_finalize: boolean;
  approval_required: boolean;
  auto_finalize_at: string | null;
}

export interface ReviewQueueRow {
  invoice: Invoice;
  blocking: number;
  warnings: number;
  auto_finalize_at: string | null;
}

export const CREDIT_NOTE_REASONS = [
  "duplicate",
  "product_unsatisfactory",
  "order_change",
  "fraudulent",
  "billing_error",
  "goodwill",
] as const;
export const CREDIT_NOTE_OUTCOMES = ["reduce_amount_due", "credit_balance", "refund"] as const;

export interface CreditNoteLine {
  invoice_line_id: string | null;
  product_id: string | null;
  description: string;
  net_amount: string;
  tax_amount: string;
  amount: string;
}

/** A credit note, or its preview (no id, number or status yet). */
export interface CreditNote {
  id?: string;
  number?: string | null;
  invoice_id: string;
  invoice_number?: string | null;
  customer_id: string;
  currency: string;
  status?: string;
  reason: string;
  outcome: string;
  memo: string | null;
  lines: CreditNoteLine[];
  subtotal: string;
  tax: string;
  total: string;
  issue_date?: string | null;
  issued_at?: string | null;
  refund?: { status: string; amount: string } | null;
  approval_id?: string | null;
  ledger_entry_id?: string | null;
  created_at?: string;
  voided_at?: string | null;
  /** Why an issued note was voided. */
  void_reason?: string | null;
  /** Previews only. */
  approval_required?: boolean;
  invoice_amount_due_after?: string;
}

/** The invoice a credit note is against. */
export function creditNoteInvoice(note: CreditNote): string {
  return note.invoice_id;
}

export type BillingRunOutcome = "invoiced" | "skipped_held" | "skipped_already_billed" | "failed";

export interface BillingRunItem {
  subscription: string;
  customer: string;
  period_index: number | null;
  outcome: BillingRunOutcome;
  invoice: string | null;
  /** The run finalized the invoice as it wrote it (a clean draft, grace period zero). */
  finalized: boolean;
  currency: string | null;
  total: string | null;
  reason: string | null;
  error: { code: string; message: string } | null;
}

export interface BillingRun {
  id: string | null;
  dry_run: boolean;
  as_of: string;
  customer: string | null;
  status: "running" | "succeeded" | "completed_with_failures" | "failed";
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  subscriptions_considered: number;
  invoices_created: number;
  invoices_finalized: number;
  skipped_held: number;
  skipped_already_billed: number;
  failed: number;
  totals: Record<string, string>;
  items?: BillingRunItem[];
}

export interface TestClock {
  id: string;
  name: string;
  frozen_time: string;
  status: "ready" | "advancing" | "deleted";
  customer_count: number;
  created_at: string;
}

/** The little of a customer these screens show. */
export interface CustomerSummary {
  id: string;
  legal_name: string;
  display_name: string | null;
  currency: string;
  po_required?: boolean;
  test_clock?: string | null;
}

export function customerName(customer: CustomerSummary): string {
  return customer.display_name ?? customer.legal_name;
}

/** "2026-11-23T09:30" typed as UTC → "2026-11-23T09:30:00Z"; null when it is not a date and time. */
export function utcInstant(local: string): string | null {
  const trimmed = local.trim();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(trimmed)) return null;
  return trimmed.length === 16 ? `${trimmed}:00Z` : `${trimmed}Z`;
}

/** An instant as UTC "YYYY-MM-DDTHH:mm", what a datetime-local field holds. */
export function utcLocal(instant: string): string {
  return instant.slice(0, 16);
}

/** An instant in UTC, "23 Nov 2026 09:30 UTC": test clocks and billing runs speak UTC. */
export function formatUtc(instant: string | null | undefined): string {
  if (instant === null || instant === undefined) return "—";
  const parsed = new Date(instant);
  if (Number.isNaN(parsed.getTime())) return instant;
  return `${utcFormat.format(parsed)} UTC`;
}

const utcFormat = new Intl.DateTimeFormat("en-GB", {
  year: "numeric",
  month: "short",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
  timeZone: "UTC",
});

/** "3 draft invoices created, 0 failed." or, when the run finalized some, "3 invoices created (2 finalized), 0 failed." */
export function runOutcomeMessage(run: Pick<BillingRun, "invoices_created" | "invoices_finalized" | "failed">): string {
  const created =
    run.invoices_finalized === 0
      ? `${run.invoices_created} draft invoice${run.invoices_created === 1 ? "" : "s"} created`
      : `${run.invoices_created} invoice${run.invoices_created === 1 ? "" : "s"} created (${run.invoices_finalized} finalized)`;
  return `${created}, ${run.failed} failed.`;
}
