import { type Kysely, type Selectable, type SelectQueryBuilder, sql } from "kysely";
import type { Executor } from "../kernel/db.js";
import type { Contact, InvoiceDelivery } from "./fields.js";
import type { Address, Hold, PaymentTerms, TaxExemptionCertificate } from "./model.js";
import type { TaxId } from "./tax-ids.js";

/** SQL for the customers module's own tables: customers, customer_notes, purchase_orders. */

export interface CustomersTable {
  id: string;
  external_id: string | null;
  legal_name: string;
  display_name: string | null;
  emails: string[];
  contacts: Contact[];
  billing_address: Address | null;
  shipping_address: Address | null;
  tax_ids: TaxId[];
  currency: string;
  time_zone: string;
  locale: string;
  payment_terms: PaymentTerms;
  invoice_delivery: InvoiceDelivery;
  po_required: boolean;
  credit_limit: string | null;
  billing_hold: Hold | null;
  credit_hold: Hold | null;
  tags: string[];
  metadata: Record<string, string>;
  tax_exemption: TaxExemptionCertificate | null;
  search_text: string;
  archived_at: Date | null;
  /** The test clock the customer lives on; null: real time. */
  test_clock: string | null;
  /** The legal entity that bills the customer (migrations/0020_customer_legal_entity.sql). */
  legal_entity: string;
  created_at: Date;
  updated_at: Date;
}

export interface CustomerNotesTable {
  id: string;
  customer_id: string;
  body: string;
  pinned: boolean;
  author_type: string;
  author_id: string;
  author_name: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface PurchaseOrdersTable {
  id: string;
  customer_id: string;
  number: string;
  description: string | null;
  valid_from: string | null;
  valid_to: string | null;
  currency: string;
  amount_cap: string | null;
  amount_consumed: string;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

interface CustomerTables {
  customers: CustomersTable;
  customer_notes: CustomerNotesTable;
  purchase_orders: PurchaseOrdersTable;
}

export type CustomerRow = Selectable<CustomersTable>;
export type NoteRow = Selectable<CustomerNotesTable>;
export type PurchaseOrderRow = Selectable<PurchaseOrdersTable>;

const tables = (db: Executor) => db as unknown as Kysely<CustomerTables>;

// pg sends a JS array as a PostgreSQL array, so jsonb values go as JSON text.
const json = (value: unknown) => (value === null ? null : JSON.stringify(value));

function customerValues(row: CustomerRow) {
  return {
    ...row,
    contacts: json(row.contacts),
    billing_address: json(row.billing_address),
    shipping_address: json(row.shipping_address),
    tax_ids: json(row.tax_ids),
    payment_terms: json(row.payment_terms),
    invoice_delivery: json(row.invoice_delivery),
    billing_hold: json(row.billing_hold),
    credit_hold: json(row.credit_hold),
    metadata: json(row.metadata),
    tax_exemption: json(row.tax_exemption),
    // biome-ignore lint/suspicious/noExplicitAny: jsonb columns take JSON text; the row type describes what comes back
  } as any;
}

// ---------------------------------------------------------------------------
// customers

export async function insertCustomer(db: Executor, row: CustomerRow): Promise<void> {
  await tables(db).insertInto("customers").values(customerValues(row)).execute();
}

export async function updateCustomerRow(db: Executor, row: CustomerRow): Promise<void> {
  const { id, created_at: _created, ...rest } = customerValues(row);
  await tables(db).updateTable("customers").set(rest).where("id", "=", id).execute();
}

export type CustomerKey = { id: string } | { external_id: string };

/** One customer by our id or the caller's external id; `lock` holds its row until commit. */
export async function findCustomer(
  db: Executor,
  key: CustomerKey,
  options: { lock?: boolean } = {},
): Promise<CustomerRow | null> {
  let query = tables(db).selectFrom("customers").selectAll();
  query = "id" in key ? query.where("id", "=", key.id) : query.where("external_id", "=", key.external_id);
  if (options.lock === true) query = query.forUpdate();
  return (await query.executeTakeFirst()) ?? null;
}

export interface CustomerFilter {
  /** Lower-case substrings, any of which may match the search text. */
  search?: string[] | undefined;
  tag?: string | undefined;
  currency?: string | undefined;
  archived?: boolean | undefined;
  test_clock?: string | undefined;
  /** true: only customers on a billing hold; false: only those without one. */
  billing_hold?: boolean | undefined;
}

/** LIKE treats % and _ as wildcards; a search for "50%" means the characters. */
function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

export function customersQuery(
  db: Executor,
  filter: CustomerFilter,
): SelectQueryBuilder<CustomerTables, "customers", CustomerRow> {
  let query = tables(db).selectFrom("customers").selectAll();
  const patterns = filter.search ?? [];
  if (patterns.length > 0) {
    query = query.where((eb) =>
      eb.or(patterns.map((pattern) => eb("search_text", "like", `%${likeEscaped(pattern)}%`))),
    );
  }
  if (filter.tag !== undefined) query = query.where(sql<boolean>`tags @> array[${filter.tag}]::text[]`);
  if (filter.currency !== undefined) query = query.where("currency", "=", filter.currency);
  if (filter.archived !== undefined) {
    query = query.where("archived_at", filter.archived ? "is not" : "is", null);
  }
  if (filter.test_clock !== undefined) query = query.where("test_clock", "=", filter.test_clock);
  if (filter.billing_hold !== undefined) {
    query = query.where("billing_hold", filter.billing_hold ? "is not" : "is", null);
  }
  return query;
}

// ---------------------------------------------------------------------------
// notes

export async function insertNote(db: Executor, row: NoteRow): Promise<void> {
  await tables(db).insertInto("customer_notes").values(row).execute();
}

export async function findNote(
  db: Executor,
  customerId: string,
  noteId: string,
  options: { lock?: boolean } = {},
): Promise<NoteRow | null> {
  let query = tables(db)
    .selectFrom("customer_notes")
    .selectAll()
    .where("customer_id", "=", customerId)
    .where("id", "=", noteId);
  if (options.lock === true) query = query.forUpdate();
  return (await query.executeTakeFirst()) ?? null;
}

export async function setNotePinned(db: Executor, noteId: string, pinned: boolean, at: Date): Promise<void> {
  await tables(db).updateTable("customer_notes").set({ pinned, updated_at: at }).where("id", "=", noteId).execute();
}

/** Pinned first, then newest first; the cursor is (pinned, id) so pages never skip or repeat a note. */
export async function listNoteRows(
  db: Executor,
  customerId: string,
  page: { limit: number; after?: NoteRow | undefined },
): Promise<{ rows: NoteRow[]; has_more: boolean }> {
  let query = tables(db).selectFrom("customer_notes").selectAll().where("customer_id", "=", customerId);
  const after = page.after;
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([eb("pinned", "<", after.pinned), eb.and([eb("pinned", "=", after.pinned), eb("id", "<", after.id)])]),
    );
  }
  const rows = await query
    .orderBy("pinned", "desc")
    .orderBy("id", "desc")
    .limit(page.limit + 1)
    .execute();
  return { rows: rows.slice(0, page.limit), has_more: rows.length > page.limit };
}

