import { Readable } from "node:stream";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { createCustomer } from "../customers/index.js";
import { systemContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";

const { db } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-11-24T12:00:00Z") };
const { app, adminKey, auth, keyFor } = await testApp(deps);
const admin = auth(adminKey);
const customer = await createCustomer(deps, systemContext("test", "req_test"), {
  external_id: "WMS-7",
  legal_name: "Seven Warehousing",
  currency: "USD",
});

const event = (n: number, overrides: Record<string, unknown> = {}) => ({
  transaction_id: `r-${n}`,
  customer: "WMS-7",
  type: "inbound.received",
  timestamp: "2026-11-23T08:00:00Z",
  properties: { cartons: n % 7, sku: `SKU-${n}` },
  ...overrides,
});

describe("POST /v1/events", () => {
  it("answers 201 with the id, then 200 with the same id for a duplicate", async () => {
    const first = await app.inject({ method: "POST", url: "/v1/events", headers: admin, payload: event(1) });
    expect(first.statusCode).toBe(201);
    const id = first.json().id as string;
    expect(first.json()).toEqual({ index: 0, status: "accepted", id });
    const again = await app.inject({ method: "POST", url: "/v1/events", headers: admin, payload: event(1) });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ index: 0, status: "duplicate", id });
  });

  it("names the field of a bad event and stores nothing", async () => {
    const bad = await app.inject({
      method: "POST",
      url: "/v1/events",
      headers: admin,
      payload: event(2, { timestamp: "2026-11-23 08:00" }),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: "event_field_invalid", param: "timestamp" });
    const unknown = await app.inject({
      method: "POST",
      url: "/v1/events",
      headers: admin,
      payload: event(3, { customer: "X" }),
    });
    expect(unknown.json().error).toMatchObject({ code: "event_customer_not_found", param: "customer" });
    const kept = await sql<{ n: string }>`select count(*) as n from usage_event_rejections`.execute(db);
    expect(kept.rows[0]?.n).toBe("0");
  });

  it("needs usage:write", async () => {
    const support = await keyFor("support_agent"); // reads usage, does not write it
    const response = await app.inject({ method: "POST", url: "/v1/events", headers: auth(support), payload: event(4) });
    expect(response.statusCode).toBe(403);
  });

  it("replays an Idempotency-Key", async () => {
    const headers = { ...admin, "idempotency-key": "ev-5" };
    const first = await app.inject({ method: "POST", url: "/v1/events", headers, payload: event(5) });
    const second = await app.inject({ method: "POST", url: "/v1/events", headers, payload: event(5) });
    expect(second.statusCode).toBe(201);
    expect(second.headers["idempotent-replayed"]).toBe("true");
    expect(second.json()).toEqual(first.json());
  });
});

describe("POST /v1/events/batch", () => {
  it("gives per-event results and counts", async () => {
    const events = [event(10), event(11, { customer: customer.id }), event(10), event(12, { type: "" })];
    const response = await app.inject({ method: "POST", url: "/v1/events/batch", headers: admin, payload: { events } });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.counts).toEqual({ received: 4, accepted: 2, duplicates: 1, rejected: 1 });
    expect(body.results[2]).toEqual({ index: 2, status: "duplicate" });
    expect(body.results[3]).toMatchObject({ index: 3, status: "rejected", code: "event_field_invalid", field: "type" });
  });

  it("refuses more than 10,000 events with 413 and stores none", async () => {
    const events = Array.from({ length: 10_001 }, (_, n) => event(100_000 + n));
    const response = await app.inject({ method: "POST", url: "/v1/events/batch", headers: admin, payload: { events } });
    expect(response.statusCode).toBe(413);
    expect(response.json().error).toMatchObject({ code: "event_batch_too_large", param: "events" });
    const stored = await sql<{
      n: string;
    }>`select count(*) as n from usage_events where transaction_id = 'r-100000'`.execute(db);
    expect(stored.rows[0]?.n).toBe("0");
  });
});

