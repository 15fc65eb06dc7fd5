import { type Generated, type Insertable, type Kysely, type Selectable, sql, type Updateable } from "kysely";
import type { Executor } from "../kernel/db.js";
import { type Page, type PageRequest, paginate } from "../kernel/pagination.js";
import type { CreditNoteOutcome, CreditNoteReason } from "./credit-notes.js";
import type { SellerSnapshot } from "./legal-entities.js";
import type { CreditNoteStatus } from "./lifecycle.js";

/** SQL for credit notes, their lines, refund requests and settings (migrations/0012_credit_notes.sql), nothing else. */

interface CreditNotesTable {
  id: string;
  invoice_id: string;
  customer_id: string;
  currency: string;
  status: CreditNoteStatus;
  number: string | null;
  legal_entity: string;
  /** The seller as printed, taken when the note is issued (migrations/0014_legal_entities.sql). */
  seller: Generated<SellerSnapshot | null>;
  reason: CreditNoteReason;
  outcome: CreditNoteOutcome;
  memo: string | null;
  subtotal: string;
  tax: string;
  total: string;
  issue_date: string | null;
  approval_id: string | null;
  ledger_entry_id: string | null;
  created_at: Date;
  issued_at: Date | null;
  voided_at: Date | null;
  /** Why an issued note was voided, printed on its PDF (migrations/0020_customer_legal_entity.sql). */
  void_reason: Generated<string | null>;
  /** The reversal of the note's entry, posted when an issued note is voided. */
  void_ledger_entry_id: Generated<string | null>;
}

interface CreditNoteLinesTable {
  credit_note_id: string;
  position: number;
  invoice_line_id: string;
  product_id: string | null;
  description: string;
  net_amount: string;
  tax_amount: string;
}

interface RefundsTable {
  credit_note_id: string;
  customer_id: string;
  currency: string;
  amount: string;
  status: "requested" | "succeeded" | "failed" | "canceled";
  created_at: Date;
}

interface SettingsTable {
  currency: string;
  approval_threshold: string;
  updated_at: Date;
}

interface CreditNoteTables {
  credit_notes: CreditNotesTable;
  credit_note_lines: CreditNoteLinesTable;
  credit_note_refunds: RefundsTable;
  credit_note_settings: SettingsTable;
}

export type CreditNoteRow = Selectable<CreditNotesTable>;
export type CreditNoteLineRow = Selectable<CreditNoteLinesTable>;
export type RefundRow = Selectable<RefundsTable>;

const t = (db: Executor) => db as unknown as Kysely<CreditNoteTables>;

function noteColumns(db: Executor) {
  return t(db)
    .selectFrom("credit_notes")
    .selectAll()
    .select(sql<string | null>`to_char(issue_date, 'YYYY-MM-DD')`.as("issue_date"));
}

export async function insertCreditNote(
  db: Executor,
  note: Insertable<CreditNotesTable>,
  lines: readonly Omit<CreditNoteLineRow, "credit_note_id" | "position">[],
): Promise<void> {
  await t(db).insertInto("credit_notes").values(note).execute();
  await t(db)
    .insertInto("credit_note_lines")
    .values(lines.map((line, index) => ({ ...line, credit_note_id: note.id, position: index + 1 })))
    .execute();
}

export async function updateCreditNote(db: Executor, id: string, changes: Updateable<CreditNotesTable>): Promise<void> {
  await t(db).updateTable("credit_notes").set(changes).where("id", "=", id).execute();
}

export async function findCreditNote(db: Executor, id: string, lock = false): Promise<CreditNoteRow | undefined> {
  const query = noteColumns(db).where("id", "=", id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

export async function findCreditNoteLines(db: Executor, noteIds: readonly string[]): Promise<CreditNoteLineRow[]> {
  if (noteIds.length === 0) return [];
  return t(db)
    .selectFrom("credit_note_lines")
    .selectAll()
    .where("credit_note_id", "in", noteIds)
    .orderBy("credit_note_id")
    .orderBy("position")
    .execute();
}

export async function findRefunds(db: Executor, noteIds: readonly string[]): Promise<RefundRow[]> {
  if (noteIds.length === 0) return [];
  return t(db).selectFrom("credit_note_refunds").selectAll().where("credit_note_id", "in", noteIds).execute();
}

/** Locks the note's refund request: voiding the note cancels it, and must not race the payments module paying it. */
export async function findRefundForUpdate(db: Executor, noteId: string): Promise<RefundRow | undefined> {
  return t(db)
    .selectFrom("credit_note_refunds")
    .selectAll()
    .where("credit_note_id", "=", noteId)
    .forUpdate()
    .executeTakeFirst();
}

export async function updateRefundStatus(db: Executor, noteId: string, status: RefundRow["status"]): Promise<void> {
  await t(db).updateTable("credit_note_refunds").set({ status }).where("credit_note_id", "=", noteId).execute();
}

export async function insertRefund(db: Executor, row: Insertable<RefundsTable>): Promise<void> {
  await t(db).insertInto("credit_note_refunds").values(row).execute();
}

/**
 * The notes on an invoice that are not voided, waiting ones included: a note
 * held for approval keeps its amount reserved, so a second note cannot take
 * it meanwhile. The caller holds the invoice row lock.
 */
export async function activeNotesOnInvoice(db: Executor, invoiceId: string): Promise<CreditNoteRow[]> {
  return noteColumns(db).where("invoice_id", "=", invoiceId).where("status", "!=", "void").execute();
}

export interface CreditNoteFilter {
  invoice_id?: string | undefined;
  customer_id?: string | undefined;
}

export async function listCreditNoteRows(
  db: Executor,
  filter: CreditNoteFilter,
  page: PageRequest,
): Promise<Page<CreditNoteRow>> {
  let query = noteColumns(db);
  if (filter.invoice_id !== undefined) query = query.where("invoice_id", "=", filter.invoice_id);
  if (filter.customer_id !== undefined) query = query.where("customer_id", "=", filter.customer_id);
  return paginate(query, "id", page);
}

export async function approvalThresholds(db: Executor): Promise<Record<string, string>> {
  const rows = await t(db).selectFrom("credit_note_settings").selectAll().orderBy("currency").execute();
  return Object.fromEntries(rows.map((row) => [row.currency, row.approval_threshold]));
}

export async function approvalThresholdFor(db: Executor, currency: string): Promise<string | undefined> {
  const row = await t(db)
    .selectFrom("credit_note_settings")
    .select("approval_threshold")
    .where("currency", "=", currency)
    .executeTakeFirst();
  return row?.approval_threshold;
}

export async function saveApprovalThreshold(
  db: Executor,
  currency: string,
  threshold: string | null,
  at: Date,
): Promise<void> {
  if (threshold === null) {
    await t(db).deleteFrom("credit_note_settings").where("currency", "=", currency).execute();
    return;
  }
  await t(db)
    .insertInto("credit_note_settings")
    .values({ currency, approval_threshold: threshold, updated_at: at })
    .onConflict((c) => c.column("currency").doUpdateSet({ approval_threshold: threshold, updated_at: at }))
    .execute();
}