// ---------------------------------------------------------------------------
// purchase orders

export async function insertPurchaseOrder(db: Executor, row: PurchaseOrderRow): Promise<void> {
  await tables(db).insertInto("purchase_orders").values(row).execute();
}

export async function updatePurchaseOrderRow(db: Executor, row: PurchaseOrderRow): Promise<void> {
  const { id, created_at: _created, customer_id: _customer, ...rest } = row;
  await tables(db).updateTable("purchase_orders").set(rest).where("id", "=", id).execute();
}

// pg turns a date into a JavaScript Date at local midnight; as text it stays the calendar date it is.
const PURCHASE_ORDER_COLUMNS = [
  "id",
  "customer_id",
  "number",
  "description",
  sql<string | null>`valid_from::text`.as("valid_from"),
  sql<string | null>`valid_to::text`.as("valid_to"),
  "currency",
  "amount_cap",
  "amount_consumed",
  "active",
  "created_at",
  "updated_at",
] as const;

export type PurchaseOrderKey = { id: string } | { number: string };

/** A customer's PO by our id or its number; `lock` serialises consumers of its balance. */
export async function findPurchaseOrder(
  db: Executor,
  customerId: string,
  key: PurchaseOrderKey,
  options: { lock?: boolean } = {},
): Promise<PurchaseOrderRow | null> {
  let query = tables(db)
    .selectFrom("purchase_orders")
    .select(PURCHASE_ORDER_COLUMNS)
    .where("customer_id", "=", customerId);
  query = "id" in key ? query.where("id", "=", key.id) : query.where("number", "=", key.number);
  if (options.lock === true) query = query.forUpdate();
  return (await query.executeTakeFirst()) ?? null;
}

export function purchaseOrdersQuery(db: Executor, customerId: string, filter: { active?: boolean | undefined }) {
  let query = tables(db)
    .selectFrom("purchase_orders")
    .select(PURCHASE_ORDER_COLUMNS)
    .where("customer_id", "=", customerId);
  if (filter.active !== undefined) query = query.where("active", "=", filter.active);
  return query;
}

/** Our id for each reference (our id or an external id) that names a customer, in one query. */
export async function customerIdsByReference(
  db: Executor,
  references: readonly string[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (references.length === 0) return found;
  const list = [...new Set(references)];
  const result = await sql<{ id: string; external_id: string | null }>`
    select id, external_id from customers
    where id = any(${list}::text[]) or external_id = any(${list}::text[])`.execute(db);
  for (const row of result.rows) {
    found.set(row.id, row.id);
    if (row.external_id !== null) found.set(row.external_id, row.id);
  }
  return found;
}
