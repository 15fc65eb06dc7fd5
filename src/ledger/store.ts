import { type Kysely, sql } from "kysely";
import type { Temporal } from "temporal-polyfill";
import { fromDate, toDate } from "../kernel/clock.js";
import type { Executor } from "../kernel/db.js";
import { Decimal } from "../kernel/money.js";
import type { PageRequest } from "../kernel/pagination.js";
import { paginate } from "../kernel/pagination.js";
import type { Account, AccountFacts, AccountType, PartyType, PeriodState } from "./model.js";

/**
 * SQL for the ledger's accounts, balances and period locks (entries and lines
 * are in entry-store.ts). Dates are read as text (`::text`): the pg driver
 * would turn a `date` into a local-midnight Date, which is a different day in
 * half the world's time zones.
 */

export interface LedgerAccountsTable {
  id: string;
  code: string;
  name: string;
  type: AccountType;
  currency: string;
  party_type: PartyType | null;
  party_id: string | null;
  archived: boolean;
  created_at: Date;
  /** The test clock whose book holds the account; null: the live book. */
  test_clock_id: string | null;
}

export interface LedgerSettingsTable {
  singleton: boolean;
  closed_through: string | null;
  lock_id: string | null;
}

export interface LedgerPeriodLocksTable {
  id: string;
  action: "close" | "reopen";
  through: string;
  closed_through: string | null;
  previous_lock_id: string | null;
  reason: string | null;
  created_by: string;
  created_at: Date;
}

export interface LedgerAccountTables {
  ledger_accounts: LedgerAccountsTable;
  ledger_settings: LedgerSettingsTable;
  ledger_period_locks: LedgerPeriodLocksTable;
}

const t = (db: Executor) => db as unknown as Kysely<LedgerAccountTables>;

function toAccount(row: LedgerAccountsTable): Account {
  const { test_clock_id: _book, ...account } = row;
  return { ...account, created_at: fromDate(account.created_at) };
}

// ---------------------------------------------------------------------------
// Accounts

export interface NewAccountRow {
  id: string;
  code: string;
  name: string;
  type: AccountType;
  currency: string;
  party_type: PartyType | null;
  party_id: string | null;
  created_at: Temporal.Instant;
  /** The test clock's book; null or left out: the live book. */
  test_clock_id?: string | null | undefined;
}

/**
 * Inserts accounts in one statement. A code
 * already used in that currency is skipped (`on conflict do nothing`), so
 * seeding the chart twice, or two requests creating the same customer's
 * receivable at once, create it once. Returns the rows actually inserted.
 */
export async function insertAccounts(db: Executor, rows: readonly NewAccountRow[]): Promise<Account[]> {
  if (rows.length === 0) return [];
  const result = await sql<LedgerAccountsTable>`
    insert into ledger_accounts (id, code, name, type, currency, party_type, party_id, created_at, test_clock_id)
    select * from unnest(
      ${rows.map((row) => row.id)}::text[], ${rows.map((row) => row.code)}::text[],
      ${rows.map((row) => row.name)}::text[], ${rows.map((row) => row.type)}::text[],
      ${rows.map((row) => row.currency)}::text[], ${rows.map((row) => row.party_type)}::text[],
      ${rows.map((row) => row.party_id)}::text[], ${rows.map((row) => toDate(row.created_at))}::timestamptz[],
      ${rows.map((row) => row.test_clock_id ?? null)}::text[])
    on conflict (code, currency, (coalesce(test_clock_id, ''))) do nothing
    returning *`.execute(db);
  return result.rows.map(toAccount);
}

export async function findAccount(db: Executor, id: string): Promise<Account | undefined> {
  const row = await t(db).selectFrom("ledger_accounts").selectAll().where("id", "=", id).executeTakeFirst();
  return row === undefined ? undefined : toAccount(row);
}

/** Accounts by code in one book: the live book (`book` null) or a test clock's. */
export async function findAccountsByCode(
  db: Executor,
  codes: readonly string[],
  currency: string,
  book: string | null = null,
): Promise<Account[]> {
  if (codes.length === 0) return [];
  const rows = await t(db)
    .selectFrom("ledger_accounts")
    .selectAll()
    .where("code", "in", [...codes])
    .where("currency", "=", currency)
    .where(sql<boolean>`coalesce(test_clock_id, '') = ${book ?? ""}`)
    .execute();
  return rows.map(toAccount);
}

