import type { Decimal } from "../kernel/money.js";
import { formatAmountForApi } from "../kernel/money.js";
import type { EntryRow } from "./entry-store.js";
import { type Account, normalSideOf, type TrialBalance } from "./model.js";
import type { PeriodLock } from "./store.js";

/**
 * The JSON shapes of the ledger's objects, shared by the API, the audit log
 * and outbox events so all three say the same thing. Amounts are strings with
 * exactly the currency's minor-unit digits.
 */

export function accountJson(account: Account) {
  return {
    id: account.id,
    object: "ledger_account" as const,
    code: account.code,
    name: account.name,
    type: account.type,
    normal_balance: normalSideOf(account.type),
    currency: account.currency,
    party_type: account.party_type,
    party_id: account.party_id,
    archived: account.archived,
    created_at: account.created_at.toString(),
  };
}

export function journalEntryJson(entry: EntryRow) {
  return {
    id: entry.id,
    object: "journal_entry" as const,
    effective_date: entry.effective_date,
    memo: entry.memo,
    source_type: entry.source_type,
    source_id: entry.source_id,
    idempotency_key: entry.idempotency_key,
    reverses_entry_id: entry.reverses_entry_id,
    reversed_by_entry_id: entry.reversed_by_entry_id,
    posted_at: entry.posted_at.toString(),
    posted_by: entry.posted_by,
    lines: entry.lines.map((line) => ({
      account_id: line.account_id,
      account_code: line.account_code,
      account_name: line.account_name,
      currency: line.currency,
      debit: formatAmountForApi(line.debit, line.currency),
      credit: formatAmountForApi(line.credit, line.currency),
    })),
  };
}

export interface AccountBalance {
  account: Account;
  as_of: string | null;
  debit: Decimal;
  credit: Decimal;
  balance: Decimal;
}

export function balanceJson(balance: AccountBalance) {
  const currency = balance.account.currency;
  return {
    object: "account_balance" as const,
    account_id: balance.account.id,
    code: balance.account.code,
    type: balance.account.type,
    normal_balance: normalSideOf(balance.account.type),
    currency,
    as_of: balance.as_of,
    debit: formatAmountForApi(balance.debit, currency),
    credit: formatAmountForApi(balance.credit, currency),
    balance: formatAmountForApi(balance.balance, currency),
  };
}

export function trialBalanceJson(trial: TrialBalance) {
  return {
    object: "trial_balance" as const,
    as_of: trial.as_of,
    accounts: trial.accounts.map((row) => ({
      account_id: row.account.id,
      code: row.account.code,
      name: row.account.name,
      type: row.account.type,
      currency: row.account.currency,
      debit: formatAmountForApi(row.debit, row.account.currency),
      credit: formatAmountForApi(row.credit, row.account.currency),
      balance: formatAmountForApi(row.balance, row.account.currency),
    })),
    totals: trial.totals.map((total) => ({
      currency: total.currency,
      debit: formatAmountForApi(total.debit, total.currency),
      credit: formatAmountForApi(total.credit, total.currency),
    })),
  };
}

export function periodLockJson(lock: PeriodLock) {
  return {
    id: lock.id,
    object: "period_lock" as const,
    action: lock.action,
    through: lock.through,
    closed_through: lock.closed_through,
    reopened_lock_id: lock.action === "reopen" ? lock.previous_lock_id : null,
    reason: lock.reason,
    created_by: lock.created_by,
    created_at: lock.created_at.toString(),
  };
}
