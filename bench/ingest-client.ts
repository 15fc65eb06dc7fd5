/**
 * The load generator of bench/ingest.bench.ts, in its own process so the
 * server's CPU time (process.cpuUsage in the benchmark) is the server's
 * alone. Told what to send over IPC; answers with the phase's figures.
 * Events are the same as the raw insert's: eventJson is shared.
 */

export interface ClientSetup {
  address: string;
  secret: string;
  customers: { id: string; external_id: string }[];
  now_ms: number;
  batch: number;
  concurrency: number;
}

export interface ClientPhase {
  run: string;
  start: number;
  total: number;
}

export interface ClientResult {
  seconds: number;
  latencies: number[];
  accepted: number;
  cpu_seconds: number;
}

const TYPES = ["order.shipped", "inbound.received", "return.processed", "vas.performed"];
const DAY = 86_400_000;

/** Event n: spread over the customers (half named by external id) and the last 60 days (three month partitions). */
export function eventJson(setup: Pick<ClientSetup, "customers" | "now_ms">, n: number, run: string): string {
  const count = setup.customers.length;
  const customer = setup.customers[n % count] as { id: string; external_id: string };
  const ref = n % 2 === 0 ? customer.id : customer.external_id;
  const ts = new Date(setup.now_ms - (n % (60 * 24)) * (DAY / 24) - 1000).toISOString();
  return `{"transaction_id":"${run}-${n}","customer":"${ref}","type":"${TYPES[n % 4]}","timestamp":"${ts}","properties":{"units":${n % 17},"cartons":${n % 5},"warehouse":"W${n % 3}","service_level":"ground","weight_lb":"${(n % 400) / 10}"}}`;
}

/** CONCURRENCY workers taking the next BATCH until TOTAL is sent; latencies sorted. */
export async function closedLoop(
  total: number,
  batch: number,
  concurrency: number,
  worker: (start: number, count: number) => Promise<number>,
): Promise<{ seconds: number; latencies: number[] }> {
  let next = 0;
  const latencies: number[] = [];
  const began = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const start = next;
        const count = Math.min(batch, total - start);
        next += count;
        latencies.push(await worker(start, count));
      }
    }),
  );
  return { seconds: (performance.now() - began) / 1000, latencies: latencies.sort((a, b) => a - b) };
}

async function sendBatch(setup: ClientSetup, start: number, count: number, run: string) {
  const parts = new Array<string>(count);
  for (let i = 0; i < count; i++) parts[i] = eventJson(setup, start + i, run);
  const body = `{"events":[${parts.join(",")}]}`;
  const began = performance.now();
  const response = await fetch(`${setup.address}/v1/events/batch`, {
    method: "POST",
    headers: { authorization: `Bearer ${setup.secret}`, "content-type": "application/json" },
    body,
  });
  const result = (await response.json()) as { counts?: { accepted: number } };
  if (response.status !== 200 || result.counts === undefined)
    throw new Error(`batch failed: ${response.status} ${JSON.stringify(result).slice(0, 300)}`);
  return { ms: performance.now() - began, accepted: result.counts.accepted };
}

async function runPhase(setup: ClientSetup, phase: ClientPhase): Promise<ClientResult> {
  const cpuBefore = process.cpuUsage();
  let accepted = 0;
  const loop = await closedLoop(phase.total, setup.batch, setup.concurrency, async (start, count) => {
    const result = await sendBatch(setup, phase.start + start, count, phase.run);
    accepted += result.accepted;
    return result.ms;
  });
  const cpu = process.cpuUsage(cpuBefore);
  return { ...loop, accepted, cpu_seconds: (cpu.user + cpu.system) / 1e6 };
}

// Run as a child of the benchmark: the first message is the setup, each next one a phase.
if (process.send !== undefined && process.env.BENCH_INGEST_CLIENT === "1") {
  let setup: ClientSetup | undefined;
  process.on("message", (message: ClientSetup | ClientPhase | "exit") => {
    if (message === "exit") process.exit(0);
    if (setup === undefined) {
      setup = message as ClientSetup;
      process.send?.("ready");
      return;
    }
    runPhase(setup, message as ClientPhase).then(
      (result) => process.send?.(result),
      (error: unknown) => {
        process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
        process.exit(1);
      },
    );
  });
}
