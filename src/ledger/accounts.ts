import { recordAudit } from "../access/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { testClockOf } from "../kernel/clock.js";
import { type Executor, inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId, parseId } from "../kernel/ids.js";
import { Decimal, parseCurrency } from "../kernel/money.js";
import type { PageRequest } from "../kernel/pagination.js";
import { parseDate } from "../kernel/time.js";
import {
  CHART_ROLES,
  type ChartRole,
  clearingSpec,
  customerCreditSpec,
  DEFAULT_CHART,
  parseAccountCode,
  receivableSpec,
  revenueSpec,
  type SubledgerSpec,
} from "./chart.js";
import { type AccountBalance, accountJson } from "./json.js";
import {
  ACCOUNT_TYPES,
  type Account,
  type AccountType,
  buildTrialBalance,
  PARTY_TYPES,
  type PartyType,
  signedBalance,
  type TrialBalance,
} from "./model.js";
import {
  type AccountFilter,
  findAccount,
  findAccountsByCode,
  insertAccounts,
  listAccounts as listAccountRows,
  type NewAccountRow,
  readAccountTotals,
  readBalanceAsOf,
  readCurrentBalance,
  readCurrentBalances,
} from "./store.js";

/** The chart of accounts: accounts people create, the default chart, subledger accounts, balances. */

export interface NewAccount {
  code: string;
  name: string;
  type: AccountType;
  currency: string;
  party_type?: PartyType | null | undefined;
  party_id?: string | null | undefined;
}

function checkNewAccount(input: NewAccount): void {
  parseAccountCode(input.code);
  parseCurrency(input.currency, "currency");
  if (!ACCOUNT_TYPES.includes(input.type)) {
    throw new DomainError("invalid_request", `type is one of ${ACCOUNT_TYPES.join(", ")}`, { param: "type" });
  }
  const name = input.name.trim();
  if (name.length === 0 || name.length > 200) {
    throw new DomainError("invalid_request", "an account name is 1 to 200 characters", { param: "name" });
  }
  const partyType = input.party_type ?? null;
  const partyId = input.party_id ?? null;
  if ((partyType === null) !== (partyId === null) || (partyType !== null && !PARTY_TYPES.includes(partyType))) {
    throw new DomainError(
      "account_party_invalid",
      `a party is a party_type (${PARTY_TYPES.join(", ")}) with a party_id`,
      {
        param: partyType === null ? "party_type" : "party_id",
      },
    );
  }
}

/** Creates an account in the chart (POST /v1/ledger/accounts); audited. */
export async function createAccount(deps: Deps, ctx: RequestContext, input: NewAccount): Promise<Account> {
  checkNewAccount(input);
  return inTransaction(deps.db, async (tx) => {
    const at = deps.clock.now();
    const row: NewAccountRow = {
      id: newId("ledger_account"),
      code: input.code,
      name: input.name.trim(),
      type: input.type,
      currency: input.currency,
      party_type: input.party_type ?? null,
      party_id: input.party_id ?? null,
      created_at: at,
    };
    const [account] = await insertAccounts(tx, [row]);
    if (account === undefined) {
      throw new DomainError("account_code_taken", `a ${input.currency} account with code ${input.code} exists`, {
        param: "code",
      });
    }
    await recordAudit(
      tx,
      ctx,
      {
        action: "ledger.account_created",
        object_type: "ledger_account",
        object_id: account.id,
        after: accountJson(account),
      },
      at,
    );
    return account;
  });
}

/**
 * Returns the account with this code in this currency, creating it first if
 * it is missing. Safe under concurrency: two callers creating the same
 * customer's receivable at once get the same account.
 */
