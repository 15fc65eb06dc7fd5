import { Temporal } from "temporal-polyfill";
import { type Deps, memoize } from "../kernel/deps.js";
import { Decimal, formatAmountForApi, roundToMinor } from "../kernel/money.js";
import type { BillingPeriod } from "../kernel/periods.js";
import {
  activeShare,
  isPeriodBilled,
  type PhaseItem,
  phaseAt,
  type SubscriptionTerms,
  subscriptionPeriod,
} from "./model.js";
import { type SeatChange, type SubscriptionLine, seatTrueUp } from "./proration.js";
import {
  type LoadedSubscription,
  lineJson,
  mustLoadSubscription,
  pricedItem,
  type SubscriptionLineJson,
} from "./service.js";

/**
 * What billing runs and invoicing call: the recurring lines of one period,
 * the seat true-up at a period's end, and the metered prices whose usage the
 * usage module supplies. The period list itself is model.ts's billablePeriods.
 */

async function recurringLine(
  deps: Deps,
  terms: SubscriptionTerms,
  period: BillingPeriod,
  item: PhaseItem,
): Promise<SubscriptionLine> {
  const priced = await pricedItem(deps, terms, item, period.start);
  const { currency } = terms;
  const share = terms.billing_timing === "in_arrears" ? activeShare(terms, period) : undefined;
  const partial = share !== undefined && !share.used.eq(share.whole);
  // Multiply before dividing, as proration does, and round once.
  const exact = partial ? priced.period_amount.times(share.used).div(share.whole) : priced.period_amount;
  const amount = roundToMinor(exact, currency);
  const shown = `${formatAmountForApi(amount, currency)} ${currency}`;
  return {
    // What is billed; its quantity and period are the line's own columns. A part of the period
    // says so: the amount is not quantity × unit price then (the explanation has the sum).
    description: partial ? `${item.description}, part of the period` : item.description,
    period_start: period.start,
    period_end: period.end,
    quantity: item.quantity,
    ...(priced.unit_amount ? { unit_amount: priced.unit_amount } : {}),
    amount,
    proration: false,
    explanation: partial
      ? `${priced.period_amount} × ${share.used} s live / ${share.whole} s = ${shown}`
      : `a whole period: ${shown}`,
  };
}

/** The subscription with its phases, items and pauses; read once per memo scope (a preview). */
export function loadedSubscription(deps: Pick<Deps, "db" | "memo">, id: string): Promise<LoadedSubscription> {
  return memoize(deps, `subscription:${id}`, () => mustLoadSubscription(deps.db, id));
}

function periodOf(loaded: LoadedSubscription, periodIndex: number): BillingPeriod {
  return subscriptionPeriod(loaded.terms, periodIndex);
}

/**
 * The recurring lines that pay for period `periodIndex`: the items in force
 * at the period's start, each rounded once. In advance a period is billed
 * whole (at its start); in arrears it bills the seconds it was live (not
 * paused, not ended). No lines during a trial (billing starts at its end), a
 * pause the rule skips, or after the end. Metered prices are left to usage.
 */
export async function periodCharges(
  deps: Deps,
  subscriptionId: string,
  periodIndex: number,
): Promise<SubscriptionLineJson[]> {
  const loaded = await loadedSubscription(deps, subscriptionId);
  return chargesOfPeriod(deps, loaded.terms, periodOf(loaded, periodIndex));
}

/** periodCharges for terms in hand: a change's preview asks it of the terms the change would leave. */
export async function chargesOfPeriod(
  deps: Deps,
  terms: SubscriptionTerms,
  period: BillingPeriod,
): Promise<SubscriptionLineJson[]> {
  if (!isPeriodBilled(terms, period)) return [];
  const items = phaseAt(terms, period.start).items.filter((item) => !item.metered);
  // Side by side: each item's price is its own few reads, and the lines keep the items' order.
  return Promise.all(
    items.map(async (item) => lineJson(await recurringLine(deps, terms, period, item), item, terms.currency, false)),
  );
}

/** The seats of an item held from each phase that starts inside the period (0 when the price was dropped). */
function seatChangesIn(terms: SubscriptionTerms, period: BillingPeriod, priceId: string): SeatChange[] {
  return terms.phases
    .filter(
      (phase) =>
        Temporal.Instant.compare(period.start, phase.starts_at) < 0 &&
        Temporal.Instant.compare(phase.starts_at, period.end) < 0,
    )
    .map((phase) => ({
      at: phase.starts_at,
      seats: phase.items.find((item) => item.price_id === priceId)?.quantity.toNumber() ?? 0,
    }));
}

/**
 * Seat true-up mode: at the end of period `periodIndex`, the rise from the
 * seats billed at its start to the most held during it, one line per item.
 * Empty when the subscription is not in true-up mode or no count rose.
 */
export async function seatTrueUpLines(
  deps: Deps,
  subscriptionId: string,
  periodIndex: number,
): Promise<SubscriptionLineJson[]> {
  const loaded = await loadedSubscription(deps, subscriptionId);
  if (!loaded.row.seat_true_up) return [];
  const { terms } = loaded;
  const period = periodOf(loaded, periodIndex);
  const lines: SubscriptionLineJson[] = [];
  for (const item of phaseAt(terms, period.start).items.filter((held) => !held.metered)) {
    const changes = seatChangesIn(terms, period, item.price_id);
    const counts = [item.quantity.toNumber(), ...changes.map((change) => change.seats)];
    const prices = new Map<number, Decimal>();
    for (const seats of new Set(counts)) {
      const priced = await pricedItem(deps, terms, { ...item, quantity: new Decimal(seats) }, period.start);
      prices.set(seats, priced.period_amount);
    }
    const result = seatTrueUp({
      period,
      seats_at_start: item.quantity.toNumber(),
      changes,
      description: item.description,
      currency: terms.currency,
      price_for_period: (seats) => prices.get(seats.toNumber()) ?? new Decimal(0),
    });
    if (result.line !== undefined) lines.push(lineJson(result.line, item, terms.currency, false));
  }
  return lines;
}

/** A metered price of a period, waiting for its quantity. */
export interface UsageRequest {
  price_id: string;
  price_version_id: string;
  period_start: Temporal.Instant;
  period_end: Temporal.Instant;
}

/**
 * Extension point for the usage module: the metered prices a subscription
 * carries in a period. This module knows nothing of usage, so it returns only
 * what to measure; the usage module sums the period's events per price and
 * rates them with the catalog. It never invents a quantity.
 */
export function usageQuantitiesFor(subscription: SubscriptionTerms, period: BillingPeriod): UsageRequest[] {
  return phaseAt(subscription, period.start)
    .items.filter((item) => item.metered)
    .map((item) => ({
      price_id: item.price_id,
      price_version_id: item.price_version_id,
      period_start: period.start,
      period_end: period.end,
    }));
}

/** The subscription as billing's pure functions take it (billablePeriods, usageQuantitiesFor). */
export async function subscriptionTerms(
  deps: Pick<Deps, "db" | "memo">,
  subscriptionId: string,
): Promise<SubscriptionTerms> {
  return (await loadedSubscription(deps, subscriptionId)).terms;
}
