import { Temporal } from "temporal-polyfill";
import { createPlan, createPrice, createProduct } from "../catalog/index.js";
import { createCustomer } from "../customers/index.js";
import { systemContext } from "../kernel/actor.js";
import type { Deps } from "../kernel/deps.js";

/** Fixtures shared by the subscriptions tests: a customer, a plan and its prices in a few lines. */

export const ctx = { ...systemContext("subscriptions-test", "req_subscriptions_test"), reason: "test" };

/** Local wall-clock time in a zone, as an instant. */
export function local(dateTime: string, timeZone: string): Temporal.Instant {
  return Temporal.PlainDateTime.from(dateTime).toZonedDateTime(timeZone).toInstant();
}

export async function customerIn(deps: Deps, time_zone: string, currency = "USD"): Promise<string> {
  return (await createCustomer(deps, ctx, { legal_name: `Customer in ${time_zone}`, currency, time_zone })).id;
}

export interface PlanFixture {
  plan: string;
  /** Per-unit prices by amount: `prices["10.00"]` is 10.00 a seat a period. */
  prices: Record<string, string>;
  metered: string;
}

/** A monthly plan with per-unit seat prices effective from 2020, and one metered price. */
export async function seatPlan(
  deps: Deps,
  options: { billing_timing?: "in_advance" | "in_arrears"; amounts?: string[]; trial_days?: number } = {},
): Promise<PlanFixture> {
  const product = await createProduct(deps, ctx, { name: "Seat" });
  const plan = await createPlan(deps, ctx, {
    name: "Team",
    interval: { unit: "month", count: 1 },
    currency: "USD",
    billing_timing: options.billing_timing ?? "in_advance",
    trial_days: options.trial_days ?? 0,
  });
  const effective_from = Temporal.Instant.from("2020-01-01T00:00:00Z");
  const prices: Record<string, string> = {};
  for (const amount of options.amounts ?? ["10.00"]) {
    const price = await createPrice(deps, ctx, {
      product: product.id,
      plan: plan.id,
      charge_model: { kind: "per_unit", unit_amount: amount },
      effective_from,
    });
    prices[amount] = price.id;
  }
  const api = await createProduct(deps, ctx, { name: "API calls" });
  const metered = await createPrice(deps, ctx, {
    product: api.id,
    plan: plan.id,
    charge_model: { kind: "per_unit", unit_amount: "0.001" },
    billable_metric: "api_calls",
    effective_from,
  });
  return { plan: plan.id, prices, metered: metered.id };
}