export interface AccountFilter {
  type?: AccountType | undefined;
  currency?: string | undefined;
  party_id?: string | undefined;
  code_prefix?: string | undefined;
  /** A test clock's book; left out: the live book. */
  test_clock?: string | undefined;
}

export async function listAccounts(
  db: Executor,
  filter: AccountFilter,
  page: PageRequest,
): Promise<{ data: Account[]; has_more: boolean }> {
  let query = t(db)
    .selectFrom("ledger_accounts")
    .selectAll()
    .where(sql<boolean>`coalesce(test_clock_id, '') = ${filter.test_clock ?? ""}`);
  if (filter.type !== undefined) query = query.where("type", "=", filter.type);
  if (filter.currency !== undefined) query = query.where("currency", "=", filter.currency);
  if (filter.party_id !== undefined) query = query.where("party_id", "=", filter.party_id);
  if (filter.code_prefix !== undefined) {
    // starts_with, not LIKE: a code may contain "_", which LIKE reads as a wildcard.
    query = query.where(sql<boolean>`starts_with(code, ${filter.code_prefix})`);
  }
  const page_ = await paginate(query, "id", page);
  return { data: page_.data.map(toAccount), has_more: page_.has_more };
}

/**
 * What posting needs to know about accounts (code, name, type, currency), kept
 * for the life of the process. Safe to keep because none of it ever changes:
 * ledger_accounts_guard refuses a change of type or currency, no route renames
 * an account, and ids are never reused. Whether an account is archived does
 * change, so ledger_post_entries checks that in the posting statement itself.
 * A billing run posting to thousands of customers' receivables then reads no
 * account twice.
 */
const knownAccounts = new Map<string, AccountFacts>();
const KNOWN_ACCOUNTS_MAX = 100_000;

/** The accounts the lines name, from memory or, for those not seen yet, from the database. */
export async function loadAccountFacts(
  db: Executor,
  accountIds: readonly string[],
): Promise<Map<string, AccountFacts>> {
  const found = new Map<string, AccountFacts>();
  const missing: string[] = [];
  for (const id of accountIds) {
    const known = knownAccounts.get(id);
    if (known === undefined) missing.push(id);
    else found.set(id, known);
  }
  if (missing.length === 0) return found;
  const rows = await t(db)
    .selectFrom("ledger_accounts")
    .select(["id", "code", "name", "type", "currency", "archived"])
    .where(sql<boolean>`id = any(${missing}::text[])`)
    .execute();
  if (knownAccounts.size + rows.length > KNOWN_ACCOUNTS_MAX) knownAccounts.clear();
  for (const row of rows) {
    found.set(row.id, row);
    if (!row.archived) knownAccounts.set(row.id, { ...row, archived: false });
  }
  return found;
}

/**
 * Forgets an account the posting statement did not find: one read in a
 * transaction that then rolled back. Its id is never reused, so this only
 * matters to a caller that kept the id past the rollback.
 */
export function forgetAccount(id: string): void {
  knownAccounts.delete(id);
}

// ---------------------------------------------------------------------------
// Balances

export interface BalanceTotals {
  debit: Decimal;
  credit: Decimal;
}

/** The current balance: the account's kept balance slots (at most 16 rows, one index range). */
export async function readCurrentBalance(db: Executor, accountId: string): Promise<BalanceTotals> {
  const result = await sql<{ debit: string; credit: string }>`
    select coalesce(sum(debit), 0) as debit, coalesce(sum(credit), 0) as credit
    from ledger_balances where account_id = ${accountId}`.execute(db);
  const row = result.rows[0];
  return { debit: new Decimal(row?.debit ?? 0), credit: new Decimal(row?.credit ?? 0) };
}

/** Current totals of many accounts at once; accounts with nothing posted are absent. */
export async function readCurrentBalances(
  db: Executor,
  accountIds: readonly string[],
): Promise<Map<string, BalanceTotals>> {
  const totals = new Map<string, BalanceTotals>();
  if (accountIds.length === 0) return totals;
  const result = await sql<{ account_id: string; debit: string; credit: string }>`
    select account_id, coalesce(sum(debit), 0) as debit, coalesce(sum(credit), 0) as credit
    from ledger_balances where account_id = any(${[...accountIds]}::text[]) group by account_id`.execute(db);
  for (const row of result.rows) {
    totals.set(row.account_id, { debit: new Decimal(row.debit), credit: new Decimal(row.credit) });
  }
  return totals;
}

