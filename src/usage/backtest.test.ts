import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { createCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import type { BacktestJson } from "./backtest-service.js";
import { ingestEvents } from "./ingest-service.js";

type Row = BacktestJson["rows"]["data"][number];

/**
 * A published script charges pick_line per order line; a draft charges it
 * per unit. Backtesting the draft over October shows exactly that change
 * for each customer (and the monthly minimum's top-up moving with it).
 */

const { db } = await freshDatabase();
const clock = new TestClock("2026-11-24T12:00:00Z");
const deps = { db, clock };
const { app, keyFor, auth } = await testApp({ db, clock });
const analyst = auth(await keyFor("billing_analyst"));
const approver = auth(await keyFor("approver"));
const ana: RequestContext = {
  actor: { type: "user", id: "usr_ana", role: "billing_analyst", display_name: "Ana Ruiz" },
  request_id: "req_test",
};

async function call(method: "GET" | "POST", url: string, payload?: object, headers = analyst) {
  const response = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  const isJson = (response.headers["content-type"] ?? "").toString().includes("json");
  return { status: response.statusCode, body: isJson ? response.json() : response.body, headers: response.headers };
}

const perLine = `
function charge(event, rates)
  if event.type ~= "order.shipped" then return nil end
  return {
    { code = "order_fee", quantity = 1, unit_price = rates.order_fee },
    { code = "pick_line", quantity = event.lines, unit_price = rates.pick_line,
      dimensions = { warehouse = event.warehouse } },
  }
end

function finalize(period, rates)
  return { code = "monthly_minimum", quantity = 1, unit_price = rates.monthly_minimum, minimum = true }
end`;
const perUnit = perLine.replace("quantity = event.lines", "quantity = event.units");
// Line 3 of this source raises for the order with three lines.
const failing = perLine.replace(
  'if event.type ~= "order.shipped" then return nil end',
  'if event.type ~= "order.shipped" then return nil end\n  if event.lines == 3 then error("three lines") end',
);

const acme = await createCustomer(deps, ana, {
  external_id: "ACME-3PL",
  legal_name: "Acme Logistics",
  currency: "USD",
});
const globex = await createCustomer(deps, ana, { legal_name: "Globex", currency: "USD" });
const initech = await createCustomer(deps, ana, { legal_name: "Initech", currency: "USD" });

const order = (
  customer: string,
  transaction_id: string,
  timestamp: string,
  lines: number,
  units: number,
  warehouse: string,
) => ({
  transaction_id,
  customer,
  type: "order.shipped",
  timestamp,
  properties: { lines, units, warehouse },
});

async function approve(approval: string): Promise<void> {
  const decided = await call("POST", `/v1/approvals/${approval}/approve`, {}, approver);
  expect(decided.status, JSON.stringify(decided.body)).toBe(200);
}

let scriptId = "";
let draftId = "";
let backtestId = "";

describe("backtesting a charge-script version", () => {
  it("sets up a rate card, a published version, a draft and October's events", async () => {
    const card = await call("POST", "/v1/rate_cards", {
      kind: "default",
      currency: "USD",
      rates: { order_fee: "1.00", pick_line: "0.30", monthly_minimum: "5.00" },
      effective_from: "2026-01-01T00:00:00Z",
    });
    expect(card.status, JSON.stringify(card.body)).toBe(200);
    const asked = await call("POST", `/v1/rate_cards/${card.body.card.id}/versions/1/request_approval`);
    await approve(asked.body.approval.id);

    scriptId = (await call("POST", "/v1/scripts", { name: "3PL", is_default: true })).body.id;
    const published = await call("POST", `/v1/scripts/${scriptId}/versions`, { source: perLine });
    const publish = await call("POST", `/v1/scripts/${scriptId}/versions/${published.body.id}/publish`, {
      effective_from: "2026-09-01T00:00:00Z",
    });
    await approve(publish.body.approval.id);
    draftId = (await call("POST", `/v1/scripts/${scriptId}/versions`, { source: perUnit })).body.id;

    // Initech has a script of its own: the 3PL script does not rate it.
    const other = (await call("POST", "/v1/scripts", { name: "SaaS" })).body.id;
    await call("POST", `/v1/customers/${initech.id}/charge_script`, { script: other });

    const outcome = await ingestEvents(
      deps,
      ana,
      [
        order("ACME-3PL", "a1", "2026-10-03T10:00:00Z", 2, 5, "east"),
        order("ACME-3PL", "a2", "2026-10-10T10:00:00Z", 3, 3, "east"),
        order("ACME-3PL", "a3", "2026-10-20T10:00:00Z", 1, 4, "west"),
        {
          transaction_id: "a4",
          customer: "ACME-3PL",
          type: "inbound.received",
          timestamp: "2026-10-05T10:00:00Z",
          properties: { cartons: 4 },
        },
        order("ACME-3PL", "a5", "2026-11-02T10:00:00Z", 9, 9, "east"), // November: outside the period
        order(globex.id, "g1", "2026-10-12T08:00:00Z", 1, 6, "east"),
        order(initech.id, "i1", "2026-10-12T08:00:00Z", 1, 1, "east"),
      ],
      { source: "batch" },
    );
    expect(outcome.counts).toMatchObject({ accepted: 7 });
  });

  it("shows exactly the per-unit change per customer, code and warehouse", async () => {
    const refused = await call(
      "POST",
      `/v1/scripts/${scriptId}/versions/${draftId}/backtest`,
      { period_start: "2026-10-01T00:00:00Z", period_end: "2026-11-01T00:00:00Z" },
      approver,
    );
    expect(refused.status).toBe(403);
    const run = await call("POST", `/v1/scripts/${scriptId}/versions/${draftId}/backtest`, {
      period_start: "2026-10-01T00:00:00Z",
      period_end: "2026-11-01T00:00:00Z",
    });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    backtestId = run.body.id;
    const rows = run.body.rows.data.map((row: Row) => [
      row.customer === acme.id ? "acme" : "globex",
      row.code,
      row.dimensions.warehouse ?? "",
      row.before.quantity,
      row.before.amount,
      row.after.quantity,
      row.after.amount,
      row.difference.quantity,
      row.difference.amount,
    ]);
    const acmeRows = [
      // Acme's orders: a1 (2 lines, 5 units, east), a2 (3 lines, 3 units, east), a3 (1 line, 4 units, west).
      ["acme", "monthly_minimum", "", "1", "0.20", "1", "0.00", "0", "-0.20"], // 5.00 − 4.80 before; 6.60 ≥ 5.00 after
      ["acme", "order_fee", "", "3", "3.00", "3", "3.00", "0", "0.00"], // 3 orders × 1.00 either way
      ["acme", "pick_line", "east", "5", "1.50", "8", "2.40", "3", "0.90"], // (2+3) lines vs (5+3) units × 0.30
      ["acme", "pick_line", "west", "1", "0.30", "4", "1.20", "3", "0.90"], // 1 line vs 4 units × 0.30
    ];
    const globexRows = [
      // Globex's one order g1: 1 line, 6 units.
      ["globex", "monthly_minimum", "", "1", "3.70", "1", "2.20", "0", "-1.50"], // 5.00 − 1.30; 5.00 − 2.80
      ["globex", "order_fee", "", "1", "1.00", "1", "1.00", "0", "0.00"],
      ["globex", "pick_line", "east", "1", "0.30", "6", "1.80", "5", "1.50"], // 1 × 0.30 vs 6 × 0.30
    ];
    // Rows come ordered by customer id, then code and dimensions.
    expect(rows).toEqual(acme.id < globex.id ? [...acmeRows, ...globexRows] : [...globexRows, ...acmeRows]);
    expect(run.body.summary).toMatchObject({
      customers: 2, // Initech is rated by another script
      events: 5, // a1–a4 and g1; a5 is in November
      unrated_before: 0,
      unrated_after: 0,
      rows: 7,
      rows_changed: 5,
      // before 5.00 + 5.00 (both at the minimum); after 6.60 + 5.00
      totals: [{ currency: "USD", amount_before: "10.00", amount_after: "11.60", amount_difference: "1.60" }],
    });
    const audit = await sql<{ action: string }>`
      select action from audit_events where object_id = ${draftId} order by seq`.execute(db);
    expect(audit.rows.map((row) => row.action)).toContain("script_version.backtested");
  });

  it("pages the kept rows and exports every row as CSV", async () => {
    const page = await call("GET", `/v1/scripts/backtests/${backtestId}?limit=3`, undefined, approver);
    expect(page.status).toBe(200);
    expect(page.body.rows.data.map((row: { position: number }) => row.position)).toEqual([1, 2, 3]);
    expect(page.body.rows.has_more).toBe(true);
    const next = await call("GET", `/v1/scripts/backtests/${backtestId}?limit=3&starting_after=6`, undefined, approver);
    expect(next.body.rows).toMatchObject({ has_more: false, data: [{ position: 7 }] });

    const csv = await call("GET", `/v1/scripts/backtests/${backtestId}.csv`, undefined, approver);
    expect(csv.status).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    const lines = (csv.body as string).trim().split("\r\n");
    expect(lines[0]).toBe(
      "customer,customer_external_id,currency,code,dimensions,quantity_before,amount_before,quantity_after,amount_after,quantity_difference,amount_difference",
    );
    expect(lines).toHaveLength(8); // the header and 7 rows
    expect(lines).toContain(`${acme.id},ACME-3PL,USD,pick_line,warehouse=east,5,1.50,8,2.40,3,0.90`);
    expect(lines).toContain(`${globex.id},,USD,pick_line,warehouse=east,1,0.30,6,1.80,5,1.50`);
  });

  it("backtests one customer by external id; refuses a customer another script rates", async () => {
    const one = await call("POST", `/v1/scripts/${scriptId}/versions/${draftId}/backtest`, {
      period_start: "2026-10-01T00:00:00Z",
      period_end: "2026-11-01T00:00:00Z",
      customer: "ACME-3PL",
    });
    expect(one.body).toMatchObject({ customer: acme.id, summary: { customers: 1, events: 4, rows: 4 } });
    // The version keeps its last backtest only.
    expect((await call("GET", `/v1/scripts/backtests/${backtestId}`)).status).toBe(404);
    const other = await call("POST", `/v1/scripts/${scriptId}/versions/${draftId}/backtest`, {
      period_start: "2026-10-01T00:00:00Z",
      period_end: "2026-11-01T00:00:00Z",
      customer: initech.id,
    });
    expect(other.status).toBe(400);
    expect(other.body.error).toMatchObject({ code: "backtest_customer_not_rated", param: "customer" });
    const backwards = await call("POST", `/v1/scripts/${scriptId}/versions/${draftId}/backtest`, {
      period_start: "2026-11-01T00:00:00Z",
      period_end: "2026-10-01T00:00:00Z",
    });
    expect(backwards.body.error).toMatchObject({ code: "invalid_backtest_period", param: "period_end" });
  });

  it("lists the events a draft fails on, with the script's line", async () => {
    const draft = await call("POST", `/v1/scripts/${scriptId}/versions`, { source: failing });
    const run = await call("POST", `/v1/scripts/${scriptId}/versions/${draft.body.id}/backtest`, {
      period_start: "2026-10-01T00:00:00Z",
      period_end: "2026-11-01T00:00:00Z",
    });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(run.body.summary).toMatchObject({ unrated_before: 0, unrated_after: 1 });
    expect(run.body.errors).toEqual([
      {
        customer: acme.id,
        transaction_id: "a2",
        timestamp: "2026-10-10T10:00:00Z",
        before: null,
        after: { code: "script_runtime_error", message: expect.stringContaining("three lines"), line: 4, version: 3 },
      },
    ]);
    // a2 went unrated under the draft: its order fee and 3 lines are missing from Acme's rows.
    const fee = run.body.rows.data.find((row: Row) => row.customer === acme.id && row.code === "order_fee");
    expect(fee).toMatchObject({ before: { quantity: "3" }, after: { quantity: "2" }, difference: { amount: "-1.00" } });
  });

  it("rates each event with the version and rate card in force at its timestamp", async () => {
    // From October 15: a published version charging the order fee twice, and Acme's own card with pick_line at 0.40.
    const twice = await call("POST", `/v1/scripts/${scriptId}/versions`, {
      source: perLine.replace('code = "order_fee", quantity = 1', 'code = "order_fee", quantity = 2'),
    });
    const publish = await call("POST", `/v1/scripts/${scriptId}/versions/${twice.body.id}/publish`, {
      effective_from: "2026-10-15T00:00:00Z",
    });
    await approve(publish.body.approval.id);
    const rates = await call("POST", "/v1/rate_cards", {
      kind: "customer",
      customer: acme.id,
      rates: { pick_line: "0.40" },
      effective_from: "2026-10-15T00:00:00Z",
    });
    expect(rates.status, JSON.stringify(rates.body)).toBe(200);
    const asked = await call("POST", `/v1/rate_cards/${rates.body.card.id}/versions/1/request_approval`);
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);
    await approve(asked.body.approval.id);

    const run = await call("POST", `/v1/scripts/${scriptId}/versions/${draftId}/backtest`, {
      period_start: "2026-10-01T00:00:00Z",
      period_end: "2026-11-01T00:00:00Z",
      customer: acme.id,
    });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    const rows = run.body.rows.data.map((row: Row) => [
      row.code,
      row.dimensions.warehouse ?? "",
      row.before.quantity,
      row.before.amount,
      row.after.quantity,
      row.after.amount,
    ]);
    expect(rows).toEqual([
      // Before: 5.90 ≥ 5.00 at the period end; after: 7.00.
      ["monthly_minimum", "", "1", "0.00", "1", "0.00"],
      // a1, a2 by the first version (1 each), a3 on Oct 20 by the new one (2); the draft charges 1 each.
      ["order_fee", "", "4", "4.00", "3", "3.00"],
      // a1, a2 before Oct 15 at 0.30: (2+3) lines × 0.30 vs (5+3) units × 0.30.
      ["pick_line", "east", "5", "1.50", "8", "2.40"],
      // a3 after Oct 15 at 0.40: 1 line × 0.40 vs 4 units × 0.40.
      ["pick_line", "west", "1", "0.40", "4", "1.60"],
    ]);
  });
});
