import { recordAudit, recordAuditMany, verifyAuditChain } from "../src/access/index.js";
import { systemContext } from "../src/kernel/actor.js";
import { systemClock } from "../src/kernel/clock.js";
import { inTransaction } from "../src/kernel/db.js";
import type { Deps } from "../src/kernel/deps.js";
import { backendCpuSeconds, sampleBackendCpu } from "./pg-backend-cpu.js";
import { benchDatabase, report } from "./support.js";

/**
 * Audit log appends (`npx tsx bench/audit-append.bench.ts`):
 *
 * (a) batches of rows appended in one transaction through recordAuditMany (a
 *     billing run writes one row per invoice), with an invoice document of
 *     ~1.8 KB as `after`, and again with it as `before` too;
 * (b) single rows through recordAudit, one transaction each, one connection.
 *
 * Besides wall-clock time it reports CPU time per row, of the database
 * backends (pg-backend-cpu.ts) and of this process: on a machine shared with
 * other work, wall-clock figures follow the load and CPU time does not.
 * Afterwards it verifies every chain: a fast broken log is no result.
 * Environment: BENCH_AUDIT_SIZES (default "100,1000"), BENCH_AUDIT_ROWS (rows
 * per size, default 6000), BENCH_AUDIT_SINGLE (default 1000).
 */
const SIZES = (process.env.BENCH_AUDIT_SIZES ?? "100,1000").split(",").map(Number);
const ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? 6000);
const SINGLE = Number(process.env.BENCH_AUDIT_SINGLE ?? 1000);

const invoice = {
  object: "invoice",
  id: "inv_x",
  customer_id: "cus_x",
  currency: "USD",
  status: "open",
  number: "INV-2026-000001",
  lines: Array.from({ length: 4 }, (_, index) => ({
    id: `il_${index}`,
    description: "Seats (Team plan) × 5, 1 Feb 2026 – 1 Mar 2026",
    quantity: "5",
    unit_amount: "10.00",
    amount: "50.00",
    tax_amount: "10.00",
    period: { start: "2026-02-01T00:00:00Z", end: "2026-03-01T00:00:00Z" },
    proration: false,
    product_id: "prod_xxxxxxxxxxxx",
    source: { type: "subscription", id: "price_xxxxxxxxxxx" },
  })),
  addresses: { billing: { line1: "1 rue de Rivoli", city: "Paris", postal_code: "75001", country: "FR" } },
  seller: { name: "Accrue Demo Inc", address: { line1: "1 Market St", city: "San Francisco", country: "US" } },
  subtotal: "90.00",
  tax: "15.00",
  total: "105.00",
  tax_breakdown: [{ name: "TVA", percentage: "20", taxable_amount: "75.00", tax_amount: "15.00" }],
};

const database = await benchDatabase(4);
const deps: Deps = { db: database.db, clock: systemClock };
const ctx = systemContext("billing-run", "req_audit_bench");

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** CPU microseconds per item spent while `work` ran: the database backends' and this process's. */
async function cpuPer(items: number, work: () => Promise<void>) {
  const backends = await sampleBackendCpu(database.db);
  const client = process.cpuUsage();
  await work();
  const used = process.cpuUsage(client);
  const databaseSeconds = backendCpuSeconds(backends, await sampleBackendCpu(database.db));
  return {
    db_cpu_us_per_row: Math.round((databaseSeconds * 1e6) / items),
    node_cpu_us_per_row: Math.round((used.user + used.system) / items),
  };
}

for (const withBefore of [false, true]) {
  for (const size of SIZES) {
    const batches = Math.max(1, Math.round(ROWS / size));
    const durations: number[] = [];
    const cpu = await cpuPer(batches * size, async () => {
      for (let batch = 0; batch < batches; batch++) {
        const entries = Array.from({ length: size }, (_, index) => ({
          action: "invoice.finalized",
          object_type: "invoice",
          object_id: `inv_${batch}_${index}`,
          before: withBefore ? invoice : null,
          after: invoice,
        }));
        const started = performance.now();
        await inTransaction(database.db, (tx) => recordAuditMany(tx, ctx, entries, systemClock.now()));
        durations.push(performance.now() - started);
      }
    });
    const ms = median(durations);
    report({
      bench: "audit batch append",
      rows_per_batch: size,
      documents: withBefore ? "before and after" : "after",
      batches,
      median_ms_per_batch: Number(ms.toFixed(1)),
      median_us_per_row: Math.round((ms * 1000) / size),
      best_us_per_row: Math.round((Math.min(...durations) * 1000) / size),
      ...cpu,
    });
  }
}

const started = performance.now();
const singleCpu = await cpuPer(SINGLE, async () => {
  for (let index = 0; index < SINGLE; index++) {
    await recordAudit(
      database.db,
      ctx,
      { action: "invoice.updated", object_type: "invoice", object_id: `inv_s${index}`, after: invoice },
      systemClock.now(),
    );
  }
});
report({
  bench: "audit single append",
  appends: SINGLE,
  us_per_append: Math.round(((performance.now() - started) * 1000) / SINGLE),
  ...singleCpu,
});

const verification = await verifyAuditChain(deps);
report({ bench: "audit verify", ok: verification.ok, checked: verification.checked });
await database.close();
if (!verification.ok) process.exitCode = 1;
