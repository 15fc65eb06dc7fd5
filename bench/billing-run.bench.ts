import os from "node:os";
import { sql } from "kysely";
import { Temporal } from "temporal-polyfill";
import { createPlan, createPrice, createProduct } from "../src/catalog/index.js";
import { createCustomer } from "../src/customers/index.js";
import { finalizeDueDrafts, runBilling, updateReviewSettings } from "../src/invoicing/index.js";
import { systemContext } from "../src/kernel/actor.js";
import { TestClock } from "../src/kernel/clock.js";
import type { Deps } from "../src/kernel/deps.js";
import { trialBalance } from "../src/ledger/index.js";
import { changeItems, createSubscription } from "../src/subscriptions/index.js";
import { replicateCustomers } from "./billing-run-seed.js";
import { backendCpuSeconds, sampleBackendCpu } from "./pg-backend-cpu.js";
import { benchDatabase, report, startProfiler } from "./support.js";

/**
 * Billing-run throughput (`npm run bench -- billing-run`): N subscriptions
 * with 3 prices each (per-unit seats, a flat fee, graduated storage) on a mix
 * of monthly plans in two currencies, 10 % of them with a mid-period seat
 * change whose proration lines join the next invoice. A base set of
 * BENCH_BILLING_BASE customers is made through the services; the rest are
 * copies of it made in SQL (bench/billing-run-seed.ts). Then one billing run
 * as of the next period boundary creates an invoice per subscription; with
 * the customers' grace period 0, the run finalizes each clean one as it
 * writes it (number, ledger entry, outbox event, audit), and the
 * auto-finalize job that follows takes any it left as drafts. Reports
 * invoices per second end to end (run and job), who finalized how many, the
 * CPU of Node and of the database backends per invoice, and the peak resident
 * memory. Afterwards it checks the trial balance balances, every subscription
 * got exactly one invoice, and every invoice of the run was finalized.
 * Environment: BENCH_BILLING_SUBSCRIPTIONS (default 20,000; the target run is
 * 100,000), BENCH_BILLING_BASE (default 400).
 */
const SUBSCRIPTIONS = Number(process.env.BENCH_BILLING_SUBSCRIPTIONS ?? 20_000);
const BASE = Math.min(SUBSCRIPTIONS, Number(process.env.BENCH_BILLING_BASE ?? 400));

const database = await benchDatabase(20);
const clock = new TestClock("2026-01-01T00:00:00Z");
const deps: Deps = { db: database.db, clock };
const ctx = { ...systemContext("billing_bench", "req_billing_bench"), reason: "benchmark" };

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);

const effective_from = Temporal.Instant.from("2025-01-01T00:00:00Z");
const seats = await createProduct(deps, ctx, { name: "Seats" });
const support = await createProduct(deps, ctx, { name: "Support" });
const storage = await createProduct(deps, ctx, { name: "Storage" });
const catalogs: { currency: string; items: (n: number) => { price: string; quantity: string }[] }[] = [];
for (const [currency, seat, fee] of [
  ["USD", "29.00", "99.00"],
  ["EUR", "27.00", "90.00"],
] as const) {
  for (const name of ["Team", "Business"]) {
    const plan = await createPlan(deps, ctx, {
      name: `${name} ${currency}`,
      interval: { unit: "month", count: 1 },
      currency,
      billing_timing: "in_advance",
    });
    const price = async (product: string, charge_model: unknown) =>
      (await createPrice(deps, ctx, { product, plan: plan.id, charge_model, effective_from })).id;
    const seatPrice = await price(seats.id, { kind: "per_unit", unit_amount: seat });
    const feePrice = await price(support.id, { kind: "flat", amount: fee });
    const storagePrice = await price(storage.id, {
      kind: "graduated",
      tiers: [
        { up_to: "100", unit_amount: "0" },
        { up_to: null, unit_amount: "0.40" },
      ],
    });
    catalogs.push({
      currency,
      items: (n) => [
        { price: seatPrice, quantity: String(n) },
        { price: feePrice, quantity: "1" },
        { price: storagePrice, quantity: String(50 + n * 10) },
      ],
    });
  }
}

// Clean drafts finalize as soon as the auto-finalize job sees them.
await updateReviewSettings(deps, ctx, { auto_finalize_grace_hours: 0, deviation_percent_max: "1000" });
const seedStarted = performance.now();
const subscriptions: { id: string; customer: string; catalog: (typeof catalogs)[number]; seats: number }[] = [];
for (let i = 0; i < BASE; i++) {
  const catalog = catalogs[i % catalogs.length] as (typeof catalogs)[number];
  const customer = await createCustomer(deps, ctx, {
    legal_name: `Customer ${i}`,
    currency: catalog.currency,
    time_zone: i % 3 === 0 ? "America/New_York" : "Europe/Berlin",
    // A complete address, so the review checklist passes and the drafts finalize on their own.
    billing_address:
      i % 3 === 0
        ? { line1: "1 Main St", city: "New York", region: "NY", postal_code: "10001", country: "US" }
        : { line1: "Unter den Linden 1", city: "Berlin", postal_code: "10117", country: "DE" },
  });
  const seatsHeld = 3 + (i % 20);
  // Midnight of January 1 where the customer is: 00:00 UTC would be New Year's Eve in New York, and
  // those subscriptions would bill a five-hour stub period before January (period indexes one ahead).
  const start_at = Temporal.PlainDateTime.from("2026-01-01T00:00").toZonedDateTime(customer.time_zone).toInstant();
  const subscription = await createSubscription(deps, ctx, {
    customer: customer.id,
    items: catalog.items(seatsHeld),
    start_at,
    billing_anchor: { kind: "day_of_month", day: 1 },
  });
  subscriptions.push({ id: subscription.id, customer: customer.id, catalog, seats: seatsHeld });
}
// The first period (January) is billed before the clock moves, so the measured run bills February alone.
clock.set("2026-01-02T00:00:00Z");
await runBilling(deps, ctx, { as_of: clock.now() });
await finalizeDueDrafts(deps, ctx, { asOf: clock.now() });
// A January draft left behind would be finalized by the measured job and counted with February's.
const seedDrafts = await sql<{ n: number }>`select count(*)::int as n from invoices where status = 'draft'`.execute(
  database.db,
);
if (seedDrafts.rows[0]?.n !== 0) throw new Error(`the seed left ${seedDrafts.rows[0]?.n} January drafts`);
clock.set("2026-01-15T12:00:00Z");
for (const [i, held] of subscriptions.entries()) {
  if (i % 10 === 0) {
    await changeItems(deps, ctx, held.id, {
      items: held.catalog.items(held.seats + 5),
      proration_behavior: "create_prorations",
    });
  }
}
await replicateCustomers(
  database.db,
  subscriptions.map((held) => held.customer),
  SUBSCRIPTIONS,
);
await sql`analyze`.execute(database.db);
const seedSeconds = (performance.now() - seedStarted) / 1000;

