import os from "node:os";
import { sql } from "kysely";
import { Temporal } from "temporal-polyfill";
import { createCustomer } from "../src/customers/index.js";
import { systemContext } from "../src/kernel/actor.js";
import { TestClock } from "../src/kernel/clock.js";
import type { Deps } from "../src/kernel/deps.js";
import { createMeter, customerUsage } from "../src/usage/index.js";
import { benchDatabase, percentile, report } from "./support.js";

/**
 * Usage query latency (`npm run bench -- usage-query`): BENCH_USAGE_EVENTS
 * meter values (default 1,000,000; target 10,000,000) of a sum meter grouped
 * by service level, over BENCH_USAGE_CUSTOMERS customers (default 1,000) and
 * three months (August to October 2026), arriving in time order with the
 * customers interleaved, as a live activity log does; plus a daily pallet
 * snapshot per customer and warehouse for a time-weighted (pallet-days)
 * meter. Then BENCH_USAGE_CALLS (default 1,000) sequential calls of the
 * service behind `GET /v1/customers/{id}/usage` for a random customer and
 * month, per meter. Target: p99 < 50 ms with 10 million values stored.
 */
const VALUES = Number(process.env.BENCH_USAGE_EVENTS ?? 1_000_000);
const CUSTOMERS = Number(process.env.BENCH_USAGE_CUSTOMERS ?? 1_000);
const CALLS = Number(process.env.BENCH_USAGE_CALLS ?? 1_000);
const CHUNK = 1_000_000;
const START = "2026-08-01T00:00:00Z";
const MONTHS = ["2026-08-01T00:00:00Z", "2026-09-01T00:00:00Z", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"];
const SPAN_SECONDS = 92 * 86_400; // August 31 + September 30 + October 31 days

const database = await benchDatabase(4);
const deps: Deps = { db: database.db, clock: new TestClock("2026-11-24T00:00:00Z") };
const ctx = { ...systemContext("usage_query_bench", "req_usage_query_bench"), reason: "benchmark" };

const units = await createMeter(deps, ctx, {
  code: "units_shipped",
  name: "Units shipped",
  event_type: "order.shipped",
  aggregation: "sum",
  value_property: "units",
  group_by: ["service_level"],
});
const pallets = await createMeter(deps, ctx, {
  code: "pallet_days",
  name: "Pallet-days",
  event_type: "inventory.snapshot",
  aggregation: "time_weighted_sum",
  value_property: "pallets",
  group_by: ["warehouse"],
});
const customers: string[] = [];
for (let i = 0; i < CUSTOMERS; i++) {
  customers.push(
    (await createCustomer(deps, ctx, { legal_name: `Shipper ${i}`, currency: "USD", time_zone: "UTC" })).id,
  );
}
for (const month of MONTHS.slice(0, 3))
  await sql`select usage_meter_values_ensure_partition(${month}::timestamptz)`.execute(deps.db);

const fillStarted = performance.now();
// Set-based: one insert … select from generate_series per million values.
for (let first = 0; first < VALUES; first += CHUNK) {
  const last = Math.min(VALUES, first + CHUNK) - 1;
  await sql`
    insert into usage_meter_values (meter_id, customer_id, ts, value, group_key, unique_key, event_id)
    select ${units.id}, (${customers}::text[])[1 + (g * 7919) % ${CUSTOMERS}],
      ${START}::timestamptz + make_interval(secs => g::float8 * ${SPAN_SECONDS} / ${VALUES}),
      (1 + g % 20)::numeric,
      jsonb_build_object('service_level', (array['ground', '2day', 'overnight'])[1 + g % 3]),
      null, gen_random_uuid()
    from generate_series(${first}::bigint, ${last}::bigint) as g`.execute(deps.db);
  process.stdout.write(`  ${last + 1} values stored\n`);
}
await sql`
  insert into usage_meter_values (meter_id, customer_id, ts, value, group_key, unique_key, event_id)
  select ${pallets.id}, c, ${START}::timestamptz + make_interval(days => d), (10 + (d * 13 + w) % 40)::numeric,
    jsonb_build_object('warehouse', (array['DAL', 'RNO', 'ONT'])[1 + w]), null, gen_random_uuid()
  from unnest(${customers}::text[]) as c, generate_series(0, 91) as d, generate_series(0, 2) as w`.execute(deps.db);
// What autovacuum does to an insert-only table soon after a load: statistics, and the
// visibility map that lets a usage query read the index alone.
await sql`vacuum (analyze) usage_meter_values`.execute(deps.db);
const fillSeconds = (performance.now() - fillStarted) / 1000;
const size = await sql<{ size: string }>`
  select pg_size_pretty(sum(pg_total_relation_size(inhrelid))) as size
  from pg_inherits where inhparent = 'usage_meter_values'::regclass`.execute(deps.db);

let seed = 42;
const random = (n: number) => {
  // A fixed sequence, so two runs ask the same questions.
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed % n;
};

async function timeCalls(meter: string) {
  const ask = () => {
    const month = random(3);
    return customerUsage(deps, customers[random(CUSTOMERS)] as string, {
      meter,
      from: Temporal.Instant.from(MONTHS[month] as string),
      to: Temporal.Instant.from(MONTHS[month + 1] as string),
    });
  };
  for (let i = 0; i < 50; i++) await ask();
  const latencies: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    await ask();
    latencies.push(performance.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  const ms = (value: number) => Math.round(value * 100) / 100;
  return {
    p50_ms: ms(percentile(latencies, 50)),
    p95_ms: ms(percentile(latencies, 95)),
    p99_ms: ms(percentile(latencies, 99)),
  };
}

if (process.env.BENCH_USAGE_EXPLAIN === "1") {
  // The plan of one customer-month, to see where a call's time goes.
  const plan = await sql<{ "QUERY PLAN": string }>`
    explain (analyze, buffers)
    select group_key::text, coalesce(sum(value), 0), count(*) from usage_meter_values
    where meter_id = ${units.id} and customer_id = ${customers[0]}
      and ts >= '2026-09-01T00:00:00Z' and ts < '2026-10-01T00:00:00Z'
    group by grouping sets ((group_key), ())`.execute(deps.db);
  process.stdout.write(`${plan.rows.map((row) => row["QUERY PLAN"]).join("\n")}\n`);
}
const sum = await timeCalls("units_shipped");
const weighted = await timeCalls("pallet_days");
report({
  bench: "usage-query",
  server: database.server,
  values: VALUES,
  pallet_snapshots: CUSTOMERS * 92 * 3,
  customers: CUSTOMERS,
  fill_seconds: Math.round(fillSeconds),
  table_size: size.rows[0]?.size,
  calls: CALLS,
  sum_by_service_level: sum,
  pallet_days_by_warehouse: weighted,
  load_average: os.loadavg().map((value) => Math.round(value * 10) / 10),
});
await database.close();
