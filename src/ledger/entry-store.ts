import { type Kysely, sql } from "kysely";
import type { Temporal } from "temporal-polyfill";
import { fromDate, toDate } from "../kernel/clock.js";
import type { Executor } from "../kernel/db.js";
import { Decimal } from "../kernel/money.js";
import { type PageRequest, paginate } from "../kernel/pagination.js";
import type { PreparedEntry } from "./model.js";

/**
 * SQL for journal entries and their lines. Posting is set-based for one entry
 * and for ten thousand alike: entries and lines go in through `unnest` arrays,
 * and the balance rows get one netted update per account, in one statement.
 */

interface LedgerEntriesTable {
  id: string;
  idempotency_key: string;
  source_type: string;
  source_id: string;
  effective_date: string;
  memo: string;
  posted_at: Date;
  posted_by: string;
  reverses_entry_id: string | null;
}

interface LedgerLinesTable {
  entry_id: string;
  line_no: number;
  account_id: string;
  currency: string;
  debit: string;
  credit: string;
  effective_date: string;
}

interface LedgerAccountsView {
  id: string;
  code: string;
  name: string;
}

interface LedgerEntryTables {
  ledger_entries: LedgerEntriesTable;
  ledger_lines: LedgerLinesTable;
  ledger_accounts: LedgerAccountsView;
}

const t = (db: Executor) => db as unknown as Kysely<LedgerEntryTables>;

export interface EntryToInsert extends PreparedEntry {
  id: string;
}

/**
 * An array literal built by joining, for values that need no quoting: ids
 * (TypeIDs of accounts that exist, or just generated), source types
 * (snake_case), dates, currency codes and plain decimals, all checked by
 * model.ts first. The driver would quote and escape every element; for the
 * lines of a 1,000-entry batch that was a tenth of the application's time.
 */
function plainArray(values: readonly (string | number)[]): string {
  return `{${values.join(",")}}`;
}

/** What one posting statement did: the entries it inserted, or why it inserted nothing. */
export type PostingOutcome =
  | { kind: "posted"; inserted: Map<string, string> }
  | { kind: "period_closed"; idempotency_key: string; closed_through: string }
  | { kind: "account_archived" | "account_not_found"; account_id: string };

/**
 * Writes entries, their lines and the netted balance changes in one round
 * trip, through ledger_post_entries (migration 0003), which also takes the
 * period lock and checks the period and archived accounts. Entries whose
 * idempotency key already posted are skipped: `inserted` maps the keys of the
 * entries inserted to their ids.
 */
export async function insertEntries(
  db: Executor,
  entries: readonly EntryToInsert[],
  postedAt: Temporal.Instant,
  postedBy: string,
): Promise<PostingOutcome> {
  const lineEntry: string[] = [];
  const lineNo: number[] = [];
  const lineAccount: string[] = [];
  const lineCurrency: string[] = [];
  const lineDebit: string[] = [];
  const lineCredit: string[] = [];
  for (const entry of entries) {
    entry.lines.forEach((line, index) => {
      lineEntry.push(entry.id);
      lineNo.push(index + 1);
      lineAccount.push(line.account_id);
      lineCurrency.push(line.currency);
      lineDebit.push(line.debit.toFixed());
      lineCredit.push(line.credit.toFixed());
    });
  }
  const result = await sql<{ result_kind: string; result_key: string | null; result_value: string }>`
    select * from ledger_post_entries(
      ${plainArray(entries.map((entry) => entry.id))}::text[], ${entries.map((entry) => entry.idempotency_key)}::text[],
      ${plainArray(entries.map((entry) => entry.source_type))}::text[], ${entries.map((entry) => entry.source_id)}::text[],
      ${plainArray(entries.map((entry) => entry.effective_date))}::date[], ${entries.map((entry) => entry.memo)}::text[],
      ${entries.map((entry) => entry.reverses_entry_id)}::text[], ${toDate(postedAt)}::timestamptz, ${postedBy}::text,
      ${plainArray(lineEntry)}::text[], ${plainArray(lineNo)}::int2[], ${plainArray(lineAccount)}::text[],
      ${plainArray(lineCurrency)}::text[], ${plainArray(lineDebit)}::numeric[], ${plainArray(lineCredit)}::numeric[])`.execute(
    db,
  );
  const inserted = new Map<string, string>();
  for (const row of result.rows) {
    switch (row.result_kind) {
      case "period_closed":
        return { kind: "period_closed", idempotency_key: row.result_key ?? "", closed_through: row.result_value };
      case "account_archived":
      case "account_not_found":
        return { kind: row.result_kind, account_id: row.result_value };
      case "posted":
        inserted.set(row.result_key ?? "", row.result_value);
        break;
      case "account_currency_mismatch":
        throw new Error(`a line is not in account ${row.result_value}'s currency, which never changes`);
      default:
        throw new Error(`ledger_post_entries returned an unknown outcome ${row.result_kind}`);
    }
  }
  return { kind: "posted", inserted };
}

