import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { createPlan, createPrice, createProduct } from "../catalog/index.js";
import { TestClock } from "../kernel/clock.js";
import { ctx, customerIn, local, seatPlan } from "./test-support.js";

const { db } = await freshDatabase();
const NY = "America/New_York";
const clock = new TestClock(local("2024-04-01T00:00", NY));
const deps = { db, clock };
const { app, adminKey, keyFor, auth } = await testApp(deps);
const admin = auth(adminKey);
const fixture = await seatPlan(deps);
const seat = fixture.prices["10.00"] as string;
const customer = await customerIn(deps, NY);

type Json = Record<string, unknown> & { id: string };

async function call(method: "GET" | "POST", url: string, payload?: object, headers = admin) {
  const response = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() as Json };
}

describe("subscriptions routes", () => {
  let sub: Json;

  it("creates, retrieves and lists a subscription", async () => {
    const { status, body } = await call("POST", "/v1/subscriptions", {
      customer,
      items: [{ price: seat, quantity: "10" }],
    });
    expect(status, JSON.stringify(body)).toBe(200);
    sub = body;
    expect(sub).toMatchObject({ object: "subscription", status: "active", currency: "USD", time_zone: NY });
    expect((await call("GET", `/v1/subscriptions/${sub.id}`)).body).toMatchObject({ id: sub.id });
    const list = await call("GET", `/v1/subscriptions?customer=${customer}&status=active`);
    expect(list.body).toMatchObject({ object: "list", data: [{ id: sub.id }] });
  });

  it("previews then makes a seat change", async () => {
    clock.set(local("2024-04-16T00:00", NY));
    const change = { items: [{ price: seat, quantity: "15" }], proration_behavior: "create_prorations" };
    const preview = await call("POST", `/v1/subscriptions/${sub.id}/preview_change`, change);
    expect(preview.body).toMatchObject({
      object: "subscription_change_preview",
      lines: [{ amount: "-50.00" }, { amount: "75.00" }], // ∓ seats × 10.00 × 15/30 days
    });
    const changed = await call("POST", `/v1/subscriptions/${sub.id}`, change);
    expect(changed.body).toMatchObject({ items: [{ quantity: "15" }] });
    const changes = await call("GET", `/v1/subscriptions/${sub.id}/changes`);
    expect(changes.body).toMatchObject({ data: [{ kind: "items_changed" }] });
  });

  it("pauses, resumes and cancels; bodiless posts are fine", async () => {
    expect((await call("POST", `/v1/subscriptions/${sub.id}/pause`)).body).toMatchObject({ status: "paused" });
    expect((await call("POST", `/v1/subscriptions/${sub.id}/resume`)).body).toMatchObject({ status: "active" });
    const canceled = await call("POST", `/v1/subscriptions/${sub.id}/cancel`, { at_period_end: true });
    expect(canceled.body).toMatchObject({ status: "active", ended_at: local("2024-05-01T00:00", NY).toString() });
  });

  it("previews then makes a monthly → annual change, showing the new cycle", async () => {
    // Brought over from April 1; the clock stands at April 16.
    const created = await call("POST", "/v1/subscriptions", {
      customer,
      items: [{ price: seat, quantity: "10" }],
      start_at: local("2024-04-01T00:00", NY).toString(),
    });
    const product = await createProduct(deps, ctx, { name: "Seat" });
    const yearly = await createPlan(deps, ctx, {
      name: "Team yearly",
      interval: { unit: "year", count: 1 },
      currency: "USD",
      billing_timing: "in_advance",
    });
    const annual = await createPrice(deps, ctx, {
      product: product.id,
      plan: yearly.id,
      charge_model: { kind: "per_unit", unit_amount: "100.00" },
      effective_from: Temporal.Instant.from("2020-01-01T00:00:00Z"),
    });
    const change = { items: [{ price: annual.id, quantity: "10" }] };
    const preview = await call("POST", `/v1/subscriptions/${created.body.id}/preview_change`, change);
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body).toMatchObject({
      lines: [{ amount: "-50.00" }], // −10 × 10.00 × 15/30 days of April
      billing_cycle: {
        interval: { unit: "year", count: 1 },
        first_period: { index: 1, start: local("2024-04-16T00:00", NY).toString() },
        lines: [{ amount: "1000.00" }], // 10 × 100.00, the year from Apr 16
      },
    });
    const changed = await call("POST", `/v1/subscriptions/${created.body.id}`, change);
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({
      interval: { unit: "year", count: 1 },
      current_period: { index: 1 },
      phases: [{}, { interval: { unit: "year", count: 1 } }],
    });
  });

  it("answers errors with a code and param", async () => {
    const missing = await call("GET", "/v1/subscriptions/sub_01h455vb4pex5vsknk084sn02q");
    expect(missing.status).toBe(404);
    const bad = await call("POST", "/v1/subscriptions", { customer, items: [{ price: seat, quantity: "-1" }] });
    expect(bad.status).toBe(400);
    expect((bad.body as unknown as { error: { param: string } }).error.param).toMatch(/items/);
    const auditor = auth(await keyFor("auditor"));
    expect((await call("POST", `/v1/subscriptions/${sub.id}/pause`, undefined, auditor)).status).toBe(403);
    expect((await call("GET", `/v1/subscriptions/${sub.id}`, undefined, auditor)).status).toBe(200);
  });
});
