import type { Kysely, Selectable } from "kysely";
import type { Executor } from "../kernel/db.js";
import type { InvoiceStatus } from "./lifecycle.js";
import type { CompanyReviewSettingsStored, CustomerReviewSettingsStored } from "./review-model.js";

/**
 * SQL for the draft review (migrations/0011_invoice_review.sql) and the
 * invoice look-ups the checklist needs: the previous finalized invoice and
 * other open invoices of the same amount.
 */

interface SettingsTable {
  scope: string;
  customer_id: string | null;
  settings: CompanyReviewSettingsStored | CustomerReviewSettingsStored;
  updated_at: Date;
}

interface OverridesTable {
  invoice_id: string;
  rule: string;
  fingerprint: string;
  reason: string;
  overridden_by: string;
  overridden_by_name: string | null;
  overridden_at: Date;
}

interface FinalizeApprovalsTable {
  invoice_id: string;
  approval_id: string;
  total: string;
  requested_at: Date;
}

/** The invoice columns the review reads; the table itself is store.ts's. */
interface InvoicesView {
  id: string;
  customer_id: string;
  currency: string;
  status: InvoiceStatus;
  number: string | null;
  total: string;
  created_at: Date;
  finalized_at: Date | null;
}

interface ReviewTables {
  invoice_review_settings: SettingsTable;
  invoice_finding_overrides: OverridesTable;
  invoice_finalize_approvals: FinalizeApprovalsTable;
  invoices: InvoicesView;
}

export type OverrideRow = Selectable<OverridesTable>;
export type FinalizeApprovalRow = Selectable<FinalizeApprovalsTable>;

const t = (db: Executor) => db as unknown as Kysely<ReviewTables>;

export const COMPANY_SCOPE = "company";

export async function findSettings(
  db: Executor,
  scope: string,
): Promise<{ settings: SettingsTable["settings"]; updated_at: Date } | undefined> {
  return t(db)
    .selectFrom("invoice_review_settings")
    .select(["settings", "updated_at"])
    .where("scope", "=", scope)
    .executeTakeFirst();
}

/** Locks the settings row (creating it empty first) so two edits of one scope take turns. */
export async function lockSettings(db: Executor, scope: string, customerId: string | null, at: Date) {
  await t(db)
    .insertInto("invoice_review_settings")
    .values({ scope, customer_id: customerId, settings: JSON.stringify({}) as never, updated_at: at })
    .onConflict((c) => c.column("scope").doNothing())
    .execute();
  return t(db)
    .selectFrom("invoice_review_settings")
    .select(["settings", "updated_at"])
    .where("scope", "=", scope)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

export async function saveSettings(db: Executor, scope: string, settings: object, at: Date): Promise<void> {
  await t(db)
    .updateTable("invoice_review_settings")
    .set({ settings: JSON.stringify(settings) as never, updated_at: at })
    .where("scope", "=", scope)
    .execute();
}

/** The stored settings of many scopes (customer ids) at once. */
export async function findSettingsOf(
  db: Executor,
  scopes: readonly string[],
): Promise<{ scope: string; settings: SettingsTable["settings"] }[]> {
  if (scopes.length === 0) return [];
  return t(db)
    .selectFrom("invoice_review_settings")
    .select(["scope", "settings"])
    .where("scope", "in", [...scopes])
    .execute();
}

export async function findOverrides(db: Executor, invoiceId: string): Promise<OverrideRow[]> {
  return t(db).selectFrom("invoice_finding_overrides").selectAll().where("invoice_id", "=", invoiceId).execute();
}

export async function saveOverride(db: Executor, row: OverrideRow): Promise<void> {
  await t(db)
    .insertInto("invoice_finding_overrides")
    .values(row)
    .onConflict((c) =>
      c.columns(["invoice_id", "rule"]).doUpdateSet({
        fingerprint: row.fingerprint,
        reason: row.reason,
        overridden_by: row.overridden_by,
        overridden_by_name: row.overridden_by_name,
        overridden_at: row.overridden_at,
      }),
    )
    .execute();
}

export async function findFinalizeApproval(db: Executor, invoiceId: string): Promise<FinalizeApprovalRow | undefined> {
  return t(db)
    .selectFrom("invoice_finalize_approvals")
    .selectAll()
    .where("invoice_id", "=", invoiceId)
    .executeTakeFirst();
}

export async function saveFinalizeApproval(db: Executor, row: FinalizeApprovalRow): Promise<void> {
  await t(db)
    .insertInto("invoice_finalize_approvals")
    .values(row)
    .onConflict((c) =>
      c.column("invoice_id").doUpdateSet({
        approval_id: row.approval_id,
        total: row.total,
        requested_at: row.requested_at,
      }),
    )
    .execute();
}

/** The customer's latest finalized (and not voided) invoice in the currency. */
export async function previousFinalizedTotal(
  db: Executor,
  customerId: string,
  currency: string,
  excludeId: string,
): Promise<string | null> {
  const row = await t(db)
    .selectFrom("invoices")
    .select("total")
    .where("customer_id", "=", customerId)
    .where("currency", "=", currency)
    .where("status", "in", ["open", "paid", "uncollectible"])
    .where("id", "<>", excludeId)
    .orderBy("finalized_at", "desc")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  return row?.total ?? null;
}

/** The customer's other drafts and open invoices with exactly this total: the duplicate candidates. */
export async function otherOpenInvoicesWithTotal(
  db: Executor,
  invoice: { id: string; customer_id: string; currency: string; total: string },
) {
  return t(db)
    .selectFrom("invoices")
    .select(["id", "number", "total"])
    .where("customer_id", "=", invoice.customer_id)
    .where("currency", "=", invoice.currency)
    .where("status", "in", ["draft", "open"])
    .where("id", "<>", invoice.id)
    .where("total", "=", invoice.total)
    .orderBy("id")
    .limit(50)
    .execute();
}

/** Drafts, oldest first (TypeIDs sort by creation), after `startingAfter`, optionally of some customers. */
export async function draftIds(
  db: Executor,
  filter: { starting_after?: string | undefined; customer_ids?: readonly string[] | undefined; limit: number },
): Promise<string[]> {
  let query = t(db).selectFrom("invoices").select("id").where("status", "=", "draft");
  if (filter.starting_after !== undefined) query = query.where("id", ">", filter.starting_after);
  if (filter.customer_ids !== undefined) {
    if (filter.customer_ids.length === 0) return [];
    query = query.where("customer_id", "in", filter.customer_ids);
  }
  const rows = await query.orderBy("id").limit(filter.limit).execute();
  return rows.map((row) => row.id);
}
