import { type Generated, type Insertable, type Kysely, type Selectable, sql, type Updateable } from "kysely";
import type { Address, TaxId } from "../customers/index.js";
import type { Executor } from "../kernel/db.js";
import { type Page, type PageRequest, paginate } from "../kernel/pagination.js";
import type { SellerSnapshot } from "./legal-entities.js";
import type { InvoiceStatus } from "./lifecycle.js";

/** SQL for the invoicing module's own tables (migrations/0008_invoicing.sql), nothing else. */

/** The buyer as printed on the invoice, kept with it so a later address change never rewrites it. */
export interface BuyerSnapshot {
  legal_name: string;
  billing_address: Address | null;
  shipping_address: Address | null;
  tax_ids: TaxId[];
  locale: string;
  time_zone: string;
}

/** A discount as printed on an invoice. */
export interface StoredDiscount {
  discount_id: string;
  coupon_id: string;
  name: string;
  amount: string;
}

/** A row of an invoice's tax breakdown as printed. */
export interface StoredTaxRow {
  kind: "standard" | "exempt" | "reverse_charge";
  tax_rate_id: string | null;
  name: string;
  percentage: string;
  taxable_amount: string;
  tax_amount: string;
}

interface InvoicesTable {
  id: string;
  customer_id: string;
  currency: string;
  status: InvoiceStatus;
  number: string | null;
  series: Generated<string>;
  legal_entity: Generated<string>;
  issue_date: string | null;
  due_date: string | null;
  period_start: Date | null;
  period_end: Date | null;
  po_number: string | null;
  memo: string | null;
  addresses: BuyerSnapshot;
  /** The seller as printed, taken at finalization (migrations/0014_legal_entities.sql); null on a draft. */
  seller: Generated<SellerSnapshot | null>;
  subtotal: Generated<string>;
  discount: Generated<string>;
  tax: Generated<string>;
  total: Generated<string>;
  amount_due: Generated<string>;
  total_excluding_tax: Generated<string>;
  credit_applied: Generated<string>;
  discounts: Generated<StoredDiscount[]>;
  tax_breakdown: Generated<StoredTaxRow[]>;
  /** What issued credit notes took off the invoice (migrations/0012_credit_notes.sql). */
  credited_total: Generated<string>;
  ledger_entry_id: string | null;
  subscription_id: string | null;
  period_index: number | null;
  created_at: Date;
  finalized_at: Date | null;
  voided_at: Date | null;
  uncollectible_at: Date | null;
}

interface LinesTable {
  id: string;
  invoice_id: string;
  position: number;
  description: string;
  period_start: Date | null;
  period_end: Date | null;
  quantity: string;
  unit_amount: string;
  amount: string;
  proration: boolean;
  source_type: "manual" | "invoice_item" | "subscription";
  source_id: string | null;
  product_id: string | null;
  tax_rate: string;
  tax_name: string;
  tax_amount: string;
  /** The line's tax_rate and tax_name were typed for it; otherwise the pricing path writes them. */
  tax_override: Generated<boolean>;
  discount_amount: Generated<string>;
  net_amount: Generated<string>;
}

interface SeriesTable {
  legal_entity: string;
  prefix: string;
  year: number;
  next_number: Generated<string>;
}

interface ItemsTable {
  id: string;
  customer_id: string;
  currency: string;
  description: string;
  quantity: string;
  unit_amount: string;
  product_id: string | null;
  period_start: Date | null;
  period_end: Date | null;
  tax_rate: string;
  tax_name: string;
  tax_override: Generated<boolean>;
  invoice_id: string | null;
  created_at: Date;
}

interface InvoicingTables {
  invoices: InvoicesTable;
  invoice_lines: LinesTable;
  invoice_number_series: SeriesTable;
  invoice_items: ItemsTable;
}

export type InvoiceRow = Selectable<InvoicesTable>;
export type LineRow = Selectable<LinesTable>;
export type ItemRow = Selectable<ItemsTable>;
export type NewLineRow = Insertable<LinesTable>;

const t = (db: Executor) => db as unknown as Kysely<InvoicingTables>;

// Dates come back as YYYY-MM-DD text, not a JS Date in the server's zone.
const dateText = (column: "issue_date" | "due_date") => sql<string | null>`to_char(${sql.ref(column)}, 'YYYY-MM-DD')`;

function invoiceColumns(db: Executor) {
  return t(db)
    .selectFrom("invoices")
    .selectAll()
    .select([dateText("issue_date").as("issue_date"), dateText("due_date").as("due_date")]);
}

export async function insertInvoice(db: Executor, row: Insertable<InvoicesTable>): Promise<void> {
  await t(db).insertInto("invoices").values(row).execute();
}

export async function updateInvoice(db: Executor, id: string, changes: Updateable<InvoicesTable>): Promise<void> {
  await t(db).updateTable("invoices").set(changes).where("id", "=", id).execute();
}

