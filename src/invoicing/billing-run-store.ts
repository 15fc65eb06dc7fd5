import type { Generated, Insertable, Kysely, Selectable, Updateable } from "kysely";
import type { Executor } from "../kernel/db.js";
import { type Page, type PageRequest, paginate } from "../kernel/pagination.js";

/** SQL for the billing run tables (migrations/0009_billing_runs.sql). */

export type RunStatus = "running" | "succeeded" | "completed_with_failures" | "failed";
export type ItemOutcome = "invoiced" | "skipped_held" | "skipped_already_billed" | "failed";

interface RunsTable {
  id: string;
  as_of: Date;
  customer_id: string | null;
  status: RunStatus;
  started_at: Date;
  finished_at: Date | null;
  subscriptions_considered: Generated<number>;
  invoices_created: Generated<number>;
  invoices_finalized: Generated<number>;
  skipped_held: Generated<number>;
  skipped_already_billed: Generated<number>;
  failed: Generated<number>;
  totals: Generated<Record<string, string>>;
  duration_ms: number | null;
}

interface RunItemsTable {
  id: string;
  run_id: string;
  subscription_id: string;
  customer_id: string;
  period_index: number | null;
  outcome: ItemOutcome;
  invoice_id: string | null;
  currency: string | null;
  total: string | null;
  finalized: Generated<boolean>;
  reason: string | null;
  error_code: string | null;
  error_message: string | null;
}

interface InvoicePeriodsTable {
  subscription_id: string | null;
  period_index: number | null;
}

interface BillingRunTables {
  billing_runs: RunsTable;
  billing_run_items: RunItemsTable;
  invoices: InvoicePeriodsTable;
}

export type RunRow = Selectable<RunsTable>;
export type RunItemRow = Selectable<RunItemsTable>;
export type NewRunItemRow = Insertable<RunItemsTable>;

const t = (db: Executor) => db as unknown as Kysely<BillingRunTables>;

export async function insertRun(db: Executor, row: Insertable<RunsTable>): Promise<void> {
  await t(db)
    .insertInto("billing_runs")
    .values({ ...row, totals: JSON.stringify(row.totals ?? {}) as never })
    .execute();
}

export async function updateRun(db: Executor, id: string, changes: Updateable<RunsTable>): Promise<void> {
  const totals = changes.totals === undefined ? {} : { totals: JSON.stringify(changes.totals) as never };
  await t(db)
    .updateTable("billing_runs")
    .set({ ...changes, ...totals })
    .where("id", "=", id)
    .execute();
}

export async function insertRunItems(db: Executor, rows: readonly NewRunItemRow[]): Promise<void> {
  if (rows.length === 0) return;
  await t(db).insertInto("billing_run_items").values(rows).execute();
}

export async function findRun(db: Executor, id: string): Promise<RunRow | undefined> {
  return t(db).selectFrom("billing_runs").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function findRunItems(db: Executor, runId: string): Promise<RunItemRow[]> {
  return t(db).selectFrom("billing_run_items").selectAll().where("run_id", "=", runId).orderBy("id").execute();
}

export async function listRunRows(db: Executor, page: PageRequest): Promise<Page<RunRow>> {
  return paginate(t(db).selectFrom("billing_runs").selectAll(), "id", page) as Promise<Page<RunRow>>;
}

/** Whether some invoice already bills this subscription period: a cheap pre-check before the unique constraint. */
export async function periodInvoiced(db: Executor, subscriptionId: string, periodIndex: number): Promise<boolean> {
  const row = await t(db)
    .selectFrom("invoices")
    .select("period_index")
    .where("subscription_id", "=", subscriptionId)
    .where("period_index", "=", periodIndex)
    .executeTakeFirst();
  return row !== undefined;
}
