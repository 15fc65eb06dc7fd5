import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { testApp } from "../../../test/support/app.js";
import { freshDatabase } from "../../../test/support/database.js";
import { createCustomer } from "../../customers/index.js";
import { systemContext } from "../../kernel/actor.js";
import { TestClock } from "../../kernel/clock.js";
import { ingestEvents } from "../../usage/index.js";

/** `accrue scripts backtest` as an analyst runs it: through bin/accrue.js. */
const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, "../../../bin/accrue.js");
const { db, url } = await freshDatabase();
const clock = new TestClock("2026-11-24T12:00:00Z");
const deps = { db, clock };
const ctx = systemContext("test", "req_test");
const { app, keyFor, auth } = await testApp({ db, clock });
const analyst = auth(await keyFor("billing_analyst"));
const approver = auth(await keyFor("approver"));

async function call(url: string, payload: object, headers = analyst) {
  const response = await app.inject({ method: "POST", url, headers, payload });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

async function accrue(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, DATABASE_URL: url },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const perLine = `
function charge(event, rates)
  return { code = "pick_line", quantity = event.lines, unit_price = rates.pick_line }
end`;

describe("accrue scripts backtest", () => {
  it("prints the difference and writes every row as CSV", async () => {
    const card = await call("/v1/rate_cards", {
      kind: "default",
      currency: "USD",
      rates: { pick_line: "0.30" },
      effective_from: "2026-01-01T00:00:00Z",
    });
    const cardApproval = await call(`/v1/rate_cards/${card.card.id}/versions/1/request_approval`, {});
    await call(`/v1/approvals/${cardApproval.approval.id}/approve`, {}, approver);
    const script = await call("/v1/scripts", { name: "3PL", is_default: true });
    const v1 = await call(`/v1/scripts/${script.id}/versions`, { source: perLine });
    const publish = await call(`/v1/scripts/${script.id}/versions/${v1.id}/publish`, {
      effective_from: "2026-09-01T00:00:00Z",
    });
    await call(`/v1/approvals/${publish.approval.id}/approve`, {}, approver);
    await call(`/v1/scripts/${script.id}/versions`, { source: perLine.replace("event.lines", "event.units") });
    await createCustomer(deps, ctx, { external_id: "ACME-3PL", legal_name: "Acme Logistics", currency: "USD" });
    const shipped = (transaction_id: string, lines: number, units: number) => ({
      transaction_id,
      customer: "ACME-3PL",
      type: "order.shipped",
      timestamp: "2026-10-03T10:00:00Z",
      properties: { lines, units },
    });
    await ingestEvents(deps, ctx, [shipped("a1", 2, 5), shipped("a2", 3, 3)], { source: "batch" });

    const csv = path.join(os.tmpdir(), `accrue-backtest-${process.pid}.csv`);
    const result = await accrue(
      "scripts",
      "backtest",
      "3PL",
      "--version",
      "2",
      "--from",
      "2026-10-01",
      "--to",
      "2026-11-01",
      "--csv",
      csv,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("1 customers, 2 events");
    expect(result.stdout).toContain("USD: 1.50 → 2.40 (0.90)"); // (2+3) lines vs (5+3) units × 0.30
    expect(result.stdout).toMatch(/ACME-3PL\s+pick_line\s+5\s+8\s+1\.50\s+2\.40\s+0\.90/);
    const lines = (await readFile(csv, "utf8")).trim().split("\r\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^cus_\w+,ACME-3PL,USD,pick_line,,5,1\.50,8,2\.40,3,0\.90$/);

    const missing = await accrue(
      "scripts",
      "backtest",
      "3PL",
      "--version",
      "9",
      "--from",
      "2026-10-01",
      "--to",
      "2026-11-01",
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("script_version_not_found");
  });
});