/** The balance as of a date: the account's lines up to that date, by index range. */
export async function readBalanceAsOf(db: Executor, accountId: string, asOf: string): Promise<BalanceTotals> {
  const result = await sql<{ debit: string; credit: string }>`
    select coalesce(sum(debit), 0) as debit, coalesce(sum(credit), 0) as credit
    from ledger_lines where account_id = ${accountId} and effective_date <= ${asOf}::date`.execute(db);
  const row = result.rows[0];
  return { debit: new Decimal(row?.debit ?? 0), credit: new Decimal(row?.credit ?? 0) };
}

export interface AccountTotalsRow extends AccountFacts {
  debit: string;
  credit: string;
}

/**
 * Every account with its debit and credit totals: from the balance rows when
 * no date is given (everything posted), otherwise summed from lines dated on
 * or before it.
 */
export async function readAccountTotals(
  db: Executor,
  asOf: string | null,
  currency: string | undefined,
  book: string | null = null,
): Promise<AccountTotalsRow[]> {
  const currencyFilter = currency === undefined ? sql`true` : sql`a.currency = ${currency}`;
  const totals =
    asOf === null
      ? sql`select account_id, sum(debit) as debit, sum(credit) as credit from ledger_balances group by account_id`
      : sql`select account_id, sum(debit) as debit, sum(credit) as credit
            from ledger_lines where effective_date <= ${asOf}::date group by account_id`;
  const result = await sql<AccountTotalsRow>`
    select a.id, a.code, a.name, a.type, a.currency, a.archived,
           coalesce(x.debit, 0) as debit, coalesce(x.credit, 0) as credit
    from ledger_accounts a left join (${totals}) x on x.account_id = a.id
    where ${currencyFilter} and coalesce(a.test_clock_id, '') = ${book ?? ""}
    order by a.currency, a.code`.execute(db);
  return result.rows;
}

// ---------------------------------------------------------------------------
// Period locks

/**
 * A close or reopen takes the period lock exclusively (it waits for every
 * posting in flight, and new postings wait for it), then reads and locks the
 * settings row with a snapshot taken after the wait.
 */
export async function lockPeriodState(db: Executor): Promise<PeriodState> {
  await sql`select pg_advisory_xact_lock(hashtextextended('ledger:period_lock', 0))`.execute(db);
  const result = await sql<PeriodState>`
    select closed_through::text as closed_through, lock_id from ledger_settings for update`.execute(db);
  const row = result.rows[0];
  if (row === undefined) throw new Error("the ledger_settings row is missing; migration 0003 seeds it");
  return row;
}

export async function readPeriodState(db: Executor): Promise<PeriodState> {
  const result = await sql<PeriodState>`
    select closed_through::text as closed_through, lock_id from ledger_settings`.execute(db);
  return result.rows[0] ?? { closed_through: null, lock_id: null };
}

export async function savePeriodState(db: Executor, state: PeriodState): Promise<void> {
  await sql`update ledger_settings set closed_through = ${state.closed_through}::date, lock_id = ${state.lock_id}`.execute(
    db,
  );
}

export interface PeriodLock {
  id: string;
  action: "close" | "reopen";
  through: string;
  closed_through: string | null;
  previous_lock_id: string | null;
  reason: string | null;
  created_by: string;
  created_at: Temporal.Instant;
}

export async function insertPeriodLock(db: Executor, lock: PeriodLock): Promise<void> {
  await t(db)
    .insertInto("ledger_period_locks")
    .values({ ...lock, created_at: toDate(lock.created_at) })
    .execute();
}

const periodLockColumns = [
  "id",
  "action",
  sql<string>`through::text`.as("through"),
  sql<string | null>`closed_through::text`.as("closed_through"),
  "previous_lock_id",
  "reason",
  "created_by",
  "created_at",
] as const;

export async function findPeriodLock(db: Executor, id: string): Promise<PeriodLock | undefined> {
  const row = await t(db)
    .selectFrom("ledger_period_locks")
    .select(periodLockColumns)
    .where("id", "=", id)
    .executeTakeFirst();
  return row === undefined ? undefined : { ...row, created_at: fromDate(row.created_at) };
}

export async function listPeriodLocks(
  db: Executor,
  page: PageRequest,
): Promise<{ data: PeriodLock[]; has_more: boolean }> {
  const result = await paginate(t(db).selectFrom("ledger_period_locks").select(periodLockColumns), "id", page);
  return {
    data: result.data.map((row) => ({ ...row, created_at: fromDate(row.created_at) })),
    has_more: result.has_more,
  };
}
