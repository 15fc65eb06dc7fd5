import { priceFacts, priceQuantity, resolvedChargeModel } from "../catalog/index.js";
import { type Deps, memoize } from "../kernel/deps.js";
import { Decimal, formatAmountForApi } from "../kernel/money.js";
import type { BillingPeriod } from "../kernel/periods.js";
import {
  type SubscriptionLineJson,
  type SubscriptionTerms,
  subscriptionPeriod,
  subscriptionTerms,
  usageQuantitiesFor,
} from "../subscriptions/index.js";
import { findMeterRowByCode, type MeterRow } from "./meter-store.js";
import { meterQuantities } from "./meter-usage.js";
import { usageLineDescription } from "./rating-model.js";

/**
 * Usage for metered prices: the provider behind subscriptions'
 * usageQuantitiesFor. A metered price names its meter by code (the price's
 * `billable_metric`); its quantity for a period is the meter's total for the
 * customer over the period, rated by the price's own charge model (unit,
 * graduated, volume, package…) with the customer's override, rounded once.
 *
 * Usage is known only once a period is over, so a subscription billed in
 * advance carries the previous period's usage on each invoice (the first
 * invoice has none); one billed in arrears carries its own period's.
 */

/** The period whose usage an invoice for `period` bills, or undefined (the first period billed in advance). */
function usagePeriodOf(terms: SubscriptionTerms, period: BillingPeriod): BillingPeriod | undefined {
  if (terms.billing_timing === "in_arrears") return period;
  return period.index === 0 ? undefined : subscriptionPeriod(terms, period.index - 1);
}

function meterByCode(deps: Deps, code: string): Promise<MeterRow | undefined> {
  return memoize(deps, `meter_code:${code}`, () => findMeterRowByCode(deps.db, code));
}

/**
 * The metered lines of the invoice for `period`: one per metered price,
 * even at zero usage, so the review checklist's "metered without usage"
 * sees it. A price whose metric names no meter bills 0 and says so.
 */
export async function meteredLines(
  deps: Deps,
  subscription: string | SubscriptionTerms,
  period: BillingPeriod,
): Promise<SubscriptionLineJson[]> {
  // Terms in hand (a billing run's) spare a second read of the subscription on the run's hot path.
  const terms = typeof subscription === "string" ? await subscriptionTerms(deps, subscription) : subscription;
  if (!terms.phases.some((phase) => phase.items.some((item) => item.metered))) return [];
  const usagePeriod = usagePeriodOf(terms, period);
  if (usagePeriod === undefined) return [];
  const lines: SubscriptionLineJson[] = [];
  for (const request of usageQuantitiesFor(terms, usagePeriod)) {
    const code = (await priceFacts(deps, request.price_id)).billable_metric ?? "";
    const meter = await meterByCode(deps, code);
    const range = { start: request.period_start, end: request.period_end };
    const quantity =
      meter === undefined ? new Decimal(0) : (await meterQuantities(deps.db, meter, terms.customer_id, range)).total;
    const resolved = await resolvedChargeModel(deps, {
      price: request.price_id,
      customer: terms.customer_id,
      at: request.period_start,
      version: request.price_version_id,
      currency: terms.currency,
    });
    const rated = priceQuantity(resolved.charge_model, quantity, terms.currency);
    const unit = rated.unit_amount_effective ?? (quantity.isZero() && rated.amount.isZero() ? new Decimal(0) : null);
    const measured =
      meter === undefined ? `no meter with code ${code}: nothing measured` : `${meter.name}: ${quantity}`;
    const figures = {
      quantity: quantity.toString(),
      unit_price: unit === null ? null : unit.toString(),
      amount: formatAmountForApi(rated.amount, terms.currency),
      currency: terms.currency,
    };
    lines.push({
      description: usageLineDescription({ label: meter?.name ?? code, ...figures }),
      period_start: range.start.toString(),
      period_end: range.end.toString(),
      quantity: figures.quantity,
      unit_amount: figures.unit_price,
      amount: figures.amount,
      currency: terms.currency,
      price: request.price_id,
      price_version: request.price_version_id,
      proration: false,
      invoice_now: false,
      explanation: `${measured}; ${rated.explanation}`,
    });
  }
  return lines;
}
