import { Temporal } from "temporal-polyfill";
import { type Approval, getApproval, recordAudit, registerApprovalHandler, requestApproval } from "../access/index.js";
import { type Customer, getCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { type Executor, inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { parseId } from "../kernel/ids.js";
import { Decimal, formatAmountForApi } from "../kernel/money.js";
import type { Page } from "../kernel/pagination.js";
import { type ChecklistRule, reviewDraft } from "./checklist.js";
import { finalizeInvoice } from "./finalization.js";
import { draftFacts } from "./review-facts.js";
import { autoFinalizeDecision, type InvoiceReviewSettings, type ReviewOutcome, reviewOutcome } from "./review-model.js";
import { reviewSettingsFor } from "./review-settings-service.js";
import { draftIds, findFinalizeApproval, findOverrides, saveFinalizeApproval, saveOverride } from "./review-store.js";
import { invoiceNotFound } from "./service.js";
import { findInvoice, findLines, type InvoiceRow, type LineRow } from "./store.js";
import { type InvoiceJson, invoiceJson } from "./views.js";

/**
 * The draft review: the checklist run over facts from the database, the
 * overrides people gave, the review queue, and the finalize gate (blocking
 * findings, then the approval threshold). Finalizing itself stays in
 * finalization.ts; the routes call `finalizeWithReview`.
 */

export const FINALIZE_APPROVAL_ACTION = "invoice.finalize";

export interface InvoiceReviewJson {
  invoice_id: string;
  findings: ReviewOutcome["findings"];
  blocking: number;
  warnings: number;
  can_finalize: boolean;
  approval_required: boolean;
  auto_finalize_at: string | null;
}

interface Reviewed {
  invoice: InvoiceRow;
  lines: LineRow[];
  customer: Customer;
  settings: InvoiceReviewSettings;
  outcome: ReviewOutcome;
}

/** Reviews one invoice; `lock` (inside a transaction) holds the invoice row until it ends. */
async function reviewInvoiceRow(deps: Deps, db: Executor, id: string, lock = false): Promise<Reviewed> {
  const invoice = await findInvoice(db, parseId("invoice", id, "id"), lock);
  if (invoice === undefined) throw invoiceNotFound(id);
  const lines = await findLines(db, [invoice.id]);
  const scoped: Deps = { ...deps, db: db as Deps["db"] };
  const customer = await getCustomer(scoped, invoice.customer_id);
  const settings = await reviewSettingsFor(db, customer.id);
  const findings =
    invoice.status === "draft"
      ? reviewDraft(await draftFacts(scoped, invoice, lines, customer), settings.checklist)
      : [];
  const overrides = (await findOverrides(db, invoice.id)).map((row) => ({
    ...row,
    overridden_at: fromDate(row.overridden_at),
  }));
  const outcome = reviewOutcome({
    status: invoice.status,
    customer_id: invoice.customer_id,
    currency: invoice.currency,
    total: new Decimal(invoice.total),
    created_at: fromDate(invoice.created_at),
    findings,
    overrides,
    settings,
  });
  return { invoice, lines, customer, settings, outcome };
}

function reviewJson({ invoice, outcome }: Reviewed): InvoiceReviewJson {
  return {
    invoice_id: invoice.id,
    findings: outcome.findings,
    blocking: outcome.blocking,
    warnings: outcome.warnings,
    can_finalize: outcome.can_finalize,
    approval_required: outcome.approval_required,
    auto_finalize_at: outcome.auto_finalize_at?.toString() ?? null,
  };
}

export async function getInvoiceReview(deps: Deps, id: string): Promise<InvoiceReviewJson> {
  return reviewJson(await reviewInvoiceRow(deps, deps.db, id));
}

function notDraft(invoice: InvoiceRow): DomainError {
  return new DomainError("invoice_not_draft", `invoice ${invoice.id} is ${invoice.status}: only a draft is reviewed`, {
    param: "id",
    details: { status: invoice.status },
  });
}

/**
 * Records that a person has looked at a finding and lets the draft go ahead
 * despite it. The override is kept with the finding's fingerprint: when an
 * edit changes the finding (another total, another line without a period),
 * the old override no longer applies and the finding stands again.
 */
export async function overrideFinding(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  rule: ChecklistRule,
  reason: string,
): Promise<InvoiceReviewJson> {
  const trimmed = reason.trim();
  if (trimmed === "")
    throw new DomainError("parameter_missing", "say why the finding may be overridden", { param: "reason" });
  return inTransaction(deps.db, async (tx) => {
    const reviewed = await reviewInvoiceRow(deps, tx, id, true);
    if (reviewed.invoice.status !== "draft") throw notDraft(reviewed.invoice);
    const current = reviewed.outcome.findings.filter((finding) => finding.rule === rule);
    if (current.length === 0) {
      throw new DomainError("invoice_finding_not_found", `the draft has no ${rule} finding to override`, {
        param: "rule",
      });
    }
    const at = deps.clock.now();
    const before = current[0]?.override ?? null;
    const fingerprint = current[0]?.details.fingerprint ?? "";
    await saveOverride(tx, {
      invoice_id: reviewed.invoice.id,
      rule,
      fingerprint,
      reason: trimmed,
      overridden_by: ctx.actor.id,
      overridden_by_name: ctx.actor.display_name ?? null,
      overridden_at: toDate(at),
    });
    const after = await reviewInvoiceRow(deps, tx, id);
    await recordAudit(
      tx,
      { ...ctx, reason: trimmed },
      {
        action: "invoice.finding_overridden",
        object_type: "invoice",
        object_id: reviewed.invoice.id,
        before: { rule, override: before },
        after: { rule, reason: trimmed, findings: current.map((finding) => finding.message) },
      },
      at,
    );
    return reviewJson(after);
  });
}

export interface ReviewQueueRow {
  invoice: InvoiceJson;
  blocking: number;
  warnings: number;
  auto_finalize_at: string | null;
}

/**
 * Drafts waiting for a person, oldest first: every draft except clean ones
 * whose grace period has passed (the auto-finalize job takes those).
 */
export async function reviewQueue(
  deps: Deps,
  query: { limit: number; starting_after?: string | undefined; customer?: string | undefined },
): Promise<Page<ReviewQueueRow>> {
  const now = deps.clock.now();
  const rows: ReviewQueueRow[] = [];
  let cursor = query.starting_after;
  const customerIds = query.customer === undefined ? undefined : [query.customer];
  for (;;) {
    const ids = await draftIds(deps.db, { starting_after: cursor, customer_ids: customerIds, limit: 50 });
    for (const id of ids) {
      const reviewed = await reviewInvoiceRow(deps, deps.db, id);
      const { outcome } = reviewed;
      if (reviewed.invoice.status !== "draft" || autoFinalizeDecision(outcome, now) === "finalize") continue;
      if (rows.length === query.limit) return { data: rows, has_more: true };
      rows.push({
        invoice: invoiceJson(reviewed.invoice, reviewed.lines),
        blocking: outcome.blocking,
        warnings: outcome.warnings,
        auto_finalize_at: outcome.auto_finalize_at?.toString() ?? null,
      });
    }
    if (ids.length < 50) return { data: rows, has_more: false };
    cursor = ids[ids.length - 1];
  }
}

function blocked(reviewed: Reviewed): DomainError {
  const rules = reviewed.outcome.blocking_rules;
  return new DomainError(
    "invoice_review_blocked",
    `blocking review findings stand: ${rules.join(", ")}; fix the draft or override each with a reason`,
    { param: "id", details: { rules } },
  );
}

/** Refuses when the checklist is enforced and a blocking finding stands. */
function checkNotBlocked(reviewed: Reviewed): void {
  if (reviewed.invoice.status === "draft" && !reviewed.outcome.can_finalize) throw blocked(reviewed);
}

export type FinalizeOutcome = { invoice: InvoiceJson } | { approval: Approval };

async function askForApproval(deps: Deps, ctx: RequestContext, tx: Tx, reviewed: Reviewed): Promise<Approval> {
  const { invoice, customer } = reviewed;
  const total = formatAmountForApi(new Decimal(invoice.total), invoice.currency);
  const pending = await findFinalizeApproval(tx, invoice.id);
  if (pending !== undefined && new Decimal(pending.total).equals(invoice.total)) {
    const existing = await getApproval({ ...deps, db: tx }, pending.approval_id);
    if (existing.status === "pending") return existing;
  }
  const approval = await requestApproval({ ...deps, db: tx }, ctx, {
    action: FINALIZE_APPROVAL_ACTION,
    object_type: "invoice",
    object_id: invoice.id,
    payload: { invoice_id: invoice.id, total, currency: invoice.currency },
    summary: `Finalize ${total} ${invoice.currency} draft ${invoice.id} for ${customer.legal_name}`,
  });
  await saveFinalizeApproval(tx, {
    invoice_id: invoice.id,
    approval_id: approval.id,
    total: invoice.total,
    requested_at: toDate(deps.clock.now()),
  });
  return approval;
}

/**
 * POST /v1/invoices/{id}/finalize: refuses while a blocking finding stands
 * (when the checklist is enforced); above the approval threshold asks for a
 * second person instead of finalizing (asking twice returns the pending
 * approval); otherwise finalizes. All in one transaction, under the invoice's
 * row lock, so an edit cannot slip in between the check and the number.
 */
export async function finalizeWithReview(deps: Deps, ctx: RequestContext, id: string): Promise<FinalizeOutcome> {
  return inTransaction(deps.db, async (tx) => {
    const reviewed = await reviewInvoiceRow(deps, tx, id, true);
    checkNotBlocked(reviewed);
    if (reviewed.invoice.status === "draft" && reviewed.outcome.approval_required) {
      return { approval: await askForApproval(deps, ctx, tx, reviewed) };
    }
    return { invoice: await finalizeInvoice({ ...deps, db: tx }, ctx, id) };
  });
}

/**
 * Runs when someone other than the requester approves: finalizes in the
 * approval's transaction, at the moment of the decision. Refuses (the
 * approval stays pending, to be rejected) when the draft's total changed
 * since it was asked for, or a blocking finding now stands.
 */
async function finalizeApproved(tx: Tx, approval: Approval, ctx: RequestContext): Promise<void> {
  const decidedAt = Temporal.Instant.from(approval.decided_at ?? approval.created_at);
  const deps: Deps = { db: tx, clock: { now: () => decidedAt } };
  const reviewed = await reviewInvoiceRow(deps, tx, approval.object_id, true);
  if (reviewed.invoice.status !== "draft") throw notDraft(reviewed.invoice);
  const asked = (approval.payload as { total?: string; currency?: string }) ?? {};
  const sameTotal = asked.total !== undefined && new Decimal(asked.total).equals(reviewed.invoice.total);
  if (asked.currency !== reviewed.invoice.currency || !sameTotal) {
    throw new DomainError(
      "invoice_approval_stale",
      `the draft now totals ${reviewed.invoice.total} ${reviewed.invoice.currency}, not the ${asked.total} ${asked.currency} approved; reject this approval and finalize again`,
      { param: "id" },
    );
  }
  checkNotBlocked(reviewed);
  await finalizeInvoice(deps, ctx, approval.object_id);
}

registerApprovalHandler(FINALIZE_APPROVAL_ACTION, finalizeApproved);

/** For the auto-finalize job: the review of a draft under its row lock. */
export async function reviewForFinalize(deps: Deps, tx: Tx, id: string) {
  const reviewed = await reviewInvoiceRow(deps, tx, id, true);
  return { status: reviewed.invoice.status, test_clock: reviewed.customer.test_clock, outcome: reviewed.outcome };
}
