import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";
import { createSubscription } from "../subscriptions/index.js";
import { ctx, customerIn, seatPlan } from "../subscriptions/test-support.js";

const { db } = await freshDatabase();
const clock = new TestClock("2024-01-01T00:00:00Z");
const deps = { db, clock };
const { app, adminKey, keyFor, auth } = await testApp({ db, clock });
const admin = auth(adminKey);

async function call(method: "GET" | "POST", url: string, payload?: object, headers = admin) {
  const response = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() };
}

const fixture = await seatPlan(deps);
const customer = await customerIn(deps, "UTC");
const subscription = await createSubscription(deps, ctx, {
  customer,
  items: [{ price: fixture.prices["10.00"] as string, quantity: "2" }],
  start_at: Temporal.Instant.from("2024-01-01T00:00:00Z"),
});

describe("billing run routes", () => {
  it("previews the upcoming invoice on the static path, not as an invoice id", async () => {
    const upcoming = await call("GET", `/v1/invoices/upcoming?subscription=${subscription.id}`);
    expect(upcoming).toMatchObject({ status: 200, body: { object: "upcoming_invoice", total: "20.00" } }); // 2 × 10.00
    const byCustomer = await call("GET", `/v1/invoices/upcoming?customer=${customer}`);
    expect(byCustomer.body).toEqual(upcoming.body);
    expect((await call("GET", "/v1/invoices/upcoming")).status).toBe(400);
  });

  it("runs dry, runs for real, lists and shows the run with its items", async () => {
    const body = { as_of: "2024-02-15T00:00:00Z", customer };
    const dry = await call("POST", "/v1/billing_runs", { ...body, dry_run: true });
    expect(dry).toMatchObject({ status: 200, body: { id: null, dry_run: true, invoices_created: 2 } });
    const run = await call("POST", "/v1/billing_runs", body);
    expect(run).toMatchObject({
      status: 200,
      body: { status: "succeeded", invoices_created: 2, totals: { USD: "40.00" } },
    });
    const listed = await call("GET", "/v1/billing_runs?limit=10");
    expect(listed.body.data.map((row: { id: string }) => row.id)).toEqual([run.body.id]);
    const shown = await call("GET", `/v1/billing_runs/${run.body.id}`);
    expect(shown.body.items).toHaveLength(2);
    const invoices = await call("GET", `/v1/invoices?customer=${customer}`);
    expect(invoices.body.data).toHaveLength(2);
  });

  it("asks for invoices:write to run and answers 404 for an unknown run", async () => {
    const auditor = auth(await keyFor("auditor"));
    expect((await call("POST", "/v1/billing_runs", { dry_run: true }, auditor)).status).toBe(403);
    const missing = await call("GET", "/v1/billing_runs/brun_01h455vb4pex5vsknk084sn02q");
    expect(missing).toMatchObject({ status: 404, body: { error: { code: "billing_run_not_found" } } });
  });
});
