import { recordAudit } from "../access/index.js";
import { customerDeps, getCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { inTransaction, lockKey, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { formatAmountForApi, parseCurrency, parseCurrencyAmount } from "../kernel/money.js";
import { emitEvent } from "../kernel/outbox.js";
import {
  chartAccountFor,
  customerCreditAccountFor,
  getAccountBalance,
  listAccounts,
  postEntry,
} from "../ledger/index.js";
import { dateIn } from "./views.js";

/**
 * A customer's credit balance: money we owe them, kept in their own ledger
 * account ("2300:cus_…", a liability) and nowhere else, so the balance is
 * always what the ledger says. Goodwill adjustments post to it; finalizing an
 * invoice spends it; credit notes credited to the balance add to it.
 */

const CREDIT_CODE_PREFIX = "2300:";

/**
 * Locks the customer's balance in a currency for the rest of the transaction,
 * then reads it: two finalizations of one customer cannot spend the same
 * credit, and an adjustment cannot take back credit an invoice is spending.
 */
export async function lockedCreditBalance(deps: Deps, tx: Tx, customerId: string, currency: string) {
  await lockKey(tx, "customer-credit", `${customerId}:${currency}`);
  const account = await customerCreditAccountFor(deps, tx, customerId, currency);
  const { balance } = await getAccountBalance(deps, account.id, undefined, tx);
  return { account_id: account.id, balance };
}

export interface CreditBalanceJson {
  object: "credit_balance";
  customer_id: string;
  currency: string;
  /** Positive: we owe the customer; it is applied to their next invoices. */
  balance: string;
  ledger_account_id: string;
}

/** The customer's credit balance per currency, from the ledger. */
export async function creditBalances(baseDeps: Deps, customerRef: string): Promise<{ data: CreditBalanceJson[] }> {
  // A customer on a test clock keeps its balance in the clock's own ledger book.
  const deps = await customerDeps(baseDeps, customerRef);
  const customer = await getCustomer(deps, customerRef);
  const accounts = await listAccounts(deps, { party_id: customer.id, code_prefix: CREDIT_CODE_PREFIX }, { limit: 100 });
  const data: CreditBalanceJson[] = [];
  for (const account of accounts.data) {
    const { balance } = await getAccountBalance(deps, account.id);
    data.push({
      object: "credit_balance",
      customer_id: customer.id,
      currency: account.currency,
      balance: formatAmountForApi(balance, account.currency),
      ledger_account_id: account.id,
    });
  }
  return { data: data.sort((a, b) => a.currency.localeCompare(b.currency)) };
}

export interface CreditAdjustmentInput {
  /** Positive grants credit, negative takes it back. */
  amount: string;
  currency: string;
  reason: string;
}

/**
 * A goodwill credit (or its reversal): Dr 4900 refunds (contra-revenue) /
 * Cr 2300:cus for a positive amount, the other way round for a negative one.
 * A negative adjustment may not take the balance below zero.
 */
export async function adjustCreditBalance(
  baseDeps: Deps,
  ctx: RequestContext,
  customerRef: string,
  input: CreditAdjustmentInput,
) {
  const deps = await customerDeps(baseDeps, customerRef);
  const currency = parseCurrency(input.currency, "currency");
  const amount = parseCurrencyAmount(input.amount, currency, "amount");
  if (amount.isZero()) throw new DomainError("invalid_amount", "an adjustment is not zero", { param: "amount" });
  const reason = input.reason.trim();
  if (reason === "") throw new DomainError("parameter_missing", "say why the balance changes", { param: "reason" });
  return inTransaction(deps.db, async (tx) => {
    const customer = await getCustomer(deps, customerRef, tx);
    const credit = await lockedCreditBalance(deps, tx, customer.id, currency);
    const after = credit.balance.plus(amount);
    if (after.isNegative()) {
      throw new DomainError(
        "credit_balance_insufficient",
        `the balance is ${formatAmountForApi(credit.balance, currency)} ${currency}; it cannot go below zero`,
        { param: "amount" },
      );
    }
    const refunds = await chartAccountFor(deps, tx, "refunds", currency);
    const id = newId("credit_balance_adjustment");
    const at = deps.clock.now();
    const size = amount.abs();
    const [debit, credited] = amount.isPositive() ? [refunds.id, credit.account_id] : [credit.account_id, refunds.id];
    const entry = await postEntry(
      deps,
      ctx,
      {
        source_type: "credit_balance_adjustment",
        source_id: id,
        idempotency_key: `credit_balance.adjusted:${id}`,
        effective_date: dateIn(at, customer.time_zone),
        memo: `Credit balance adjustment for ${customer.id}: ${reason}`,
        lines: [
          { account_id: debit, debit: size },
          { account_id: credited, credit: size },
        ],
      },
      tx,
    );
    const json = {
      object: "credit_balance_adjustment" as const,
      id,
      customer_id: customer.id,
      currency,
      amount: formatAmountForApi(amount, currency),
      reason,
      balance: formatAmountForApi(after, currency),
      ledger_entry_id: entry.id,
      created_at: at.toString(),
    };
    await emitEvent(tx, { type: "customer.credit_balance_adjusted", data: json }, at, ctx.request_id);
    await recordAudit(
      tx,
      ctx,
      { action: "customer.credit_balance_adjusted", object_type: "customer", object_id: customer.id, after: json },
      at,
    );
    return json;
  });
}
