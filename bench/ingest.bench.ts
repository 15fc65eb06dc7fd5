import { randomBytes } from "node:crypto";
import os from "node:os";
import { sql } from "kysely";
import { ensureBootstrapAdmin } from "../src/access/index.js";
import { buildApp } from "../src/api/index.js";
import { createCustomer } from "../src/customers/index.js";
import { systemContext } from "../src/kernel/actor.js";
import { systemClock } from "../src/kernel/clock.js";
import { newEventUuids } from "../src/usage/event-ids.js";
import { textArrayLiteral } from "../src/usage/event-store.js";
import { benchDatabase, percentile, report } from "./support.js";

/**
 * Durable usage ingestion through `POST /v1/events/batch`: a real server on
 * loopback, CONCURRENCY requests in flight, BATCH events each, dedup on (every
 * event goes through the keys table), fsync on. Then, in the same run and on
 * the same database server, the floor it is compared with: a raw
 * `INSERT … SELECT unnest(…) ON CONFLICT DO NOTHING` into a plain table with
 * a unique (customer_id, transaction_id) index, the same rows, batches and
 * concurrency. The load generator runs in this process and takes CPU from
 * the server, as a client on the same 2-core machine would.
 */
const TOTAL = Number(process.env.BENCH_INGEST_EVENTS ?? 500_000);
const BATCH = Number(process.env.BENCH_INGEST_BATCH ?? 5_000);
const CONCURRENCY = Number(process.env.BENCH_INGEST_CONCURRENCY ?? 3);
const CUSTOMERS = Number(process.env.BENCH_INGEST_CUSTOMERS ?? 500);
const POOL = Number(process.env.BENCH_INGEST_POOL ?? 6);
const TYPES = ["order.shipped", "inbound.received", "return.processed", "vas.performed"];

const database = await benchDatabase(POOL);
const deps = { db: database.db, clock: systemClock };
const secret = `sk_bench_${randomBytes(24).toString("base64url")}`;
await ensureBootstrapAdmin(deps, { apiKeySecret: secret });

const ctx = systemContext("bench", "req_bench");
const customers: { id: string; external_id: string }[] = [];
for (let n = 0; n < CUSTOMERS; n += 10) {
  const created = await Promise.all(
    Array.from({ length: Math.min(10, CUSTOMERS - n) }, (_, i) =>
      createCustomer(deps, ctx, { external_id: `WMS-${n + i}`, legal_name: `Bench ${n + i}`, currency: "USD" }),
    ),
  );
  for (const customer of created) customers.push({ id: customer.id, external_id: customer.external_id as string });
}

const app = await buildApp(deps);
const address = await app.listen({ port: 0, host: "127.0.0.1" });
const nowMs = systemClock.now().epochMilliseconds;
const DAY = 86_400_000;

/** Event n: spread over 500 customers (half named by external id) and the last 60 days (three month partitions). */
function eventJson(n: number, run: string): string {
  const customer = customers[n % CUSTOMERS] as { id: string; external_id: string };
  const ref = n % 2 === 0 ? customer.id : customer.external_id;
  const ts = new Date(nowMs - (n % (60 * 24)) * (DAY / 24) - 1000).toISOString();
  return `{"transaction_id":"${run}-${n}","customer":"${ref}","type":"${TYPES[n % 4]}","timestamp":"${ts}","properties":{"units":${n % 17},"cartons":${n % 5},"warehouse":"W${n % 3}","service_level":"ground","weight_lb":"${(n % 400) / 10}"}}`;
}

async function sendBatch(start: number, count: number, run: string): Promise<{ ms: number; accepted: number }> {
  const parts = new Array<string>(count);
  for (let i = 0; i < count; i++) parts[i] = eventJson(start + i, run);
  const body = `{"events":[${parts.join(",")}]}`;
  const began = performance.now();
  const response = await fetch(`${address}/v1/events/batch`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body,
  });
  const result = (await response.json()) as { counts?: { accepted: number } };
  if (response.status !== 200 || result.counts === undefined)
    throw new Error(`batch failed: ${response.status} ${JSON.stringify(result).slice(0, 300)}`);
  return { ms: performance.now() - began, accepted: result.counts.accepted };
}

async function closedLoop(total: number, worker: (start: number, count: number) => Promise<number>) {
  let next = 0;
  const latencies: number[] = [];
  const began = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        const start = next;
        const count = Math.min(BATCH, total - start);
        next += count;
        latencies.push(await worker(start, count));
      }
    }),
  );
  return { seconds: (performance.now() - began) / 1000, latencies: latencies.sort((a, b) => a - b) };
}

