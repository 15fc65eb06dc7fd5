import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { ChargeScript } from "../src/usage/lua-engine.js";
import type { RatingContext, RatingEvent } from "../src/usage/lua-types.js";
import { report } from "./support.js";

/**
 * Lua rating throughput (`npm run bench -- lua-rating`): the reference 3PL
 * script (src/usage/reference/3pl.lua) with the default rate card over
 * generated events of the WMS mix, in batches for one customer, on one core
 * (Lua runs on the calling thread), with the sandbox limits on (the step
 * budget and the memory cap). Timed: marshalling the events
 * into Lua, the script, and reading every charge back with its amount
 * computed in decimal on the host. Generating the events is not timed.
 * Environment: BENCH_LUA_EVENTS (default 1,000,000), BENCH_LUA_BATCH (10,000), BENCH_LUA_REPEATS (3).
 */
const EVENTS = Number(process.env.BENCH_LUA_EVENTS ?? 1_000_000);
const BATCH = Number(process.env.BENCH_LUA_BATCH ?? 10_000);
const REPEATS = Number(process.env.BENCH_LUA_REPEATS ?? 3);

const reference = path.join(import.meta.dirname, "../src/usage/reference");
const source = readFileSync(path.join(reference, "3pl.lua"), "utf8");
const rateCard = JSON.parse(readFileSync(path.join(reference, "3pl-rate-card.json"), "utf8")) as Record<string, string>;

/** A seeded generator (mulberry32), so every run rates the same events. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
const between = (next: () => number, low: number, high: number) => low + Math.floor(next() * (high - low + 1));

/** The WMS mix (docs/benchmarks.md): 70% shipments, 10% receiving, 8% returns, 6% services, 5% snapshots, 1% projects. */
function generate(count: number): RatingEvent[] {
  const next = random(42);
  const start = Date.parse("2026-10-01T00:00:00Z");
  const events: RatingEvent[] = [];
  for (let i = 0; i < count; i++) {
    const roll = next();
    const timestamp = new Date(start + Math.floor((i / count) * 30 * 86_400_000)).toISOString();
    const base = { transaction_id: `wms-${i}`, customer: "acme-3pl", timestamp };
    const warehouse = pick(next, ["RNO1", "ATL2", "NJ3"]);
    if (roll < 0.7) {
      const lines = between(next, 1, 5);
      events.push({
        ...base,
        type: "order.shipped",
        properties: {
          warehouse,
          order_id: `SO-${i}`,
          lines,
          units: lines + between(next, 0, 6),
          weight_lb: Math.round(next() * 300) / 10,
          carrier: pick(next, ["UPS", "FedEx", "USPS", "DHL"]),
          service_level: pick(next, ["ground", "2day", "overnight"]),
          packaging: pick(next, ["poly_mailer", "small_box", "medium_box", "large_box"]),
          ship_cost: between(next, 450, 4800) / 100,
        },
      });
    } else if (roll < 0.8) {
      events.push({
        ...base,
        type: "inbound.received",
        properties: {
          warehouse,
          sku: `SKU-${between(next, 1, 5000)}`,
          cartons: between(next, 1, 40),
          pallets: between(next, 0, 6),
          units: between(next, 10, 900),
        },
      });
    } else if (roll < 0.88) {
      events.push({
        ...base,
        type: "return.processed",
        properties: {
          warehouse,
          order_id: `SO-${i - 500}`,
          units: between(next, 1, 4),
          condition: pick(next, ["resellable", "damaged", "refurbish"]),
        },
      });
    } else if (roll < 0.94) {
      events.push({
        ...base,
        type: "vas.performed",
        properties: {
          warehouse,
          service: pick(next, ["kitting", "labeling"]),
          units: between(next, 1, 200),
          minutes: between(next, 5, 240),
        },
      });
    } else if (roll < 0.99) {
      events.push({
        ...base,
        type: "inventory.snapshot",
        properties: {
          warehouse,
          storage_type: pick(next, ["ambient", "chilled", "frozen"]),
          pallets: between(next, 0, 400),
          bins: between(next, 0, 900),
          cubic_feet: Math.round(next() * 90000) / 10,
        },
      });
    } else {
      events.push({
        ...base,
        type: "project.hours",
        properties: {
          warehouse,
          hours: between(next, 1, 32) / 4,
          role: pick(next, ["associate", "supervisor", "engineer"]),
          description: "Relabel recalled lot",
        },
      });
    }
  }
  return events;
}

const context: RatingContext = {
  customer: "acme-3pl",
  currency: "USD",
  time_zone: "America/Los_Angeles",
  period_start: "2026-10-01T07:00:00Z",
  period_end: "2026-11-01T07:00:00Z",
};

const events = generate(EVENTS);
const batches: RatingEvent[][] = [];
for (let i = 0; i < events.length; i += BATCH) batches.push(events.slice(i, i + BATCH));

const script = await ChargeScript.compile(source);
const rates = script.loadRates(rateCard);

/** Every batch, on the calling thread. */
function rateAll(): { charges: number; unrated: number } {
  let charges = 0;
  let unrated = 0;
  for (const batch of batches) {
    const result = script.rate(batch, rates, context);
    charges += result.charges.length;
    unrated += result.unrated.length;
  }
  return { charges, unrated };
}

const runs: { seconds: number; cpuSeconds: number; charges: number; unrated: number }[] = [];
for (let repeat = 0; repeat < REPEATS + 1; repeat++) {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const { charges, unrated } = rateAll();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  // The first pass warms the JIT and the string caches; it is not counted.
  if (repeat > 0) runs.push({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, charges, unrated });
}
script.close();
const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
const median = sorted[Math.floor(sorted.length / 2)] ?? sorted[0];
if (median === undefined) throw new Error("no runs");
report({
  benchmark: "lua-rating",
  events: EVENTS,
  batch: BATCH,
  charges: median.charges,
  unrated: median.unrated,
  median_events_per_second: Math.round(EVENTS / median.seconds),
  best_events_per_second: Math.round(EVENTS / (sorted[0]?.seconds ?? median.seconds)),
  median_seconds: Number(median.seconds.toFixed(3)),
  // On a shared machine wall time includes waiting for a core; CPU time is what one core would need.
  median_events_per_cpu_second: Math.round(EVENTS / median.cpuSeconds),
  load_average: os.loadavg().map((load) => Number(load.toFixed(2))),
});
