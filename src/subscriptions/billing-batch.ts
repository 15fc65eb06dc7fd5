import { toDate } from "../kernel/clock.js";
import type { Executor, Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { rememberLoaded } from "./lifecycle.js";
import type { SubscriptionTerms } from "./model.js";
import { loadSubscriptions } from "./service.js";
import { setLastBilledPeriods, setProrationLinesInvoicedMany, subscriptionRowsAfter } from "./store.js";

/**
 * What a billing run reads and writes in bulk: a page of subscriptions with
 * their phases, items, pauses and pending prorations in a handful of
 * queries (kept in the caller's memo, so periodCharges and
 * pendingProrationLines then cost nothing), and the marks of what a chunk
 * of invoices billed, each one statement.
 */

export interface TermsPage {
  terms: SubscriptionTerms[];
  /** The last id read: the next page starts after it. Undefined when the page was empty. */
  last: string | undefined;
  has_more: boolean;
}

export async function subscriptionTermsPage(
  deps: Deps,
  page: { after?: string | undefined; limit: number; customer_id?: string | undefined },
): Promise<TermsPage> {
  const rows = await subscriptionRowsAfter(deps.db, page);
  const loaded = await loadSubscriptions(deps.db, rows);
  await rememberLoaded(deps, loaded);
  return {
    terms: loaded.map((subscription) => subscription.terms),
    last: rows.at(-1)?.id,
    has_more: rows.length === page.limit,
  };
}

/** markPeriodBilled for many subscriptions at once, inside the caller's transaction. */
export async function markPeriodsBilled(
  deps: Pick<Deps, "clock">,
  tx: Tx,
  billed: readonly { id: string; period_index: number }[],
): Promise<void> {
  await setLastBilledPeriods(tx, billed, toDate(deps.clock.now()));
}

/** markProrationLinesInvoiced for many invoices at once; returns how many lines were still pending. */
export function markProrationLinesInvoicedMany(
  tx: Executor,
  taken: readonly { line_id: string; invoice_id: string }[],
): Promise<number> {
  return setProrationLinesInvoicedMany(tx, taken);
}
