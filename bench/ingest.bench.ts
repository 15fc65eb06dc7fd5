import { fork, type Serializable } from "node:child_process";
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { ensureBootstrapAdmin } from "../src/access/index.js";
import { buildApp } from "../src/api/index.js";
import { createCustomer } from "../src/customers/index.js";
import { systemContext } from "../src/kernel/actor.js";
import { systemClock } from "../src/kernel/clock.js";
import { newEventUuids } from "../src/usage/event-ids.js";
import { textArrayLiteral } from "../src/usage/event-store.js";
import { createMeter } from "../src/usage/index.js";
import { type ClientPhase, type ClientResult, type ClientSetup, closedLoop, eventJson } from "./ingest-client.js";
import { backendCpuSeconds, sampleBackendCpu } from "./pg-backend-cpu.js";
import { benchDatabase, percentile, report, startProfiler } from "./support.js";

/**
 * Durable usage ingestion through `POST /v1/events/batch`: a real server on
 * loopback, CONCURRENCY requests in flight, BATCH events each, dedup on (every
 * event goes through the keys table), fsync on. Then, in the same run and on
 * the same database server, the floor it is compared with: a raw
 * `INSERT … SELECT unnest(…) ON CONFLICT DO NOTHING` into a plain table with
 * a unique (customer_id, transaction_id) index, the same rows, batches and
 * concurrency. The load generator is a child process (bench/ingest-client.ts)
 * on the same 2-core machine, so it takes CPU from the server as a client
 * there would, but the CPU time measured here is the server's alone. CPU per
 * event is also measured for PostgreSQL's backends (bench/pg-backend-cpu.ts):
 * on a machine shared with other work it moves far less than events/s.
 * BENCH_INGEST_PROFILE=FILE writes a CPU profile of the server over the run.
 */
const TOTAL = Number(process.env.BENCH_INGEST_EVENTS ?? 500_000);
const BATCH = Number(process.env.BENCH_INGEST_BATCH ?? 5_000);
const CONCURRENCY = Number(process.env.BENCH_INGEST_CONCURRENCY ?? 3);
const CUSTOMERS = Number(process.env.BENCH_INGEST_CUSTOMERS ?? 500);
const POOL = Number(process.env.BENCH_INGEST_POOL ?? 6);
// 1: a meter on each event type, so every event also writes one meter value (the projection).
const METERS = process.env.BENCH_INGEST_METERS === "1";

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

if (METERS) {
  const meters = [
    {
      code: "units_shipped",
      event_type: "order.shipped",
      aggregation: "sum",
      value_property: "units",
      group_by: ["warehouse"],
    },
    { code: "receipts", event_type: "inbound.received", aggregation: "count", group_by: [] },
    {
      code: "cartons_returned",
      event_type: "return.processed",
      aggregation: "sum",
      value_property: "cartons",
      group_by: [],
    },
    { code: "vas_lines", event_type: "vas.performed", aggregation: "count", group_by: ["service_level"] },
  ] as const;
  for (const meter of meters) {
    await createMeter(
      deps,
      { ...ctx, reason: "benchmark" },
      { ...meter, name: meter.code, group_by: [...meter.group_by] },
    );
  }
}

const app = await buildApp({ ...deps, logger: process.env.BENCH_INGEST_LOG === "1" });
const address = await app.listen({ port: 0, host: "127.0.0.1" });
const nowMs = systemClock.now().epochMilliseconds;

const client = fork(path.join(import.meta.dirname, "ingest-client.ts"), [], {
  env: { ...process.env, BENCH_INGEST_CLIENT: "1" },
  // The client runs TypeScript like this process, without this process's profiler flags.
  execArgv: process.execArgv.filter((flag) => !flag.startsWith("--cpu-prof")),
});
let waiting: { resolve(answer: unknown): void; reject(error: Error): void } | undefined;
client.on("message", (answer) => waiting?.resolve(answer));
client.on("exit", (code) => waiting?.reject(new Error(`load generator exited with ${code}`)));
/** Sends the client one message and waits for its answer. */
function ask<T>(message: Serializable): Promise<T> {
  return new Promise((resolve, reject) => {
    waiting = { resolve: (answer) => resolve(answer as T), reject };
    client.send(message);
  });
}
const setup: ClientSetup = {
  address,
  secret,
  customers,
  now_ms: nowMs,
  batch: BATCH,
  concurrency: CONCURRENCY,
};
await ask(setup as unknown as Serializable);

const load = () => os.loadavg().map((value) => Number(value.toFixed(2)));
const cpuSeconds = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;
const perEvent = (seconds: number, events: number) => Number(((seconds / events) * 1e6).toFixed(1));

