import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { createCustomer } from "../src/customers/index.js";
import { systemContext } from "../src/kernel/actor.js";
import { systemClock } from "../src/kernel/clock.js";
import { benchDatabase, report } from "./support.js";

/**
 * `accrue events import` on a large NDJSON file (BENCH_IMPORT_MB, default
 * 200; the target run is 2048): the CLI's resident memory sampled every
 * 100 ms, the import killed (SIGKILL) part way and run again, and the stored
 * rows checked against the counts known from generating the file.
 */
const MEGABYTES = Number(process.env.BENCH_IMPORT_MB ?? 200);
const KILL_AT = Number(process.env.BENCH_IMPORT_KILL_AT ?? 0.4);
const CUSTOMERS = 100;
const BIN = path.resolve(import.meta.dirname, "../bin/accrue.js");

const database = await benchDatabase(4);
const deps = { db: database.db, clock: systemClock };
const ctx = systemContext("bench", "req_bench");
const refs: string[] = [];
for (let n = 0; n < CUSTOMERS; n++) {
  const customer = await createCustomer(deps, ctx, {
    external_id: `WMS-${n}`,
    legal_name: `Bench ${n}`,
    currency: "USD",
  });
  refs.push(n % 2 === 0 ? customer.id : `WMS-${n}`);
}

const dir = await mkdtemp(path.join(os.tmpdir(), "accrue-import-bench-"));
const file = path.join(dir, "wms.ndjson");
const nowMs = systemClock.now().epochMilliseconds;
const TYPES = ["order.shipped", "inbound.received", "inventory.snapshot", "return.processed"];

/** Writes the file with backpressure; every 1,000th line is broken, every 997th repeats its predecessor. */
async function generate(): Promise<{ lines: number; accepted: number; duplicates: number; rejected: number }> {
  const out = createWriteStream(file, { highWaterMark: 1024 * 1024 });
  const target = MEGABYTES * 1024 * 1024;
  const counts = { lines: 0, accepted: 0, duplicates: 0, rejected: 0 };
  let written = 0;
  let chunk = "";
  while (written < target) {
    const n = ++counts.lines;
    let line: string;
    if (n % 1000 === 0) {
      line = `{"transaction_id":"broken-${n}",`;
      counts.rejected++;
    } else {
      const repeat = n % 997 === 0 && (n - 1) % 1000 !== 0;
      const id = repeat ? n - 1 : n;
      if (repeat) counts.duplicates++;
      else counts.accepted++;
      const ts = new Date(nowMs - (id % 1440) * 3_600_000 - 60_000).toISOString();
      line = `{"transaction_id":"imp-${id}","customer":"${refs[id % CUSTOMERS]}","type":"${TYPES[id % 4]}","timestamp":"${ts}","properties":{"order_id":"SO-${id}","lines":${id % 9},"units":${id % 23},"weight_lb":"${(id % 700) / 10}","carrier":"UPS","service_level":"ground","packaging":"box-m","ship_cost":"${(id % 5000) / 100}"}}`;
    }
    chunk += `${line}\n`;
    if (chunk.length > 1024 * 1024) {
      written += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      chunk = "";
    }
  }
  out.end(chunk);
  await new Promise<void>((resolve) => out.once("finish", () => resolve()));
  return counts;
}

async function rssMegabytes(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

async function committedOffset(): Promise<number> {
  const result = await sql<{ byte_offset: string }>`
    select byte_offset from usage_imports where file_name = ${file} and status = 'running'`.execute(database.db);
  return Number(result.rows[0]?.byte_offset ?? 0);
}

/** Runs the CLI; with `killAtBytes` it is SIGKILLed once that much of the file is committed. */
async function runImport(killAtBytes?: number): Promise<{ seconds: number; rss_max_mb: number; killed: boolean }> {
  const began = performance.now();
  const child = spawn(process.execPath, [BIN, "events", "import", file], {
    env: { ...process.env, DATABASE_URL: database.connectionString },
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  let rss = 0;
  let killed = false;
  let done = false;
  void exited.then(() => {
    done = true;
  });
  while (!done) {
    rss = Math.max(rss, await rssMegabytes(child.pid as number));
    if (killAtBytes !== undefined && !killed && (await committedOffset()) >= killAtBytes) {
      child.kill("SIGKILL");
      killed = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await exited;
  return { seconds: (performance.now() - began) / 1000, rss_max_mb: Math.round(rss), killed };
}

const expected = await generate();
const size = (await stat(file)).size;
const first = await runImport(size * KILL_AT);
const killedAt = await committedOffset();
const second = await runImport();
const stored = await sql<{ n: string }>`select count(*) as n from usage_events`.execute(database.db);
const row = await sql<{ accepted: string; duplicates: string; rejected: string; line_number: string; status: string }>`
  select accepted, duplicates, rejected, line_number, status from usage_imports where file_name = ${file}`.execute(
  database.db,
);
const progress = row.rows[0];
report({
  benchmark: "events_import_cli",
  server: database.server,
  file_mb: Math.round(size / 1024 / 1024),
  lines: expected.lines,
  killed_after_mb: Math.round(killedAt / 1024 / 1024),
  first_run: first,
  second_run: second,
  events_per_s: Math.round(expected.lines / (first.seconds + second.seconds)),
  expected,
  stored_events: Number(stored.rows[0]?.n),
  import_row: progress,
  exact:
    Number(stored.rows[0]?.n) === expected.accepted &&
    Number(progress?.accepted) === expected.accepted &&
    Number(progress?.duplicates) === expected.duplicates &&
    Number(progress?.rejected) === expected.rejected &&
    progress?.status === "completed",
  load: os.loadavg().map((value) => Number(value.toFixed(2))),
});
await rm(dir, { recursive: true, force: true });
await database.close();
