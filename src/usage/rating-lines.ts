import { getCustomer } from "../customers/index.js";
import { inTransaction } from "../kernel/db.js";
import { type Deps, memoize } from "../kernel/deps.js";
import type { BillingPeriod } from "../kernel/periods.js";
import { type SubscriptionLineJson, type SubscriptionTerms, subscriptionPeriod } from "../subscriptions/index.js";
import { openCharges, type PeriodKey } from "./charge-store.js";
import { usageLinesOf } from "./rating-invoice-lines.js";
import { ratePeriod } from "./rating-period.js";
import { lockPeriod, storeRating } from "./rating-service.js";
import { anyScriptRates, findAssignment, findDefaultScript } from "./script-store.js";

/**
 * Script-rated usage on subscription invoices: the lines for the usage
 * period an invoice bills (as for metered prices: in arrears the period
 * itself, in advance the period before), one per charge code and
 * dimensions. The period is rated and stored first, replacing the charges
 * not yet on an invoice.
 */

function usagePeriodOf(terms: SubscriptionTerms, period: BillingPeriod): BillingPeriod | undefined {
  if (terms.billing_timing === "in_arrears") return period;
  return period.index === 0 ? undefined : subscriptionPeriod(terms, period.index - 1);
}

/** The script rating a customer: their assignment, else the default (read once per memo scope). */
async function scriptIdOf(deps: Deps, customer: string): Promise<string | undefined> {
  // Most books rate no usage by script: one look per memo scope (a billing run's page) settles it.
  if (!(await memoize(deps, "usage.any_script", () => anyScriptRates(deps.db)))) return undefined;
  const assignment = await findAssignment(deps.db, customer);
  if (assignment !== undefined) return assignment.script_id;
  const fallback = await memoize(deps, "usage.default_script", () => findDefaultScript(deps.db));
  return fallback?.id;
}

/** The script-rated usage lines of the invoice for `period`; none when no script rates the customer. */
export async function scriptedUsageLines(
  deps: Deps,
  terms: SubscriptionTerms,
  period: BillingPeriod,
  options: { store: boolean },
): Promise<SubscriptionLineJson[]> {
  const scriptId = await scriptIdOf(deps, terms.customer_id);
  if (scriptId === undefined) return [];
  const usagePeriod = usagePeriodOf(terms, period);
  if (usagePeriod === undefined) return [];
  const key: PeriodKey = {
    customer_id: terms.customer_id,
    period_start: new Date(usagePeriod.start.epochMilliseconds),
    period_end: new Date(usagePeriod.end.epochMilliseconds),
  };
  const customer = await memoize(deps, `usage.customer:${terms.customer_id}`, () =>
    getCustomer(deps, terms.customer_id),
  );
  // Rated afresh each time: a script version or rate card approved since an earlier rating
  // (a preview's) must show, and rating is cheap next to writing the invoice.
  const rating = await ratePeriod(deps, { customer, script_id: scriptId, period: key });
  // A preview (the upcoming invoice, a dry run) shows the rating and writes nothing.
  if (!options.store) return usageLinesOf(rating.charges, key, customer);
  await inTransaction(deps.db, async (tx) => {
    await lockPeriod(tx, key);
    await storeRating(deps, tx, null, {
      period: key,
      currency: customer.currency,
      rating,
      reason: "billing",
      replacing: [],
    });
  });
  return usageLinesOf(await openCharges(deps.db, key), key, customer);
}
