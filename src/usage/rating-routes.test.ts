import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { createCustomer } from "../customers/index.js";
import { listInvoices, runBilling } from "../invoicing/index.js";
import { TestClock } from "../kernel/clock.js";
import { newId } from "../kernel/ids.js";
import { createSubscription } from "../subscriptions/index.js";
import { analyst, publishReference3pl, warehouseAccountPrice } from "./three-pl-test-support.js";

/** The HTTP side of rating: POST /v1/usage/rate, the explain view's data and the reconciliation report. */

const { db } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-09-20T00:00:00Z") };
const { app, keyFor, auth } = await testApp(deps);
const analystKey = auth(await keyFor("billing_analyst"));
const supportKey = auth(await keyFor("support_agent"));
async function call(method: "GET" | "POST", url: string, payload?: object, headers = analystKey) {
  const response = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() };
}

await publishReference3pl(deps, { is_default: true, effective_from: "2026-01-01T00:00:00Z" });
const customer = await createCustomer(deps, analyst, {
  legal_name: "Northwind Cold Storage",
  external_id: "wms-northwind",
  currency: "USD",
  time_zone: "UTC",
});
const fee = await warehouseAccountPrice(deps);
await createSubscription(deps, analyst, {
  customer: customer.id,
  items: [{ price: fee.id }],
  start_at: Temporal.Instant.from("2026-10-01T00:00:00Z"),
});
const october = { period_start: "2026-10-01T00:00:00Z", period_end: "2026-11-01T00:00:00Z" };

describe("usage rating over HTTP", () => {
  it("rates a period on request and reports the charges not invoiced yet", async () => {
    deps.clock.set("2026-10-20T00:00:00Z");
    const events = [
      {
        transaction_id: "rcv-1",
        customer: "wms-northwind",
        type: "inbound.received",
        timestamp: "2026-10-02T10:00:00Z",
        properties: { cartons: 10, pallets: 0 },
      },
      {
        transaction_id: "rcv-1",
        customer: "wms-northwind",
        type: "inbound.received",
        timestamp: "2026-10-02T10:00:00Z",
        properties: { cartons: 10, pallets: 0 },
      },
    ];
    const batch = await call("POST", "/v1/events/batch", { events });
    expect(batch.status).toBe(200);
    const rated = await call("POST", "/v1/usage/rate", { customer: "wms-northwind", ...october });
    expect(rated.status).toBe(200);
    // 10 cartons × 1.25 = 12.50; the minimum top-up: 1,500.00 − 12.50 = 1,487.50; 1,500.00 in all.
    expect(rated.body.data).toEqual([
      expect.objectContaining({
        customer: customer.id,
        events_rated: 1,
        events_unrated: 0,
        amount: "1500.00",
        draft_invoice: null,
      }),
    ]);
    const report = await call(
      "GET",
      `/v1/usage_reconciliations?customer=wms-northwind&period_start=${october.period_start}&period_end=${october.period_end}`,
    );
    expect(report.status).toBe(200);
    expect(report.body.data[0]).toMatchObject({
      events: { received: 2, stored: 1, rated: 1, unrated: 0, duplicates: 1 },
      amounts: { rated: "1500.00", not_invoiced: "1500.00" },
      differences: { charges_not_invoiced: { count: 2, amount: "1500.00" } },
      balanced: false,
    });
  });

  it("explains a billed line and refuses bad requests with the field named", async () => {
    deps.clock.set("2026-11-01T00:00:00Z");
    await runBilling(deps, analyst, { as_of: deps.clock.now(), customer: customer.id });
    const [invoice] = (await listInvoices(deps, { customer_id: customer.id }, { limit: 1 })).data;
    const line = invoice?.lines.find((l) => l.description === "Receiving, per carton" && l.quantity === "10");
    const explained = await call("GET", `/v1/invoice_lines/${line?.id}/explain`);
    expect(explained.status).toBe(200);
    expect(explained.body).toMatchObject({
      kind: "rated_usage",
      arithmetic: { charges: 1, sum_of_charges: "12.50", line_amount: "12.50", matches: true },
    });
    expect(explained.body.charges.data[0].event).toMatchObject({ transaction_id: "rcv-1", type: "inbound.received" });
    // One group: 10 cartons × 1.25 = 12.50, the line's amount.
    expect(explained.body.charge_groups).toEqual([
      { code: "receiving_carton", dimensions: {}, unit_price: "1.25", charges: 1, quantity: "10", amount: "12.50" },
    ]);
    expect(explained.body.rate_cards).toEqual([
      expect.objectContaining({ kind: "default", number: 1, rate_card: expect.stringMatching(/^rc_/) }),
    ]);
    expect(explained.body.rate_cards[0].id).toBe(explained.body.rate_card_versions[0]);

    const missing = await call("GET", `/v1/invoice_lines/${newId("invoice_line")}/explain`);
    expect([missing.status, missing.body.error.code]).toEqual([404, "invoice_line_not_found"]);
    const backwards = await call("POST", "/v1/usage/rate", {
      customer: customer.id,
      period_start: october.period_end,
      period_end: october.period_start,
    });
    expect([backwards.status, backwards.body.error.code, backwards.body.error.param]).toEqual([
      400,
      "usage_period_invalid",
      "period_end",
    ]);
    const stranger = await call("POST", "/v1/usage/rate", { customer: "wms-nobody", ...october });
    expect([stranger.status, stranger.body.error.code, stranger.body.error.param]).toEqual([
      404,
      "customer_not_found",
      "customer",
    ]);
    const malformed = await call("POST", "/v1/usage/rate", { customer: "cus_nobody", ...october });
    expect([malformed.status, malformed.body.error.code, malformed.body.error.param]).toEqual([
      400,
      "invalid_id",
      "customer",
    ]);
    const forbidden = await call("POST", "/v1/usage/rate", { customer: customer.id, ...october }, supportKey);
    expect(forbidden.status).toBe(403);
  });
});