describe("POST /v1/events/stream", () => {
  it("ingests a 20,000-line NDJSON body and lists its rejected lines", async () => {
    const lines: string[] = [];
    for (let n = 1; n <= 20_000; n++) {
      if (n === 7) lines.push("{not json");
      else if (n === 15_001)
        lines.push(JSON.stringify(event(15_000 + 200_000))); // repeats line 15,000
      else lines.push(JSON.stringify(event(n + 200_000)));
    }
    // Sent in small chunks, as a client streaming a log would.
    const body = `${lines.join("\n")}\n`;
    const chunks = function* () {
      for (let at = 0; at < body.length; at += 64 * 1024) yield body.slice(at, at + 64 * 1024);
    };
    const response = await app.inject({
      method: "POST",
      url: "/v1/events/stream",
      headers: { ...admin, "content-type": "application/x-ndjson", "idempotency-key": "ignored-for-streams" },
      payload: Readable.from(chunks()),
    });
    expect(response.statusCode).toBe(200);
    const result = response.json();
    expect(result.counts).toEqual({ received: 20_000, accepted: 19_998, duplicates: 1, rejected: 1 });
    expect(result.rejected).toEqual([{ line: 7, code: "event_line_not_json", message: "the line is not valid JSON" }]);
    const kept = await sql<{ line: string; raw: string; source: string }>`
      select line, raw, source from usage_event_rejections where source = 'stream'`.execute(db);
    expect(kept.rows).toEqual([{ line: "7", raw: "{not json", source: "stream" }]);
  });

  it("wants application/x-ndjson", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/v1/events/stream",
      headers: admin,
      payload: { events: [] },
    });
    expect(response.statusCode).toBe(400);
  });
});

describe("GET /v1/events and rejections", () => {
  it("lists a customer's events newest first, page by page", async () => {
    const events = [1, 2, 3].map((n) => event(300 + n, { timestamp: `2026-11-0${n}T00:00:00Z` }));
    await app.inject({ method: "POST", url: "/v1/events/batch", headers: admin, payload: { events } });
    const url = "/v1/events?customer=WMS-7&from=2026-11-01T00:00:00Z&to=2026-11-04T00:00:00Z&limit=2";
    const first = await app.inject({ method: "GET", url, headers: admin });
    expect(first.statusCode).toBe(200);
    expect(first.json().data.map((e: { transaction_id: string }) => e.transaction_id)).toEqual(["r-303", "r-302"]);
    expect(first.json().data[0]).toMatchObject({
      object: "event",
      customer: customer.id,
      timestamp: "2026-11-03T00:00:00Z",
    });
    const second = await app.inject({
      method: "GET",
      url: `${url}&cursor=${first.json().next_cursor}`,
      headers: admin,
    });
    expect(second.json()).toMatchObject({ has_more: false, next_cursor: null });
    expect(second.json().data.map((e: { transaction_id: string }) => e.transaction_id)).toEqual(["r-301"]);
  });

  it("lists rejections and retries one after a fix", async () => {
    const batch = await app.inject({
      method: "POST",
      url: "/v1/events/batch",
      headers: admin,
      payload: { events: [event(400, { customer: "WMS-8" })] },
    });
    expect(batch.json().counts.rejected).toBe(1);
    const open = await app.inject({
      method: "GET",
      url: "/v1/events/rejections?status=open&code=event_customer_not_found",
      headers: admin,
    });
    const rejection = open.json().data[0];
    expect(rejection).toMatchObject({ source: "batch", line: 0, status: "open", field: "customer" });
    const retry = await app.inject({
      method: "POST",
      url: `/v1/events/rejections/${rejection.id}/retry`,
      headers: admin,
      payload: { event: event(400) },
    });
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toMatchObject({ rejection: { status: "resolved" }, result: { status: "accepted" } });
  });

  it("reads and changes the usage settings", async () => {
    const changed = await app.inject({
      method: "POST",
      url: "/v1/usage/settings",
      headers: admin,
      payload: { retention_months: 24 },
    });
    expect(changed.json()).toMatchObject({ max_event_age_days: 90, retention_months: 24 });
    const bad = await app.inject({
      method: "POST",
      url: "/v1/usage/settings",
      headers: admin,
      payload: { max_event_age_days: 0 },
    });
    expect(bad.json().error).toMatchObject({ param: "max_event_age_days" });
  });
});