// Warm-up: the month partitions (one batch), then JIT and connections (a round of concurrent batches).
await ask<ClientResult>({ run: "warm", start: 0, total: BATCH } satisfies ClientPhase);
await ask<ClientResult>({ run: "warm", start: BATCH, total: BATCH * CONCURRENCY } satisfies ClientPhase);
const loadBefore = load();
const profiler = await startProfiler(process.env.BENCH_INGEST_PROFILE);
const pgBefore = await sampleBackendCpu(database.db);
const cpuBefore = process.cpuUsage();
const api = await ask<ClientResult>({ run: "run", start: 0, total: TOTAL } satisfies ClientPhase);
const serverCpu = cpuSeconds(process.cpuUsage(cpuBefore));
const pgCpu = backendCpuSeconds(pgBefore, await sampleBackendCpu(database.db));
await profiler.stop();
const stored = await sql<{
  n: string;
}>`select count(*) as n from usage_events where transaction_id like 'run-%'`.execute(database.db);
const meterValues = METERS
  ? await sql<{ n: string }>`select count(*) as n from usage_meter_values`.execute(database.db)
  : undefined;
const apiRate = TOTAL / api.seconds;
report({
  benchmark: "ingest_http_batch",
  server: database.server,
  events: TOTAL,
  batch: BATCH,
  concurrency: CONCURRENCY,
  pool: POOL,
  meters: METERS ? 4 : 0,
  seconds: Number(api.seconds.toFixed(1)),
  events_per_s: Math.round(apiRate),
  accepted: api.accepted,
  stored: Number(stored.rows[0]?.n),
  ...(meterValues === undefined ? {} : { meter_values: Number(meterValues.rows[0]?.n) }),
  // CPU time per event: the Accrue server process, PostgreSQL's backends for this database, the load generator.
  server_cpu_us_per_event: perEvent(serverCpu, TOTAL),
  pg_cpu_us_per_event: perEvent(pgCpu, TOTAL),
  client_cpu_us_per_event: perEvent(api.cpu_seconds, TOTAL),
  batch_p50_ms: Math.round(percentile(api.latencies, 50)),
  batch_p99_ms: Math.round(percentile(api.latencies, 99)),
  load_before: loadBefore,
  load_after: load(),
});

// Replay: the same events again, all duplicates, as when a log is sent twice.
const REPLAY = Math.min(TOTAL, 200_000);
const replayCpuBefore = process.cpuUsage();
const replay = await ask<ClientResult>({ run: "run", start: 0, total: REPLAY } satisfies ClientPhase);
report({
  benchmark: "ingest_http_batch_replay",
  events: REPLAY,
  events_per_s: Math.round(REPLAY / replay.seconds),
  accepted: replay.accepted,
  server_cpu_us_per_event: perEvent(cpuSeconds(process.cpuUsage(replayCpuBefore)), REPLAY),
});
client.send("exit");
await app.close();

// The floor: the same rows, straight into a plain table with the unique index.
await sql`create table bench_raw_events (
  id uuid primary key, customer_id text not null, transaction_id text not null, type text not null,
  ts timestamptz not null, properties jsonb not null, received_at timestamptz not null, source text not null,
  unique (customer_id, transaction_id))`.execute(database.db);
const RAW_TOTAL = TOTAL;
const rawPgBefore = await sampleBackendCpu(database.db);
const rawCpuBefore = process.cpuUsage();
const raw = await closedLoop(RAW_TOTAL, BATCH, CONCURRENCY, async (start, count) => {
  const rows = Array.from(
    { length: count },
    (_, i) => JSON.parse(eventJson(setup, start + i, "raw")) as Record<string, unknown>,
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
const rawCpu = cpuSeconds(process.cpuUsage(rawCpuBefore));
const rawPgCpu = backendCpuSeconds(rawPgBefore, await sampleBackendCpu(database.db));
report({
  benchmark: "ingest_raw_unnest_insert",
  events: RAW_TOTAL,
  batch: BATCH,
  concurrency: CONCURRENCY,
  seconds: Number(raw.seconds.toFixed(1)),
  rows_per_s: Math.round(rawRate),
  // The generator, parsing and array literals in this process; the database's backends.
  node_cpu_us_per_event: perEvent(rawCpu, RAW_TOTAL),
  pg_cpu_us_per_event: perEvent(rawPgCpu, RAW_TOTAL),
  ratio_http_to_raw: Number((apiRate / rawRate).toFixed(2)),
  // Database CPU per event, HTTP path over raw insert: what the design costs the database.
  pg_cpu_ratio_http_to_raw: Number((pgCpu / TOTAL / (rawPgCpu / RAW_TOTAL)).toFixed(2)),
  load_after: load(),
});
await database.close();
