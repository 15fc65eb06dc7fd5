import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { sql } from "kysely";
import { Temporal } from "temporal-polyfill";
import { afterAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../../test/support/database.js";
import { createCustomer } from "../../customers/index.js";
import { systemContext } from "../../kernel/actor.js";
import { TestClock } from "../../kernel/clock.js";

/** `accrue events import` as an operator runs it, killed part way and run again. */
const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, "../../../bin/accrue.js");
const { db, url } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-01-01T00:00:00Z") };
const env = { ...process.env, DATABASE_URL: url };
const dir = await mkdtemp(path.join(os.tmpdir(), "accrue-events-import-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

/**
 * A log of `lines` lines for one customer, with known trouble: every 997th
 * line is not JSON, every 1,009th names an unknown customer, and every 503rd
 * repeats the transaction id of the line before it. The CLI runs on the real
 * clock, so event times are a day before now.
 */
function writeLog(name: string, customer: string, lines: number, gzip: boolean) {
  const at = Temporal.Now.instant().subtract({ hours: 24 }).toString();
  const expected = { accepted: 0, duplicates: 0, rejected: 0 };
  const out: string[] = [];
  for (let n = 1; n <= lines; n++) {
    if (n % 997 === 0) {
      out.push(`{"transaction_id": "broken-${n}"`);
      expected.rejected++;
    } else if (n % 1009 === 0) {
      out.push(JSON.stringify({ transaction_id: `t-${n}`, customer: "NO-SUCH", type: "order.shipped", timestamp: at }));
      expected.rejected++;
    } else {
      const repeat = n % 503 === 0 && (n - 1) % 997 !== 0 && (n - 1) % 1009 !== 0;
      const id = repeat ? `t-${n - 1}` : `t-${n}`;
      out.push(
        JSON.stringify({
          transaction_id: id,
          customer,
          type: "order.shipped",
          timestamp: at,
          properties: { units: n % 5 },
        }),
      );
      if (repeat) expected.duplicates++;
      else expected.accepted++;
    }
  }
  const text = `${out.join("\n")}\n`;
  const file = path.join(dir, gzip ? `${name}.ndjson.gz` : `${name}.ndjson`);
  writeFileSync(file, gzip ? gzipSync(text) : text);
  return { file, expected };
}

async function committedLines(file: string): Promise<number> {
  const result = await sql<{ line_number: string }>`
    select line_number from usage_imports where file_name = ${file} and status = 'running'`.execute(db);
  return Number(result.rows[0]?.line_number ?? 0);
}

/** Starts the import and SIGKILLs it once some batches are committed, before the end. */
async function importAndKill(file: string, killAfterLines: number): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, [BIN, "events", "import", file, "--batch-size", "1000"], {
    env,
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  let committed = 0;
  for (let waited = 0; waited < 60_000; waited += 20) {
    committed = await committedLines(file);
    if (committed >= killAfterLines || child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill("SIGKILL");
  await exited;
  return committedLines(file);
}

describe("accrue events import", () => {
  for (const gzip of [false, true]) {
    it(`resumes a killed import of a ${gzip ? "gzipped" : "plain"} file with exact counts`, async () => {
      const customer = await createCustomer(deps, systemContext("test", "req_test"), {
        external_id: `WMS-${gzip ? "GZ" : "PLAIN"}`,
        legal_name: "Imported Co",
        currency: "USD",
      });
      const lines = 40_000;
      const { file, expected } = writeLog(gzip ? "gz" : "plain", customer.external_id as string, lines, gzip);
      const killedAt = await importAndKill(file, 5_000);
      expect(killedAt).toBeGreaterThanOrEqual(5_000);
      expect(killedAt).toBeLessThan(lines); // killed part way
      const second = await run(process.execPath, [BIN, "events", "import", file, "--batch-size", "1000"], {
        env,
        timeout: 120_000,
      });
      const { accepted, duplicates, rejected } = expected;
      expect(second.stdout).toContain(
        `${lines} lines: ${accepted} accepted, ${duplicates} duplicates, ${rejected} rejected`,
      );
      const stored = await sql<{
        n: string;
      }>`select count(*) as n from usage_events where customer_id = ${customer.id}`.execute(db);
      expect(Number(stored.rows[0]?.n)).toBe(accepted);
      const row = await sql<{ accepted: string; duplicates: string; rejected: string; status: string }>`
        select accepted, duplicates, rejected, status from usage_imports where file_name = ${file}`.execute(db);
      expect(row.rows).toEqual([
        { accepted: String(accepted), duplicates: String(duplicates), rejected: String(rejected), status: "completed" },
      ]);
      const rejects = readFileSync(path.join(dir, `${gzip ? "gz" : "plain"}.rejects.ndjson`), "utf8")
        .trim()
        .split("\n");
      expect(rejects).toHaveLength(rejected);
      expect(JSON.parse(rejects[0] as string)).toMatchObject({ line: 997, code: "event_line_not_json" });
      // A third run finds the file imported and changes nothing.
      const third = await run(process.execPath, [BIN, "events", "import", file], { env, timeout: 60_000 });
      expect(third.stdout).toContain("was already imported");
    }, 240_000);
  }
});