clock.set("2026-02-03T00:00:00Z");
const profiler = await startProfiler(process.env.BENCH_CPU_PROFILE);
const cpuStarted = process.cpuUsage();
const pgStarted = await sampleBackendCpu(database.db);
const runStarted = performance.now();
const run = await runBilling(deps, ctx, { as_of: clock.now() });
const runSeconds = (performance.now() - runStarted) / 1000;
const runCpu = process.cpuUsage(cpuStarted);
const pgAfterRun = await sampleBackendCpu(database.db);
const finalizeStarted = performance.now();
const { finalized, held } = await finalizeDueDrafts(deps, ctx, { asOf: clock.now() });
const finalizeSeconds = (performance.now() - finalizeStarted) / 1000;
const cpu = process.cpuUsage(cpuStarted);
const pgAfterFinalize = await sampleBackendCpu(database.db);
await profiler.stop();
clearInterval(sampler);

// Every invoice the run created, and nothing else, was finalized: by the run as it wrote them, or by the job.
const runAt = clock.now().toString();
const fromRun = await sql<{ created: number; finalized: number; drafts: number; others: number }>`
  select count(*) filter (where created_at = ${runAt}::timestamptz)::int as created,
         count(*) filter (where created_at = ${runAt}::timestamptz and status = 'open')::int as finalized,
         count(*) filter (where status = 'draft')::int as drafts,
         count(*) filter (where created_at <> ${runAt}::timestamptz and id = any(${finalized}::text[]))::int as others
    from invoices`.execute(database.db);
const finalizedCount = fromRun.rows[0]?.finalized ?? 0;
const balance = await trialBalance(deps);
const balanced = balance.totals.every((total) => total.debit.eq(total.credit));
report({
  benchmark: "billing run: one invoice per subscription period, finalized (number, ledger entry, outbox)",
  server: database.server,
  subscriptions: SUBSCRIPTIONS,
  seed_seconds: Number(seedSeconds.toFixed(1)),
  invoices_created: run.invoices_created,
  failed: run.failed,
  run_seconds: Number(runSeconds.toFixed(2)),
  run_invoices_per_s: Math.round(run.invoices_created / runSeconds),
  // The run finalizes what is due as it writes (billing-run-finalize.ts); the job takes what the run left as drafts.
  finalized_by_run: run.invoices_finalized,
  finalized_by_job: finalized.length,
  job_seconds: Number(finalizeSeconds.toFixed(2)),
  end_to_end_invoices_per_s: Math.round(finalizedCount / (runSeconds + finalizeSeconds)),
  peak_rss_mib: Math.round(peakRss / 1024 / 1024),
  // Node's own CPU (user + system) over the run and the finalize job, per invoice finalized.
  node_cpu_ms_per_invoice: Number(((cpu.user + cpu.system) / 1000 / Math.max(1, finalizedCount)).toFixed(3)),
  // The same split by half, and the database backends' CPU (pg-backend-cpu.ts), per invoice.
  node_cpu_ms_per_invoice_run: Number(((runCpu.user + runCpu.system) / 1000 / Math.max(1, finalizedCount)).toFixed(3)),
  pg_cpu_ms_per_invoice_run: Number(
    ((backendCpuSeconds(pgStarted, pgAfterRun) * 1000) / Math.max(1, finalizedCount)).toFixed(3),
  ),
  pg_cpu_ms_per_invoice_job: Number(
    ((backendCpuSeconds(pgAfterRun, pgAfterFinalize) * 1000) / Math.max(1, finalizedCount)).toFixed(3),
  ),
  load_average: os.loadavg().map((load) => Number(load.toFixed(2))),
  trial_balance_balanced: balanced,
  one_invoice_each: run.invoices_created === SUBSCRIPTIONS,
  finalized: finalizedCount,
  held: held.length,
  all_finalized:
    run.invoices_finalized + finalized.length === run.invoices_created &&
    fromRun.rows[0]?.created === run.invoices_created &&
    finalizedCount === run.invoices_created &&
    fromRun.rows[0]?.drafts === 0 &&
    fromRun.rows[0]?.others === 0 &&
    held.length === 0,
});
await database.close();
