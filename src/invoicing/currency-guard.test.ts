import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";

/**
 * A customer's currency is fixed once money is recorded in it: its invoices,
 * its subscriptions' plans and its receivable are all in that currency.
 * Before then (a billing account set up wrongly) it may still change.
 */

const { db } = await freshDatabase();
const clock = new TestClock("2026-05-04T10:00:00Z");
const { app, adminKey, auth } = await testApp({ db, clock });
const admin = auth(adminKey);

async function call(method: "GET" | "POST", url: string, payload?: object) {
  const response = await app.inject({ method, url, headers: admin, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() };
}

async function customer(name: string): Promise<string> {
  return (await call("POST", "/v1/customers", { legal_name: name, currency: "USD" })).body.id;
}

describe("changing a customer's currency", () => {
  it("is allowed while nothing is recorded in it", async () => {
    const id = await customer("Set up in the wrong currency");
    const changed = await call("POST", `/v1/customers/${id}`, { currency: "EUR" });
    expect(changed).toMatchObject({ status: 200, body: { currency: "EUR" } });
  });

  it("is refused once the customer has an invoice, even a draft, and nothing changes", async () => {
    const id = await customer("Has a draft");
    const draft = await call("POST", "/v1/invoices", {
      customer: id,
      lines: [{ description: "Setup", unit_amount: "100.00" }],
    });
    expect(draft.status).toBe(200);
    const refused = await call("POST", `/v1/customers/${id}`, { currency: "EUR", display_name: "Renamed" });
    expect(refused).toMatchObject({
      status: 409,
      body: { error: { code: "customer_currency_in_use", param: "currency" } },
    });
    expect(refused.body.error.message).toContain("has 1 invoice in it");
    expect((await call("GET", `/v1/customers/${id}`)).body).toMatchObject({ currency: "USD", display_name: null });
    // Other changes still go through.
    expect((await call("POST", `/v1/customers/${id}`, { display_name: "Renamed" })).status).toBe(200);
  });

  it("is refused once the customer has a subscription", async () => {
    const id = await customer("Has a subscription");
    const product = (await call("POST", "/v1/products", { name: "Seats" })).body.id;
    const plan = (
      await call("POST", "/v1/plans", {
        name: "Team",
        interval: { unit: "month", count: 1 },
        currency: "USD",
        billing_timing: "in_advance",
      })
    ).body.id;
    const price = (
      await call("POST", "/v1/prices", { product, plan, charge_model: { kind: "per_unit", unit_amount: "10.00" } })
    ).body.id;
    const subscription = await call("POST", "/v1/subscriptions", {
      customer: id,
      items: [{ price, quantity: "3" }],
    });
    expect(subscription.status).toBe(200);
    const refused = await call("POST", `/v1/customers/${id}`, { currency: "GBP" });
    expect(refused).toMatchObject({
      status: 409,
      body: { error: { code: "customer_currency_in_use" } },
    });
    expect(refused.body.error.message).toContain("has 1 subscription in it");
  });
});