/** Ids of entries already posted under these idempotency keys. */
export async function findEntryIdsByKey(db: Executor, keys: readonly string[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  // One array parameter rather than one parameter per key: a billing run checks thousands.
  const result = await sql<{ id: string; idempotency_key: string }>`
    select id, idempotency_key from ledger_entries where idempotency_key = any(${[...keys]}::text[])`.execute(db);
  return new Map(result.rows.map((row) => [row.idempotency_key, row.id]));
}

export interface EntryLineRow {
  entry_id: string;
  account_id: string;
  account_code: string;
  account_name: string;
  currency: string;
  debit: Decimal;
  credit: Decimal;
}

export interface EntryRow {
  id: string;
  idempotency_key: string;
  source_type: string;
  source_id: string;
  effective_date: string;
  memo: string;
  posted_at: Temporal.Instant;
  posted_by: string;
  reverses_entry_id: string | null;
  reversed_by_entry_id: string | null;
  lines: EntryLineRow[];
}

function entryColumns(db: Executor) {
  return t(db)
    .selectFrom("ledger_entries as e")
    .select([
      "e.id",
      "e.idempotency_key",
      "e.source_type",
      "e.source_id",
      sql<string>`e.effective_date::text`.as("effective_date"),
      "e.memo",
      "e.posted_at",
      "e.posted_by",
      "e.reverses_entry_id",
      sql<string | null>`(select r.id from ledger_entries r where r.reverses_entry_id = e.id)`.as(
        "reversed_by_entry_id",
      ),
    ]);
}

type EntryHeader = Omit<EntryRow, "lines" | "posted_at"> & { posted_at: Date };

async function withLines(db: Executor, headers: EntryHeader[]): Promise<EntryRow[]> {
  if (headers.length === 0) return [];
  const lines = await t(db)
    .selectFrom("ledger_lines as l")
    .innerJoin("ledger_accounts as a", "a.id", "l.account_id")
    .select(["l.entry_id", "l.account_id", "a.code", "a.name", "l.currency", "l.debit", "l.credit"])
    .where(
      "l.entry_id",
      "in",
      headers.map((header) => header.id),
    )
    .orderBy("l.entry_id")
    .orderBy("l.line_no")
    .execute();
  const byEntry = new Map<string, EntryLineRow[]>();
  for (const line of lines) {
    const list = byEntry.get(line.entry_id) ?? [];
    list.push({
      entry_id: line.entry_id,
      account_id: line.account_id,
      account_code: line.code,
      account_name: line.name,
      currency: line.currency,
      debit: new Decimal(line.debit),
      credit: new Decimal(line.credit),
    });
    byEntry.set(line.entry_id, list);
  }
  return headers.map((header) => ({
    ...header,
    posted_at: fromDate(header.posted_at),
    lines: byEntry.get(header.id) ?? [],
  }));
}

export async function findEntry(db: Executor, id: string): Promise<EntryRow | undefined> {
  const header = await entryColumns(db).where("e.id", "=", id).executeTakeFirst();
  if (header === undefined) return undefined;
  const [entry] = await withLines(db, [header]);
  return entry;
}

/** Locks an entry's row against a concurrent reversal reading it at the same time. */
export async function lockEntry(db: Executor, id: string): Promise<void> {
  await sql`select 1 from ledger_entries where id = ${id} for update`.execute(db);
}

export interface EntryFilter {
  account_id?: string | undefined;
  source_type?: string | undefined;
  source_id?: string | undefined;
  effective_from?: string | undefined;
  effective_to?: string | undefined;
  /**
   * A test clock's book; left out, the live book. Not applied when an
   * account or a source is named: those already say which book they are in.
   */
  test_clock?: string | undefined;
}

export async function listEntries(
  db: Executor,
  filter: EntryFilter,
  page: PageRequest,
): Promise<{ data: EntryRow[]; has_more: boolean }> {
  let query = entryColumns(db);
  if (filter.account_id !== undefined) {
    const accountId = filter.account_id;
    query = query.where(
      sql<boolean>`exists (select 1 from ledger_lines l where l.entry_id = e.id and l.account_id = ${accountId})`,
    );
  }
  if (filter.account_id === undefined && filter.source_id === undefined) {
    query = query.where(sql<boolean>`coalesce(e.test_clock_id, '') = ${filter.test_clock ?? ""}`);
  }
  if (filter.source_type !== undefined) query = query.where("e.source_type", "=", filter.source_type);
  if (filter.source_id !== undefined) query = query.where("e.source_id", "=", filter.source_id);
  if (filter.effective_from !== undefined) {
    query = query.where(sql<boolean>`e.effective_date >= ${filter.effective_from}::date`);
  }
  if (filter.effective_to !== undefined) {
    query = query.where(sql<boolean>`e.effective_date <= ${filter.effective_to}::date`);
  }
  const result = await paginate(query, "e.id", page);
  return { data: await withLines(db, result.data), has_more: result.has_more };
}
