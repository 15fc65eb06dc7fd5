import { getCustomer } from "../customers/index.js";
import type { Tx } from "../kernel/db.js";
import { type Deps, memoize } from "../kernel/deps.js";
import type { BillingPeriod } from "../kernel/periods.js";
import { type SubscriptionLineJson, type SubscriptionTerms, subscriptionPeriod } from "../subscriptions/index.js";
import type { PeriodKey } from "./charge-store.js";
import { usageLinesOf } from "./rating-invoice-lines.js";
import { ratePeriod } from "./rating-period.js";
import { lockPeriod, storeRating } from "./rating-service.js";
import { scriptForPeriod } from "./script-choice.js";

/**
 * Script-rated usage on subscription invoices: the lines for the usage
 * period an invoice bills (as for metered prices: in arrears the period
 * itself, in advance the period before), one per charge code and
 * dimensions, and the rating they come from.
 *
 * The charges are not written here. The billing run calls `store` inside the
 * transaction that writes the draft, just before the draft's lines (the
 * trigger of migration 0022 ties the charges to the lines as they are
 * inserted): the period's charges and its draft commit together or not at
 * all, so a draft that fails leaves no open charges behind. The fast path
 * rates a page of subscriptions first and stores every rating in the page's
 * one transaction, so this costs it a few statements per rated customer and
 * no extra round trip per page.
 */

export interface ScriptedUsage {
  lines: SubscriptionLineJson[];
  /**
   * Writes the rating as the period's current one (replacing its charges not
   * yet on an invoice) in the caller's transaction; null when nothing is rated.
   */
  store: ((tx: Tx) => Promise<void>) | null;
  /** The period locked and stored by `store`: callers storing many sort by it, so two transactions lock in one order. */
  period: PeriodKey | null;
}

const NOTHING: ScriptedUsage = { lines: [], store: null, period: null };

function usagePeriodOf(terms: SubscriptionTerms, period: BillingPeriod): BillingPeriod | undefined {
  if (terms.billing_timing === "in_arrears") return period;
  return period.index === 0 ? undefined : subscriptionPeriod(terms, period.index - 1);
}

/** The script-rated usage of the invoice for `period`; nothing when no script rates the customer's usage period. */
export async function scriptedUsage(
  deps: Deps,
  terms: SubscriptionTerms,
  period: BillingPeriod,
): Promise<ScriptedUsage> {
  const usagePeriod = usagePeriodOf(terms, period);
  if (usagePeriod === undefined) return NOTHING;
  const key: PeriodKey = {
    customer_id: terms.customer_id,
    period_start: new Date(usagePeriod.start.epochMilliseconds),
    period_end: new Date(usagePeriod.end.epochMilliseconds),
  };
  const chosen = await scriptForPeriod(deps, key);
  if (chosen.script === null) return NOTHING;
  const customer = await memoize(deps, `usage.customer:${terms.customer_id}`, () =>
    getCustomer(deps, terms.customer_id),
  );
  // Rated afresh each time: a script version or rate card approved since an earlier rating
  // (a preview's) must show, and rating is cheap next to writing the invoice.
  const rating = await ratePeriod(deps, { customer, script_id: chosen.script, period: key });
  const store = async (tx: Tx) => {
    await lockPeriod(tx, key);
    await storeRating(deps, tx, null, {
      period: key,
      currency: customer.currency,
      rating,
      cause: { reason: "billing" },
      replacing: [],
    });
  };
  // The lines are the rating's charges, which `store` makes the period's only open ones.
  return { lines: usageLinesOf(rating.charges, key, customer), store, period: key };
}
