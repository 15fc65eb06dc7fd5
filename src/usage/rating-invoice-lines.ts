import { Temporal } from "temporal-polyfill";
import type { Customer } from "../customers/index.js";
import type { SubscriptionLineJson } from "../subscriptions/index.js";
import type { PeriodKey } from "./charge-store.js";
import { type ChargeFigures, USAGE_SOURCE_PREFIX, usageLineFigures } from "./rating-model.js";

/** A period's open charges in the shape invoicing builds lines from. */

function dateIn(instant: Date, timeZone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(instant.getTime())
    .toZonedDateTimeISO(timeZone)
    .toPlainDate()
    .toString();
}

/** The period's open charges as invoice lines; each line's source id names its line key. */
export function usageLinesOf(
  charges: readonly ChargeFigures[],
  period: PeriodKey,
  customer: Pick<Customer, "currency" | "time_zone">,
): SubscriptionLineJson[] {
  const span = `${dateIn(period.period_start, customer.time_zone)} to ${dateIn(period.period_end, customer.time_zone)}`;
  return usageLineFigures(charges, customer.currency).map((line) => ({
    id: `${USAGE_SOURCE_PREFIX}${line.line_key}`,
    description: `${line.quantity} × ${line.label}, ${span}`,
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