/** `lock` holds the invoice row until the transaction ends: edits and state changes queue behind each other. */
export async function findInvoice(db: Executor, id: string, lock = false): Promise<InvoiceRow | undefined> {
  const query = invoiceColumns(db).where("id", "=", id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

export interface InvoiceFilter {
  customer_id?: string | undefined;
  status?: InvoiceStatus | undefined;
  /** A part of the number, any case. */
  number?: string | undefined;
  /** Issue dates, YYYY-MM-DD, both inclusive; drafts have none and are left out. */
  issue_date_from?: string | undefined;
  issue_date_to?: string | undefined;
}

export async function listInvoiceRows(
  db: Executor,
  filter: InvoiceFilter,
  page: PageRequest,
): Promise<Page<InvoiceRow>> {
  let query = invoiceColumns(db);
  if (filter.customer_id !== undefined) query = query.where("customer_id", "=", filter.customer_id);
  if (filter.status !== undefined) query = query.where("status", "=", filter.status);
  if (filter.number !== undefined && filter.number.trim() !== "") {
    // LIKE treats % and _ as wildcards; a search for "INV_1" means the characters.
    const escaped = filter.number.trim().replace(/[\\%_]/g, (character) => `\\${character}`);
    query = query.where("number", "ilike", `%${escaped}%`);
  }
  if (filter.issue_date_from !== undefined) query = query.where("issue_date", ">=", filter.issue_date_from);
  if (filter.issue_date_to !== undefined) query = query.where("issue_date", "<=", filter.issue_date_to);
  return paginate(query, "id", page);
}

export async function findLines(db: Executor, invoiceIds: readonly string[]): Promise<LineRow[]> {
  if (invoiceIds.length === 0) return [];
  return t(db)
    .selectFrom("invoice_lines")
    .selectAll()
    .where("invoice_id", "in", invoiceIds)
    .orderBy("invoice_id")
    .orderBy("position")
    .execute();
}

export async function insertLines(db: Executor, rows: readonly NewLineRow[]): Promise<void> {
  if (rows.length === 0) return;
  await t(db).insertInto("invoice_lines").values(rows).execute();
}

export async function updateLine(db: Executor, id: string, changes: Updateable<LinesTable>): Promise<void> {
  await t(db).updateTable("invoice_lines").set(changes).where("id", "=", id).execute();
}

export async function deleteLine(db: Executor, id: string): Promise<void> {
  await t(db).deleteFrom("invoice_lines").where("id", "=", id).execute();
}

/**
 * Takes the next number of a series: the series row is created if missing
 * and locked until the transaction ends, so concurrent finalizations queue
 * here and a rollback hands the number back (gapless).
 */
export async function takeSeriesNumber(
  db: Executor,
  series: { legal_entity: string; prefix: string; year: number },
): Promise<number> {
  await t(db)
    .insertInto("invoice_number_series")
    .values(series)
    .onConflict((c) => c.doNothing())
    .execute();
  const row = await t(db)
    .updateTable("invoice_number_series")
    .set({ next_number: sql`next_number + 1` })
    .where("legal_entity", "=", series.legal_entity)
    .where("prefix", "=", series.prefix)
    .where("year", "=", series.year)
    .returning(sql<string>`next_number - 1`.as("taken"))
    .executeTakeFirstOrThrow();
  return Number(row.taken);
}

export async function insertItem(db: Executor, row: Insertable<ItemsTable>): Promise<ItemRow> {
  return t(db).insertInto("invoice_items").values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findItem(db: Executor, id: string): Promise<ItemRow | undefined> {
  return t(db).selectFrom("invoice_items").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The customer's pending items in a currency, locked so two drafts cannot take the same item. */
export async function takePendingItems(
  db: Executor,
  customerId: string,
  currency: string,
  invoiceId: string,
): Promise<ItemRow[]> {
  return t(db)
    .updateTable("invoice_items")
    .set({ invoice_id: invoiceId })
    .where("customer_id", "=", customerId)
    .where("currency", "=", currency)
    .where("invoice_id", "is", null)
    .returningAll()
    .execute();
}

export async function listItemRows(
  db: Executor,
  filter: { customer_id?: string | undefined; pending?: boolean | undefined },
  page: PageRequest,
): Promise<Page<ItemRow>> {
  let query = t(db).selectFrom("invoice_items").selectAll();
  if (filter.customer_id !== undefined) query = query.where("customer_id", "=", filter.customer_id);
  if (filter.pending === true) query = query.where("invoice_id", "is", null);
  if (filter.pending === false) query = query.where("invoice_id", "is not", null);
  return paginate(query, "id", page);
}

/** How many invoices (any status, drafts included) a customer has. */
export async function countCustomerInvoices(db: Executor, customerId: string): Promise<number> {
  const row = await t(db)
    .selectFrom("invoices")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("customer_id", "=", customerId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
