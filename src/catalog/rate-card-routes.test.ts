import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { createCustomer } from "../customers/index.js";
import { systemContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-06-01T09:00:00Z");
const { app, keyFor, auth } = await testApp({ db, clock });
const analyst = auth(await keyFor("billing_analyst"));
const checker = auth(await keyFor("approver"));
const support = auth(await keyFor("support_agent"));
const customer = await createCustomer({ db, clock }, systemContext("test", "req_test"), {
  legal_name: "Northwind Outdoor",
  external_id: "wms-cust-001",
  currency: "USD",
});

async function call(method: "GET" | "POST", url: string, headers: Record<string, string>, payload?: object) {
  const response = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() };
}

describe("/v1/rate_cards", () => {
  let defaultCard = "";
  let customerCard = "";

  it("creates a default card, sends it for approval and a second person approves it", async () => {
    const created = await call("POST", "/v1/rate_cards", analyst, {
      kind: "default",
      currency: "USD",
      rates: {
        pick_first_unit: { value: "2.75", unit: "order", description: "first unit of an order" },
        pick_per_line: "0.30",
      },
      effective_from: "2026-01-01T00:00:00Z",
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    defaultCard = created.body.card.id;
    expect(created.body.version).toMatchObject({ number: 1, status: "draft" });

    const asked = await call("POST", `/v1/rate_cards/${defaultCard}/versions/1/request_approval`, analyst);
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);
    expect(asked.body.version.status).toBe("pending_approval");
    const decided = await call("POST", `/v1/approvals/${asked.body.approval.id}/approve`, checker, {});
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);

    const card = await call("GET", `/v1/rate_cards/${defaultCard}`, support);
    expect(card.body.version_in_force).toMatchObject({ number: 1, effective_from: "2026-01-01T00:00:00Z" });
  });

  it("answers 400 naming the field for a bad code or value, and writes nothing", async () => {
    const badCode = await call("POST", "/v1/rate_cards", analyst, {
      kind: "default",
      currency: "EUR",
      rates: { "Pick-First": "2.75" },
    });
    expect(badCode.status).toBe(400);
    expect(badCode.body.error).toMatchObject({ code: "invalid_rate_code", param: "rates.Pick-First" });
    const badValue = await call("POST", "/v1/rate_cards", analyst, {
      kind: "default",
      currency: "EUR",
      rates: { pick_first_unit: { value: "2,75" } },
    });
    expect(badValue.body.error).toMatchObject({ code: "invalid_rate_value", param: "rates.pick_first_unit.value" });
    const list = await call("GET", "/v1/rate_cards?currency=EUR", support);
    expect(list.body.data).toEqual([]);
  });

  it("refuses changes from a role without catalog:write", async () => {
    const refused = await call("POST", "/v1/rate_cards", support, { kind: "default", currency: "GBP", rates: {} });
    expect(refused.status).toBe(403);
  });

  it("a customer card overrides one code; resolved rates carry both versions", async () => {
    const created = await call("POST", "/v1/rate_cards", analyst, {
      kind: "customer",
      customer: "wms-cust-001",
      rates: { pick_first_unit: "2.50" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    customerCard = created.body.card.id;
    const asked = await call("POST", `/v1/rate_cards/${customerCard}/versions/1/request_approval`, analyst);
    await call("POST", `/v1/approvals/${asked.body.approval.id}/approve`, checker, {});

    const resolved = await call("GET", `/v1/rate_cards/resolved?customer=${customer.id}`, support);
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    expect(resolved.body).toMatchObject({
      rates: { pick_first_unit: "2.50", pick_per_line: "0.30" },
      source: { pick_first_unit: "customer", pick_per_line: "default" },
    });
    expect(resolved.body.version_ids).toHaveLength(2);
  });

  it("lists the history and the diff between two versions", async () => {
    const draft = await call("POST", `/v1/rate_cards/${customerCard}/versions`, analyst, {
      set: { pick_first_unit: "2.40", pick_per_line: "0.25" },
      effective_from: "2026-07-01T00:00:00Z",
    });
    expect(draft.status, JSON.stringify(draft.body)).toBe(200);
    const versions = await call("GET", `/v1/rate_cards/${customerCard}/versions`, support);
    expect(versions.body.data.map((version: { status: string }) => version.status)).toEqual(["approved", "draft"]);
    const diff = await call("GET", `/v1/rate_cards/${customerCard}/diff?from=1&to=${draft.body.id}`, support);
    expect(diff.status, JSON.stringify(diff.body)).toBe(200);
    expect(diff.body).toMatchObject({
      from: { number: 1 },
      to: { number: 2, status: "draft" },
      added: [{ code: "pick_per_line" }],
      changed: [{ code: "pick_first_unit", from: { value: "2.50" }, to: { value: "2.40" } }],
      removed: [],
    });
    const missing = await call("GET", `/v1/rate_cards/${customerCard}/diff?from=9`, support);
    expect(missing).toMatchObject({
      status: 404,
      body: { error: { code: "rate_card_version_not_found", param: "from" } },
    });
  });

  it("takes a backdated version, lists what it covers, and approves it from the card", async () => {
    // The default card's version 1 starts 2026-01-01; the clock reads 2026-06-01T09:00.
    const beforeFirst = await call("POST", `/v1/rate_cards/${defaultCard}/versions`, analyst, {
      set: { pick_per_line: "0.28" },
      effective_from: "2025-12-01T00:00:00Z",
    });
    expect(beforeFirst).toMatchObject({
      status: 409,
      body: { error: { code: "rate_card_version_out_of_order", param: "effective_from" } },
    });
    const backdated = await call("POST", `/v1/rate_cards/${defaultCard}/versions`, analyst, {
      set: { pick_per_line: "0.28" },
      effective_from: "2026-05-01T00:00:00Z",
      note: "Agreed June 1, from May 1",
    });
    expect(backdated.status, JSON.stringify(backdated.body)).toBe(200);
    // No usage is rated in this book, so it reaches no period; the field says it was looked for.
    expect(backdated.body.affected_periods).toEqual({
      effective_from: "2026-05-01T00:00:00Z",
      assessed_at: "2026-06-01T09:00:00Z",
      finalized: [],
      draft: [],
    });
    const early = await call("POST", `/v1/rate_cards/${defaultCard}/versions/2/approve`, checker, {});
    expect(early).toMatchObject({
      status: 409,
      body: { error: { code: "rate_card_version_not_pending", param: "version" } },
    });
    await call("POST", `/v1/rate_cards/${defaultCard}/versions/2/request_approval`, analyst);
    expect((await call("POST", `/v1/rate_cards/${defaultCard}/versions/2/approve`, support, {})).status).toBe(403);
    const decided = await call("POST", `/v1/rate_cards/${defaultCard}/versions/2/approve`, checker);
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    expect(decided.body).toMatchObject({
      approval: { status: "approved" },
      version: {
        status: "approved",
        effective_from: "2026-05-01T00:00:00Z",
        affected_periods: { effective_from: "2026-05-01T00:00:00Z", finalized: [], draft: [] },
      },
    });
    const may = await call("GET", `/v1/rate_cards/resolved?customer=${customer.id}&at=2026-05-15T00:00:00Z`, support);
    expect(may.body.rates.pick_per_line).toBe("0.28");
  });
});
