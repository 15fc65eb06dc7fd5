import { randomBytes } from "node:crypto";
import { ensureBootstrapAdmin } from "../src/access/index.js";
import { buildApp } from "../src/api/index.js";
import { systemClock } from "../src/kernel/clock.js";
import { benchDatabase, percentile, report } from "./support.js";

/**
 * API overhead: an authenticated, idempotent POST that writes one row
 * (a ledger account), sent open-loop at a fixed rate over loopback HTTP, so a
 * slow response cannot slow the sender down and hide itself. Reports p50/p99.
 */
const RATE_PER_SECOND = Number(process.env.BENCH_API_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 20);

const database = await benchDatabase(20);
const deps = { db: database.db, clock: systemClock };
const secret = `sk_bench_${randomBytes(24).toString("base64url")}`;
await ensureBootstrapAdmin(deps, { apiKeySecret: secret });
const app = await buildApp(deps);
const address = await app.listen({ port: 0, host: "127.0.0.1" });

async function send(index: number): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const response = await fetch(`${address}/v1/ledger/accounts`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${secret}`,
      "content-type": "application/json",
      "idempotency-key": `bench-${index}`,
    },
    body: JSON.stringify({
      code: `9${String(index).padStart(6, "0")}`,
      name: `Bench account ${index}`,
      type: "asset",
      currency: "USD",
    }),
  });
  await response.arrayBuffer();
  return { ms: performance.now() - started, status: response.status };
}

// Warm up connections and JIT.
for (let index = 0; index < 200; index++) await send(1_000_000 + index);

const total = RATE_PER_SECOND * SECONDS;
const interval = 1000 / RATE_PER_SECOND;
const pending: Promise<{ ms: number; status: number }>[] = [];
const begin = performance.now();
for (let index = 0; index < total; index++) {
  const due = begin + index * interval;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  pending.push(send(index));
}
const results = await Promise.all(pending);
const elapsed = (performance.now() - begin) / 1000;
const latencies = results.map((result) => result.ms).sort((a, b) => a - b);
const failures = results.filter((result) => result.status !== 200 && result.status !== 201).length;
report({
  benchmark: "api_idempotent_post",
  server: database.server,
  requests: total,
  target_rate_per_s: RATE_PER_SECOND,
  achieved_rate_per_s: Math.round(total / elapsed),
  p50_ms: Number(percentile(latencies, 50).toFixed(2)),
  p99_ms: Number(percentile(latencies, 99).toFixed(2)),
  max_ms: Number(percentile(latencies, 100).toFixed(2)),
  failures,
});
await app.close();
await database.close();
