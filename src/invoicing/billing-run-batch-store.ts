import type { Kysely } from "kysely";
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

const INVOICE_COLUMNS = [
  "id",
  "customer_id",
  "currency",
  "status",
  "series",
  "legal_entity",
  "addresses",
  "period_start",
  "period_end",
  "subtotal",
  "discount",
  "tax",
  "total",
  "amount_due",
  "total_excluding_tax",
  "credit_applied",
  "discounts",
  "tax_breakdown",
  "subscription_id",
  "period_index",
  "created_at",
] as const;

/**
 * Inserts drafts; a (subscription, period) already invoiced is left out by
 * the unique constraint. Returns the ids inserted, so the caller can tell
 * whether another process billed any of the same periods meanwhile.
 */
export async function insertDraftsOnce(db: Executor, invoices: readonly InvoiceRow[]): Promise<Set<string>> {
  if (invoices.length === 0) return new Set();
  const values = invoices.map((invoice) =>
    Object.fromEntries(
      INVOICE_COLUMNS.map((column) => {
        const value = invoice[column];
        // jsonb takes JSON text: pg would send a JS array as a PostgreSQL array.
        const json = column === "addresses" || column === "discounts" || column === "tax_breakdown";
        return [column, json ? JSON.stringify(value) : value];
      }),
    ),
  );
  const inserted = new Set<string>();
  const perStatement = Math.floor(60_000 / INVOICE_COLUMNS.length);
  for (let from = 0; from < values.length; from += perStatement) {
    const rows = await (db as unknown as Kysely<{ invoices: Record<string, unknown> }>)
      .insertInto("invoices")
      .values(values.slice(from, from + perStatement))
      .onConflict((conflict) => conflict.columns(["subscription_id", "period_index"]).doNothing())
      .returning("id")
      .execute();
    for (const row of rows) inserted.add(row.id as string);
  }
  return inserted;
}

const LINE_COLUMNS = [
  "id",
  "invoice_id",
  "position",
  "description",
  "period_start",
  "period_end",
  "quantity",
  "unit_amount",
  "amount",
  "proration",
  "source_type",
  "source_id",
  "product_id",
  "tax_rate",
  "tax_name",
  "tax_amount",
  "discount_amount",
  "net_amount",
] as const;

/** Inserts lines a statement per few thousand rows (a statement takes at most 65,535 parameters). */
export async function insertLineRows(db: Executor, lines: readonly LineRow[]): Promise<void> {
  const perStatement = Math.floor(60_000 / LINE_COLUMNS.length);
  for (let from = 0; from < lines.length; from += perStatement) {
    const values = lines
      .slice(from, from + perStatement)
      .map((line) => Object.fromEntries(LINE_COLUMNS.map((column) => [column, line[column]])));
    await (db as unknown as Kysely<{ invoice_lines: Record<string, unknown> }>)
      .insertInto("invoice_lines")
      .values(values)
      .execute();
  }
}
