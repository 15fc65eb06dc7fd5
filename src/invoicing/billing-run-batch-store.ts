import { type Kysely, sql } from "kysely";
import type { Executor } from "../kernel/db.js";
import type { InvoiceRow, LineRow } from "./store.js";

/** SQL a billing run's chunk needs in bulk: who needs the careful path, and multi-row inserts. */

interface DraftCheckTables {
  discounts: { customer_id: string; ended_at: Date | null };
  invoice_items: { customer_id: string; invoice_id: string | null };
}

const t = (db: Executor) => db as unknown as Kysely<DraftCheckTables>;

/**
 * Customers with running discounts or one-off items waiting for their next
 * invoice: their drafts are written one at a time, under the locks those
 * need (a coupon's redemptions, an item taken by exactly one invoice).
 */
export async function customersWithPendingTerms(db: Executor, customerIds: readonly string[]): Promise<Set<string>> {
  if (customerIds.length === 0) return new Set();
  const ids = [...new Set(customerIds)];
  const discounted = t(db)
    .selectFrom("discounts")
    .select("customer_id")
    .where("customer_id", "in", ids)
    .where("ended_at", "is", null);
  const pending = t(db)
    .selectFrom("invoice_items")
    .select("customer_id")
    .where("customer_id", "in", ids)
    .where("invoice_id", "is", null);
  const rows = await discounted.union(pending).execute();
  return new Set(rows.map((row) => row.customer_id));
}

/**
 * Each column of an invoice the billing run writes (a draft, or one it
 * finalized as it wrote it), with its type: the record the JSON document's
 * rows become.
 */
const INVOICE_COLUMNS = `id text, customer_id text, currency text, status text, number text, series text,
  legal_entity text, seller jsonb, issue_date date, due_date date, finalized_at timestamptz, ledger_entry_id text,
  addresses jsonb, period_start timestamptz, period_end timestamptz, subtotal numeric, discount numeric, tax numeric,
  total numeric, amount_due numeric, total_excluding_tax numeric, credit_applied numeric, discounts jsonb,
  tax_breakdown jsonb, subscription_id text, period_index integer, created_at timestamptz`;

/** The column names of a `name type, …` list. */
const names = (columns: string) =>
  columns
    .split(",")
    .map((column) => column.trim().split(/\s+/)[0])
    .join(", ");

/**
 * Inserts a run's invoices; a (subscription, period) already invoiced is left out by
 * the unique constraint. Returns the ids inserted, so the caller can tell
 * whether another process billed any of the same periods meanwhile. The
 * rows travel as one JSON document (one parameter, stringified natively)
 * rather than as thousands of parameters.
 */
export async function insertDraftsOnce(db: Executor, invoices: readonly InvoiceRow[]): Promise<Set<string>> {
  if (invoices.length === 0) return new Set();
  const { rows } = await sql<{ id: string }>`
    insert into invoices (${sql.raw(names(INVOICE_COLUMNS))})
    select ${sql.raw(names(INVOICE_COLUMNS))}
      from jsonb_to_recordset(${JSON.stringify(invoices)}::jsonb) as r(${sql.raw(INVOICE_COLUMNS)})
    on conflict (subscription_id, period_index) do nothing
    returning id`.execute(db);
  return new Set(rows.map((row) => row.id));
}

const LINE_COLUMNS = `id text, invoice_id text, position integer, description text, period_start timestamptz,
  period_end timestamptz, quantity numeric, unit_amount numeric, amount numeric, proration boolean, source_type text,
  source_id text, product_id text, tax_rate numeric, tax_name text, tax_amount numeric, discount_amount numeric,
  net_amount numeric`;

/** Inserts lines in one statement, their rows one JSON document. */
export async function insertLineRows(db: Executor, lines: readonly LineRow[]): Promise<void> {
  if (lines.length === 0) return;
  await sql`
    insert into invoice_lines (${sql.raw(names(LINE_COLUMNS))})
    select ${sql.raw(names(LINE_COLUMNS))}
      from jsonb_to_recordset(${JSON.stringify(lines)}::jsonb) as r(${sql.raw(LINE_COLUMNS)})`.execute(db);
}
