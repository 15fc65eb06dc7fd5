import { Temporal } from "temporal-polyfill";
import { createPlan, createPrice, createProduct } from "../src/catalog/index.js";
import { createCustomer } from "../src/customers/index.js";
import { upcomingInvoice } from "../src/invoicing/index.js";
import { systemContext } from "../src/kernel/actor.js";
import { TestClock } from "../src/kernel/clock.js";
import type { Deps } from "../src/kernel/deps.js";
import { changeItems, createSubscription } from "../src/subscriptions/index.js";
import { benchDatabase, percentile, report } from "./support.js";

/**
 * Upcoming-invoice preview latency (`npm run bench -- upcoming`): a customer
 * with 10 subscriptions of 3 prices each (per-unit seats, a flat fee, graduated
 * storage), half of them with a pending seat change whose proration lines join
 * the next invoice. Each call answers "what will this customer's next invoice
 * be" from the database, writing nothing; sequential calls, so the figure is
 * one request's latency, not throughput. Target: p99 < 50 ms.
 * Environment: BENCH_UPCOMING_CALLS (default 1,000), BENCH_UPCOMING_SUBSCRIPTIONS (default 10).
 */
const CALLS = Number(process.env.BENCH_UPCOMING_CALLS ?? 1000);
const SUBSCRIPTIONS = Number(process.env.BENCH_UPCOMING_SUBSCRIPTIONS ?? 10);

const database = await benchDatabase(10);
const clock = new TestClock("2026-01-01T00:00:00Z");
const deps: Deps = { db: database.db, clock };
const ctx = { ...systemContext("upcoming_bench", "req_upcoming_bench"), reason: "benchmark" };

const effective_from = Temporal.Instant.from("2025-01-01T00:00:00Z");
const seats = await createProduct(deps, ctx, { name: "Seats" });
const support = await createProduct(deps, ctx, { name: "Support" });
const storage = await createProduct(deps, ctx, { name: "Storage" });
const plan = await createPlan(deps, ctx, {
  name: "Business",
  interval: { unit: "month", count: 1 },
  currency: "USD",
  billing_timing: "in_advance",
});
const price = async (product: string, charge_model: unknown) =>
  (await createPrice(deps, ctx, { product, plan: plan.id, charge_model, effective_from })).id;
const seat = await price(seats.id, { kind: "per_unit", unit_amount: "29.00" });
const flat = await price(support.id, { kind: "flat", amount: "99.00" });
const tiers = await price(storage.id, {
  kind: "graduated",
  tiers: [
    { up_to: "100", unit_amount: "0" },
    { up_to: "1000", unit_amount: "0.50" },
    { up_to: null, unit_amount: "0.35" },
  ],
});
const customer = await createCustomer(deps, ctx, {
  legal_name: "Juniper Freight Inc.",
  currency: "USD",
  time_zone: "America/Chicago",
});
const items = (count: number) => [
  { price: seat, quantity: String(count) },
  { price: flat, quantity: "1" },
  { price: tiers, quantity: "1450" },
];
const subscriptions: string[] = [];
for (let i = 0; i < SUBSCRIPTIONS; i++) {
  const created = await createSubscription(deps, ctx, {
    customer: customer.id,
    items: items(5 + i),
    start_at: Temporal.Instant.from(`2026-01-${String(1 + i).padStart(2, "0")}T00:00:00Z`),
  });
  subscriptions.push(created.id);
}
clock.set("2026-01-20T12:00:00Z");
for (const [i, id] of subscriptions.entries()) {
  if (i % 2 === 0) await changeItems(deps, ctx, id, { items: items(12 + i), proration_behavior: "create_prorations" });
}

for (let i = 0; i < 50; i++) await upcomingInvoice(deps, { customer: customer.id });
const latencies: number[] = [];
const started = performance.now();
let total = "";
for (let i = 0; i < CALLS; i++) {
  const t0 = performance.now();
  const next = await upcomingInvoice(deps, { customer: customer.id });
  latencies.push(performance.now() - t0);
  total = next.total;
}
const elapsed = performance.now() - started;
latencies.sort((a, b) => a - b);
report({
  benchmark: "upcoming invoice for a customer with 10 subscriptions × 3 prices",
  server: database.server,
  subscriptions: SUBSCRIPTIONS,
  calls: CALLS,
  next_invoice_total: total,
  p50_ms: Number(percentile(latencies, 50).toFixed(2)),
  p95_ms: Number(percentile(latencies, 95).toFixed(2)),
  p99_ms: Number(percentile(latencies, 99).toFixed(2)),
  max_ms: Number((latencies.at(-1) ?? 0).toFixed(2)),
  calls_per_s: Math.round(CALLS / (elapsed / 1000)),
});
await database.close();