async function ensureAccount(deps: Deps, tx: Executor, spec: SubledgerSpec, currency: string): Promise<Account> {
  // A service running on a test clock posts to that clock's own book.
  const book = testClockOf(deps.clock);
  const [found] = await findAccountsByCode(tx, [spec.code], currency, book);
  if (found !== undefined) return found;
  const [created] = await insertAccounts(tx, [
    { id: newId("ledger_account"), ...spec, currency, created_at: deps.clock.now(), test_clock_id: book },
  ]);
  if (created !== undefined) return created;
  const [raced] = await findAccountsByCode(tx, [spec.code], currency, book);
  if (raced === undefined) throw new Error(`account ${spec.code} ${currency} conflicted but cannot be found`);
  return raced;
}

/**
 * Creates the default billing chart in a currency (chart.ts), leaving any
 * account that exists alone; returns every chart account by its role.
 * Idempotent: later modules and the demo call it freely.
 */
export async function ensureDefaultChart(
  deps: Deps,
  currency: string,
  tx?: Executor,
): Promise<Record<ChartRole, Account>> {
  parseCurrency(currency, "currency");
  const book = testClockOf(deps.clock);
  return inTransaction(tx ?? deps.db, async (inner) => {
    const at = deps.clock.now();
    await insertAccounts(
      inner,
      CHART_ROLES.map((role) => ({
        id: newId("ledger_account"),
        ...DEFAULT_CHART[role],
        currency,
        party_type: null,
        party_id: null,
        created_at: at,
        test_clock_id: book,
      })),
    );
    const accounts = await findAccountsByCode(
      inner,
      CHART_ROLES.map((role) => DEFAULT_CHART[role].code),
      currency,
      book,
    );
    const byCode = new Map(accounts.map((account) => [account.code, account]));
    return Object.fromEntries(
      CHART_ROLES.map((role) => [role, byCode.get(DEFAULT_CHART[role].code) as Account]),
    ) as Record<ChartRole, Account>;
  });
}

/** One default chart account (tax payable, cash, …) in a currency, created if missing. */
export async function chartAccountFor(deps: Deps, tx: Executor, role: ChartRole, currency: string): Promise<Account> {
  parseCurrency(currency, "currency");
  return ensureAccount(deps, tx, { ...DEFAULT_CHART[role], party_type: null, party_id: null }, currency);
}

/** The customer's accounts-receivable sub-account ("1100:cus_…") in a currency, created if missing. */
export async function receivableAccountFor(
  deps: Deps,
  tx: Executor,
  customerId: string,
  currency: string,
): Promise<Account> {
  parseCurrency(currency, "currency");
  return ensureAccount(deps, tx, receivableSpec(parseId("customer", customerId, "customer_id")), currency);
}

/** The customer's credit-balance sub-account ("2300:cus_…") in a currency, created if missing: a liability, what we owe them. */
export async function customerCreditAccountFor(
  deps: Deps,
  tx: Executor,
  customerId: string,
  currency: string,
): Promise<Account> {
  parseCurrency(currency, "currency");
  return ensureAccount(deps, tx, customerCreditSpec(parseId("customer", customerId, "customer_id")), currency);
}

/** A payment gateway's clearing account ("1050:stripe") in a currency, created if missing. */
export async function clearingAccountFor(
  deps: Deps,
  tx: Executor,
  gateway: string,
  currency: string,
): Promise<Account> {
  parseCurrency(currency, "currency");
  return ensureAccount(deps, tx, clearingSpec(gateway), currency);
}

/** A product's revenue account ("4000:prod_…") in a currency, created if missing. */
export async function revenueAccountFor(
  deps: Deps,
  tx: Executor,
  productId: string,
  currency: string,
): Promise<Account> {
  parseCurrency(currency, "currency");
  return ensureAccount(deps, tx, revenueSpec(parseId("product", productId, "product_id")), currency);
}

export async function getAccount(deps: Deps, id: string): Promise<Account> {
  const account = await findAccount(deps.db, parseId("ledger_account", id, "id"));
  if (account === undefined) throw new DomainError("account_not_found", `no ledger account ${id}`, { param: "id" });
  return account;
}

export async function listAccounts(
  deps: Deps,
  filter: AccountFilter,
  page: PageRequest,
): Promise<{ data: Account[]; has_more: boolean }> {
  return listAccountRows(deps.db, filter, page);
}