const load = () => os.loadavg().map((value) => Number(value.toFixed(2)));

// Warm-up: JIT, connections, the month partitions (made once per process).
await sendBatch(0, BATCH, "warm");
const loadBefore = load();
const cpuBefore = process.cpuUsage();
let accepted = 0;
const api = await closedLoop(TOTAL, async (start, count) => {
  const result = await sendBatch(start, count, "run");
  accepted += result.accepted;
  return result.ms;
});
const stored = await sql<{
  n: string;
}>`select count(*) as n from usage_events where transaction_id like 'run-%'`.execute(database.db);
const apiRate = TOTAL / api.seconds;
const cpu = process.cpuUsage(cpuBefore);
const nodeCpuSeconds = (cpu.user + cpu.system) / 1e6;
report({
  benchmark: "ingest_http_batch",
  server: database.server,
  events: TOTAL,
  batch: BATCH,
  concurrency: CONCURRENCY,
  pool: POOL,
  seconds: Number(api.seconds.toFixed(1)),
  events_per_s: Math.round(apiRate),
  accepted,
  stored: Number(stored.rows[0]?.n),
  // Server and load generator together (one process): CPU time per event.
  node_cpu_us_per_event: Math.round((nodeCpuSeconds / TOTAL) * 1e6),
  batch_p50_ms: Math.round(percentile(api.latencies, 50)),
  batch_p99_ms: Math.round(percentile(api.latencies, 99)),
  load_before: loadBefore,
  load_after: load(),
});

// Replay: the same events again, all duplicates, as when a log is sent twice.
const REPLAY = Math.min(TOTAL, 200_000);
let replayAccepted = 0;
const replay = await closedLoop(REPLAY, async (start, count) => {
  const result = await sendBatch(start, count, "run");
  replayAccepted += result.accepted;
  return result.ms;
});
report({
  benchmark: "ingest_http_batch_replay",
  events: REPLAY,
  events_per_s: Math.round(REPLAY / replay.seconds),
  accepted: replayAccepted,
});
await app.close();

// The floor: the same rows, straight into a plain table with the unique index.
await sql`create table bench_raw_events (
  id uuid primary key, customer_id text not null, transaction_id text not null, type text not null,
  ts timestamptz not null, properties jsonb not null, received_at timestamptz not null, source text not null,
  unique (customer_id, transaction_id))`.execute(database.db);
const RAW_TOTAL = TOTAL;
const rawCpuBefore = process.cpuUsage();
const raw = await closedLoop(RAW_TOTAL, async (start, count) => {
  const rows = Array.from(
    { length: count },
    (_, i) => JSON.parse(eventJson(start + i, "raw")) as Record<string, unknown>,
  );
  const customerIds = rows.map((_, i) => (customers[(start + i) % CUSTOMERS] as { id: string }).id);
  const began = performance.now();
  await sql`
    insert into bench_raw_events (id, customer_id, transaction_id, type, ts, properties, received_at, source)
    select id, customer_id, transaction_id, type, ts, properties::jsonb, now(), 'batch'
    from unnest(${textArrayLiteral(newEventUuids(count, nowMs))}::uuid[], ${textArrayLiteral(customerIds)}::text[],
      ${textArrayLiteral(rows.map((r) => r.transaction_id as string))}::text[], ${textArrayLiteral(rows.map((r) => r.type as string))}::text[],
      ${textArrayLiteral(rows.map((r) => r.timestamp as string))}::timestamptz[],
      ${textArrayLiteral(rows.map((r) => JSON.stringify(r.properties)))}::text[]) as t(id, customer_id, transaction_id, type, ts, properties)
    on conflict do nothing`.execute(database.db);
  return performance.now() - began;
});
const rawRate = RAW_TOTAL / raw.seconds;
const rawCpu = process.cpuUsage(rawCpuBefore);
report({
  benchmark: "ingest_raw_unnest_insert",
  events: RAW_TOTAL,
  batch: BATCH,
  concurrency: CONCURRENCY,
  seconds: Number(raw.seconds.toFixed(1)),
  rows_per_s: Math.round(rawRate),
  node_cpu_us_per_event: Math.round(((rawCpu.user + rawCpu.system) / 1e6 / RAW_TOTAL) * 1e6),
  ratio_http_to_raw: Number((apiRate / rawRate).toFixed(2)),
  load_after: load(),
});
await database.close();
