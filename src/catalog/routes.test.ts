import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { createCustomer } from "../customers/index.js";
import { systemContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { newId } from "../kernel/ids.js";
import { graduated } from "./test-support.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-06-01T09:00:00Z");
const { app, adminKey, keyFor, auth } = await testApp({ db, clock });
const admin = auth(adminKey);
const customer = (
  await createCustomer({ db, clock }, systemContext("test", "req_test"), { legal_name: "Initech", currency: "USD" })
).id;

type Json = Record<string, unknown> & { id: string };

async function call(method: "GET" | "POST", url: string, payload?: object, headers = admin) {
  const response = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() };
}

async function created(url: string, payload: object): Promise<Json> {
  const { status, body } = await call("POST", url, payload);
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

describe("catalog routes", () => {
  let product: Json;
  let plan: Json;
  let price: Json;

  it("sets up a product, a plan and a tiered price in two currencies", async () => {
    product = await created("/v1/products", { name: "Seats", unit_label: "seat", metadata: { line: "core" } });
    expect(product).toMatchObject({ object: "product", id: expect.stringMatching(/^prod_/), status: "active" });
    plan = await created("/v1/plans", {
      name: "Team annual",
      interval: { unit: "year", count: 1 },
      currency: "USD",
      billing_timing: "in_advance",
      trial_days: 14,
    });
    expect(plan).toMatchObject({ object: "plan", interval: { unit: "year", count: 1 }, currency: "USD" });
    price = await created("/v1/prices", {
      product: product.id,
      plan: plan.id,
      charge_model: { ...graduated, minimum_amount: "50.00" },
      currency_options: { EUR: { kind: "volume", tiers: [{ up_to: null, unit_amount: "0.75" }] } },
    });
    expect(price).toMatchObject({
      object: "price",
      id: expect.stringMatching(/^price_/),
      type: "recurring",
      currency: "USD",
      version: { id: expect.stringMatching(/^pv_/), effective_from: "2026-06-01T09:00:00Z" },
      charge_model: {
        kind: "graduated",
        minimum_amount: "50.00",
        tiers: [
          { up_to: "100", unit_amount: "1.00", flat_amount: "0.00" },
          { up_to: "1000", unit_amount: "0.80", flat_amount: "5.00" },
          { up_to: null, unit_amount: "0.50", flat_amount: "0.00" },
        ],
      },
      currency_options: { EUR: { kind: "volume", tiers: [{ up_to: null, unit_amount: "0.75", flat_amount: "0.00" }] } },
    });
  });

  it("lists and reads with filters and pages", async () => {
    await created("/v1/prices", {
      product: product.id,
      currency: "USD",
      charge_model: { kind: "flat", amount: "250.00" },
    });
    const onPlan = await call("GET", `/v1/prices?plan=${plan.id}`);
    expect(onPlan.body).toMatchObject({ object: "list", has_more: false, data: [{ id: price.id }] });
    const oneOff = await call("GET", "/v1/prices?type=one_off&limit=1");
    expect(oneOff.body.data).toHaveLength(1);
    expect(oneOff.body.data[0]).toMatchObject({ type: "one_off", plan: null });
    expect((await call("GET", `/v1/products/${product.id}`)).body).toMatchObject({ name: "Seats" });
    expect((await call("GET", "/v1/plans?currency=USD")).body.data).toHaveLength(1);
  });

  it("previews a quantity with the tier breakdown and the explanation", async () => {
    const { status, body } = await call("POST", `/v1/prices/${price.id}/preview`, { quantity: "250" });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      object: "price_preview",
      amount: "225.00", // 100 × 1.00 + 150 × 0.80 + 5.00
      currency: "USD",
      price_override: null,
      tiers: [
        { tier_index: 0, from: "0", to: "100", quantity: "100", amount: "100" },
        { tier_index: 1, from: "100", to: "1000", quantity: "150", amount: "125" }, // 150 × 0.80 + 5.00
      ],
      minimum_applied: null,
    });
    expect(body.explanation).toContain("total 225.00 USD");
    const low = await call("POST", `/v1/prices/${price.id}/preview`, { quantity: "10" });
    expect(low.body).toMatchObject({
      amount: "50.00", // 10 × 1.00 = 10.00, lifted to the 50.00 minimum
      minimum_applied: { minimum_amount: "50.00", amount_before_minimum: "10.00" },
    });
    const euro = await call("POST", `/v1/prices/${price.id}/preview`, { quantity: "250", currency: "EUR" });
    expect(euro.body).toMatchObject({ amount: "187.50", unit_amount_effective: "0.75" }); // 250 × 0.75
  });

  it("gives a customer their own tier price and shows it in the preview", async () => {
    const override = await created(`/v1/prices/${price.id}/overrides`, {
      customer,
      patch: { tiers: { "1": { unit_amount: "0.70" } }, minimum_amount: null },
    });
    expect(override).toMatchObject({ object: "price_override", customer, currency: "USD", ended_at: null });
    const preview = await call("POST", `/v1/prices/${price.id}/preview`, { quantity: "250", customer });
    expect(preview.body).toMatchObject({ amount: "210.00", price_override: override.id }); // 100 + 150 × 0.70 + 5.00
    expect(preview.body.charge_model).not.toHaveProperty("minimum_amount");
    const listed = await call("GET", `/v1/price_overrides?customer=${customer}`);
    expect(listed.body).toMatchObject({ object: "list", data: [{ id: override.id, price: price.id }] });
    const ended = await call("POST", `/v1/price_overrides/${override.id}/end`);
    expect(ended.body).toMatchObject({ ended_at: "2026-06-01T09:00:00Z" });
  });

  it("appends a version when the amounts change, and lists versions newest first", async () => {
    clock.advance({ hours: 1 });
    const { status, body } = await call("POST", `/v1/prices/${price.id}`, {
      charge_model: { kind: "per_unit", unit_amount: "0.95" },
      effective_from: "2026-07-01T00:00:00Z",
      nickname: "Seats 2026",
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ nickname: "Seats 2026", version: price.version, charge_model: { kind: "graduated" } });
    const versions = await call("GET", `/v1/prices/${price.id}/versions`);
    expect(versions.body.data.map((version: { effective_from: string }) => version.effective_from)).toEqual([
      "2026-07-01T00:00:00Z",
      "2026-06-01T09:00:00Z",
    ]);
    expect(versions.body.data[0].currency_options).toHaveProperty("EUR"); // other currencies carried over
    const july = await call("POST", `/v1/prices/${price.id}/preview`, { quantity: "10", at: "2026-07-01T00:00:00Z" });
    expect(july.body).toMatchObject({ amount: "9.50", version: versions.body.data[0].id }); // 10 × 0.95
  });

  it("records commitments and archives what is no longer sold", async () => {
    const commitment = await created("/v1/commitments", { plan: plan.id, amount: "1000.00", scope: "term" });
    expect(commitment).toMatchObject({ object: "commitment", amount: "1000.00", currency: "USD", plan: plan.id });
    expect((await call("GET", `/v1/commitments?plan=${plan.id}`)).body.data).toHaveLength(1);
    expect((await call("POST", `/v1/commitments/${commitment.id}/archive`)).body).toMatchObject({ status: "archived" });
    expect((await call("POST", `/v1/plans/${plan.id}/archive`)).body).toMatchObject({ status: "archived" });
    const onArchived = await call("POST", "/v1/prices", {
      product: product.id,
      plan: plan.id,
      charge_model: { kind: "flat", amount: "1.00" },
    });
    expect(onArchived).toMatchObject({ status: 409, body: { error: { code: "plan_archived", param: "plan" } } });
  });

  it("audits changes with the reason given", async () => {
    const response = await app.inject({
      method: "POST",
      url: `/v1/products/${product.id}`,
      headers: { ...admin, "accrue-reason": "renamed for the 2026 price book" },
      payload: { name: "Team seats" },
    });
    expect(response.statusCode).toBe(200);
    const audit = await call("GET", `/v1/audit_events?object_id=${product.id}`);
    const updated = audit.body.data.find((event: { action: string }) => event.action === "product.updated");
    expect(updated).toMatchObject({ reason: "renamed for the 2026 price book" });
  });

  it.each<[string, string, object, string, string]>([
    [
      "tiers that do not rise",
      "/v1/prices",
      {
        kind: "volume",
        tiers: [
          { up_to: "100", unit_amount: "1" },
          { up_to: "50", unit_amount: "1" },
          { up_to: null, unit_amount: "1" },
        ],
      },
      "invalid_tiers",
      "charge_model.tiers[1].up_to",
    ],
    [
      "a percent over 100",
      "/v1/prices",
      { kind: "percentage", percent: "150" },
      "invalid_percent",
      "charge_model.percent",
    ],
    ["a float amount", "/v1/prices", { kind: "flat", amount: 10 }, "parameter_invalid", "charge_model.amount"],
    [
      "a field of another kind",
      "/v1/prices",
      { kind: "flat", amount: "1", unit_amount: "1" },
      "parameter_unknown",
      "charge_model.unit_amount",
    ],
  ])("names the field at fault: %s", async (_name, url, chargeModel, code, param) => {
    const response = await call("POST", url, { product: product.id, currency: "USD", charge_model: chargeModel });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code, param });
  });

  it("names override and preview faults", async () => {
    const onePrice = await created("/v1/prices", { product: product.id, currency: "USD", charge_model: graduated });
    const wrongTier = await call("POST", `/v1/prices/${onePrice.id}/overrides`, {
      customer,
      patch: { tiers: { "7": { unit_amount: "1" } } },
    });
    expect(wrongTier.body.error).toMatchObject({ code: "invalid_override", param: "patch.tiers[7]" });
    const negative = await call("POST", `/v1/prices/${onePrice.id}/preview`, { quantity: "-1" });
    expect(negative.body.error).toMatchObject({ code: "invalid_quantity", param: "quantity" });
    const missing = await call("GET", `/v1/prices/${newId("price")}`);
    expect(missing).toMatchObject({ status: 404, body: { error: { code: "price_not_found" } } });
  });

  it("lets read-only roles read and only catalog writers write", async () => {
    const auditor = auth(await keyFor("auditor"));
    expect((await call("GET", "/v1/prices", undefined, auditor)).status).toBe(200);
    const write = await call("POST", "/v1/products", { name: "Nope" }, auditor);
    expect(write).toMatchObject({ status: 403, body: { error: { code: "permission_denied" } } });
    const analyst = auth(await keyFor("billing_analyst"));
    expect((await call("POST", "/v1/products", { name: "Support hours" }, analyst)).status).toBe(200);
  });

  it("is in the OpenAPI document", async () => {
    const document = (await app.inject({ method: "GET", url: "/openapi.json" })).json() as { paths: object };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        "/v1/products",
        "/v1/plans/{id}",
        "/v1/prices/{id}/versions",
        "/v1/prices/{id}/preview",
        "/v1/prices/{id}/overrides",
        "/v1/price_overrides",
        "/v1/commitments",
      ]),
    );
  });
});
