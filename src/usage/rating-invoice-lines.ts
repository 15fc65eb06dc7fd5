import type { Customer } from "../customers/index.js";
import type { SubscriptionLineJson } from "../subscriptions/index.js";
import type { PeriodKey } from "./charge-store.js";
import { type ChargeFigures, USAGE_SOURCE_PREFIX, usageLineDescription, usageLineFigures } from "./rating-model.js";

/** A period's open charges in the shape invoicing builds lines from. */

/** The period's open charges as invoice lines; each line's source id names its line key. */
export function usageLinesOf(
  charges: readonly ChargeFigures[],
  period: PeriodKey,
  customer: Pick<Customer, "currency">,
): SubscriptionLineJson[] {
  return usageLineFigures(charges, customer.currency).map((line) => ({
    id: `${USAGE_SOURCE_PREFIX}${line.line_key}`,
    description: usageLineDescription({ ...line, currency: customer.currency }),
    period_start: period.period_start.toISOString(),
    period_end: period.period_end.toISOString(),
    quantity: line.quantity,
    unit_amount: line.unit_price,
    amount: line.amount,
    currency: customer.currency,
    price: "",
    price_version: "",
    proration: false,
    invoice_now: false,
    explanation: `${line.charges} usage charges rated by the customer's charge script`,
  }));
}
