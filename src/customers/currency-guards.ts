import type { Tx } from "../kernel/db.js";

/**
 * A customer's currency is what its invoices, subscriptions and ledger
 * sub-accounts are in; once any of them exist, changing it would leave them
 * in a currency the customer no longer has. The modules that own those
 * records (on higher rows, which this module cannot see) register a guard
 * when they load; an update that changes the currency asks every guard.
 */
export type CurrencyGuard = (tx: Tx, customerId: string) => Promise<string | null>;

const guards = new Set<CurrencyGuard>();

/** Called once by each module that keeps records in a customer's currency, when it loads; returns the guard. */
export function registerCurrencyGuard(guard: CurrencyGuard): CurrencyGuard {
  guards.add(guard);
  return guard;
}

/** What holds the customer's currency, in words ("3 invoices"); empty when it is free to change. */
export async function currencyInUse(tx: Tx, customerId: string): Promise<string[]> {
  const reasons: string[] = [];
  for (const guard of guards) {
    const reason = await guard(tx, customerId);
    if (reason !== null) reasons.push(reason);
  }
  return reasons;
}