/**
 * An account's balance: the kept current balance (every posting, whatever its
 * date) without `asOf`, or the sum of its lines dated on or before `asOf`.
 */
export async function getAccountBalance(deps: Deps, id: string, asOf?: string, tx?: Executor): Promise<AccountBalance> {
  const db = tx ?? deps.db;
  const account = await findAccount(db, parseId("ledger_account", id, "id"));
  if (account === undefined) throw new DomainError("account_not_found", `no ledger account ${id}`, { param: "id" });
  const date = asOf === undefined ? null : parseDate(asOf, "as_of").toString();
  const totals = date === null ? await readCurrentBalance(db, account.id) : await readBalanceAsOf(db, account.id, date);
  return { account, as_of: date, ...totals, balance: signedBalance(account.type, totals.debit, totals.credit) };
}

/**
 * Every account's totals and balance as of a date (or everything posted), with
 * per-currency totals that balance: the live book, or a test clock's book.
 */
export async function trialBalance(
  deps: Deps,
  options: { as_of?: string | undefined; currency?: string | undefined; test_clock?: string | undefined } = {},
): Promise<TrialBalance> {
  const asOf = options.as_of === undefined ? null : parseDate(options.as_of, "as_of").toString();
  const currency = options.currency === undefined ? undefined : parseCurrency(options.currency, "currency");
  // One statement, so one snapshot: the totals cannot catch half of a posting.
  const book = options.test_clock === undefined ? null : parseId("test_clock", options.test_clock, "test_clock");
  const rows = await readAccountTotals(deps.db, asOf, currency, book);
  return buildTrialBalance(
    rows.map((row) => ({ account: row, debit: new Decimal(row.debit), credit: new Decimal(row.credit) })),
    asOf,
  );
}

export interface CustomerAccounts {
  receivable: Account;
  credit: Account;
  /** What the credit account holds for the customer (credit minus debit), zero or more. */
  credit_balance: Decimal;
}

/**
 * Many customers' receivable and credit-balance accounts in one currency,
 * created where missing, with the credit each one holds: for batch work (a
 * chunk of finalizations) in a few statements instead of a few per customer.
 */
export async function customerAccountsFor(
  deps: Deps,
  tx: Executor,
  customerIds: readonly string[],
  currency: string,
): Promise<Map<string, CustomerAccounts>> {
  parseCurrency(currency, "currency");
  const book = testClockOf(deps.clock);
  const ids = [...new Set(customerIds)].map((id) => parseId("customer", id, "customer_id"));
  const specs = ids.flatMap((id) => [receivableSpec(id), customerCreditSpec(id)]);
  const codes = specs.map((spec) => spec.code);
  const found = new Map(
    (await findAccountsByCode(tx, codes, currency, book)).map((account) => [account.code, account]),
  );
  const missing = specs.filter((spec) => !found.has(spec.code));
  if (missing.length > 0) {
    const at = deps.clock.now();
    const rows = missing.map((spec) => ({
      id: newId("ledger_account"),
      ...spec,
      currency,
      created_at: at,
      test_clock_id: book,
    }));
    await insertAccounts(tx, rows);
    const again = await findAccountsByCode(
      tx,
      missing.map((spec) => spec.code),
      currency,
      book,
    );
    for (const account of again) found.set(account.code, account);
  }
  const creditIds = ids.map((id) => found.get(customerCreditSpec(id).code)?.id ?? "");
  const balances = await readCurrentBalances(tx, creditIds);
  const accounts = new Map<string, CustomerAccounts>();
  for (const id of ids) {
    const receivable = found.get(receivableSpec(id).code);
    const credit = found.get(customerCreditSpec(id).code);
    if (receivable === undefined || credit === undefined) throw new Error(`accounts of ${id} cannot be found`);
    const totals = balances.get(credit.id);
    const balance = totals === undefined ? new Decimal(0) : totals.credit.minus(totals.debit);
    accounts.set(id, { receivable, credit, credit_balance: balance });
  }
  return accounts;
}
