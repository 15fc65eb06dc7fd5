import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";

/** The filters of the customers and invoices lists, as the web app uses them. */

const { db } = await freshDatabase();
const clock = new TestClock("2026-03-02T09:00:00Z");
const { app, adminKey, auth } = await testApp({ db, clock });
const admin = auth(adminKey);

async function call(method: "GET" | "POST", url: string, payload?: object) {
  const response = await app.inject({ method, url, headers: admin, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() };
}

const ids = (body: { data: { id: string }[] }) => body.data.map((row) => row.id).sort();

async function customer(name: string) {
  const address = { line1: "1 Market St", city: "San Francisco", region: "CA", postal_code: "94105", country: "US" };
  const created = await call("POST", "/v1/customers", { legal_name: name, currency: "USD", billing_address: address });
  return created.body.id as string;
}

let amount = 100;
async function invoiceOn(customerId: string, at: string, finalize = true) {
  clock.set(at);
  amount += 1; // the review checklist holds a repeated amount as a possible duplicate
  const draft = await call("POST", "/v1/invoices", {
    customer: customerId,
    lines: [{ description: "Support plan", unit_amount: String(amount) }],
  });
  if (!finalize) return draft.body;
  const finalized = await call("POST", `/v1/invoices/${draft.body.id}/finalize`);
  expect(finalized.status, JSON.stringify(finalized.body)).toBe(200);
  return finalized.body;
}

describe("list filters", () => {
  it("lists customers on a billing hold, or those without one", async () => {
    const held = await customer("Held Buyer Inc");
    const free = await customer("Free Buyer Inc");
    expect((await call("POST", `/v1/customers/${held}/billing_hold`, { reason: "Disputed contract" })).status).toBe(
      200,
    );
    const onHold = await call("GET", "/v1/customers?billing_hold=true");
    expect(onHold.status).toBe(200);
    expect(ids(onHold.body)).toEqual([held]);
    const notHeld = await call("GET", "/v1/customers?billing_hold=false");
    expect(ids(notHeld.body)).toContain(free);
    expect(ids(notHeld.body)).not.toContain(held);
    expect((await call("GET", "/v1/customers?billing_hold=yes")).body.error.param).toBe("billing_hold");
  });

  it("finds invoices by a part of their number and by issue date, inclusive at both ends", async () => {
    const buyer = await customer("Dated Buyer Inc");
    const march = await invoiceOn(buyer, "2026-03-02T09:00:00Z");
    const april = await invoiceOn(buyer, "2026-04-15T09:00:00Z");
    const may = await invoiceOn(buyer, "2026-05-31T09:00:00Z");
    const draft = await invoiceOn(buyer, "2026-05-31T10:00:00Z", false);
    expect([march.number, april.number, may.number]).toEqual(["INV-2026-000001", "INV-2026-000002", "INV-2026-000003"]);
    expect(ids((await call("GET", "/v1/invoices?number=000002")).body)).toEqual([april.id]);
    expect(ids((await call("GET", "/v1/invoices?number=inv-2026")).body)).toEqual([march.id, april.id, may.id].sort());
    expect(ids((await call("GET", "/v1/invoices?number=INV_2026")).body)).toEqual([]); // "_" is a character, not a wildcard
    const spring = await call(
      "GET",
      `/v1/invoices?customer=${buyer}&issue_date_from=2026-04-15&issue_date_to=2026-05-31`,
    );
    expect(ids(spring.body)).toEqual([april.id, may.id].sort()); // the draft has no issue date
    expect(ids(spring.body)).not.toContain(draft.id);
    const bad = await call("GET", "/v1/invoices?issue_date_from=2026-13-01");
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe("issue_date_from");
  });
});
