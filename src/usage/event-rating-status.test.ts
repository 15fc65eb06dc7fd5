import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { approve } from "../access/index.js";
import { ensureDefault3plRateCard } from "../catalog/index.js";
import { createCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { requestPublish } from "./script-publishing.js";
import { createScript, createVersion } from "./script-service.js";

/** GET /v1/events with each event's rating status, and the rating_status filter. */

const { db } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-10-20T00:00:00Z") };
const { app, adminKey, auth } = await testApp(deps);
const admin = auth(adminKey);
const analyst: RequestContext = {
  actor: { type: "user", id: "usr_analyst", role: "billing_analyst", display_name: "Bea Analyst" },
  request_id: "req_rating_status",
};
const controller: RequestContext = {
  actor: { type: "user", id: "usr_controller", role: "approver", display_name: "Chidi Okafor" },
  request_id: "req_rating_status",
};

await ensureDefault3plRateCard(deps, analyst);
const script = await createScript(deps, analyst, { name: "3PL", is_default: true });
const version = await createVersion(deps, analyst, script.id, {
  source: readFileSync(path.join(import.meta.dirname, "reference", "3pl.lua"), "utf8"),
});
const asked = await requestPublish(deps, analyst, script.id, version.id, { effective_from: "2026-01-01T00:00:00Z" });
await approve(deps, controller, asked.approval.id);
for (const [external_id, legal_name] of [
  ["wms-north", "Northwind Cold Storage"],
  ["wms-bulk", "Bulk Freight Co"],
] as const) {
  await createCustomer(deps, analyst, { legal_name, external_id, currency: "USD", time_zone: "UTC" });
}
const october = { period_start: "2026-10-01T00:00:00Z", period_end: "2026-11-01T00:00:00Z" };

async function get(url: string) {
  const response = await app.inject({ method: "GET", url, headers: admin });
  return { status: response.statusCode, body: response.json() };
}

async function send(events: object[]) {
  const response = await app.inject({ method: "POST", url: "/v1/events/batch", headers: admin, payload: { events } });
  expect(response.json().counts.rejected).toBe(0);
}

async function rate(customer: string) {
  const response = await app.inject({
    method: "POST",
    url: "/v1/usage/rate",
    headers: admin,
    payload: { customer, ...october },
  });
  expect(response.statusCode).toBe(200);
}

const received = (transaction_id: string, timestamp: string, cartons: number) => ({
  transaction_id,
  customer: "wms-north",
  type: "inbound.received",
  timestamp,
  properties: { cartons, pallets: 0 },
});

const statuses = (body: { data: { transaction_id: string; rating_status: string }[] }) =>
  Object.fromEntries(body.data.map((event) => [event.transaction_id, event.rating_status]));

describe("rating status in the events explorer", () => {
  it("tells rated, unrated, no-charge and pending events apart, with charges and errors", async () => {
    await send([
      received("rcv-1", "2026-10-02T10:00:00Z", 10),
      received("rcv-2", "2026-10-03T10:00:00Z", 0),
      // No units: `units > 1` compares nil with a number, and the script stops on that line.
      {
        transaction_id: "so-1",
        customer: "wms-north",
        type: "order.shipped",
        timestamp: "2026-10-04T10:00:00Z",
        properties: { lines: 1, packaging: "small_box" },
      },
    ]);
    deps.clock.set("2026-10-21T00:00:00Z");
    await rate("wms-north");
    // Received after the rating: waits for the next one (the period is not on an invoice yet).
    deps.clock.set("2026-10-22T00:00:00Z");
    await send([received("rcv-3", "2026-10-05T10:00:00Z", 4)]);

    const all = await get("/v1/events?customer=wms-north");
    expect(all.status).toBe(200);
    expect(statuses(all.body)).toEqual({
      "rcv-3": "pending",
      "so-1": "unrated",
      "rcv-2": "no_charge",
      "rcv-1": "rated",
    });
    const byId = new Map(all.body.data.map((event: { transaction_id: string }) => [event.transaction_id, event]));
    // 10 cartons × 1.25 = 12.50
    expect(byId.get("rcv-1")).toMatchObject({ rating: { charges: 1, amount: "12.50", currency: "USD", error: null } });
    expect(byId.get("rcv-2")).toMatchObject({ rating: { charges: 0, amount: null, error: null } });
    expect(byId.get("so-1")).toMatchObject({
      rating: { charges: 0, error: { script_version: version.id, script_line: expect.any(Number) } },
    });
    const error = (byId.get("so-1") as { rating: { error: { message: string; script_line: number } } }).rating.error;
    expect(error.message).toMatch(/nil/);
    expect(error.script_line).toBeGreaterThan(0);
  });

  it.each([
    ["rated", ["rcv-1"]],
    ["unrated", ["so-1"]],
    ["no_charge", ["rcv-2"]],
    ["pending", ["rcv-3"]],
  ])("filters by rating_status=%s", async (status, expected) => {
    const page = await get(`/v1/events?customer=wms-north&rating_status=${status}`);
    expect(page.status).toBe(200);
    expect(page.body.data.map((event: { transaction_id: string }) => event.transaction_id)).toEqual(expected);
    expect(page.body.has_more).toBe(false);
  });

  it("combines the filter with type and time, and pages it", async () => {
    const typed = await get("/v1/events?rating_status=unrated&type=inbound.received");
    expect(typed.body.data).toEqual([]);
    const later = await get("/v1/events?rating_status=unrated&from=2026-10-05T00:00:00Z");
    expect(later.body.data).toEqual([]);
    await send([received("rcv-4", "2026-10-06T10:00:00Z", 2), received("rcv-5", "2026-10-07T10:00:00Z", 3)]);
    deps.clock.set("2026-10-23T00:00:00Z");
    await rate("wms-north");
    const first = await get("/v1/events?rating_status=rated&limit=2");
    expect(first.body.data.map((event: { transaction_id: string }) => event.transaction_id)).toEqual([
      "rcv-5",
      "rcv-4",
    ]);
    expect(first.body.has_more).toBe(true);
    const second = await get(`/v1/events?rating_status=rated&limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.data.map((event: { transaction_id: string }) => event.transaction_id)).toEqual([
      "rcv-3",
      "rcv-1",
    ]);
    expect([second.body.has_more, second.body.next_cursor]).toEqual([false, null]);
  });

  it("refuses an unknown status naming rating_status", async () => {
    const bad = await get("/v1/events?rating_status=failed");
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: "parameter_invalid", param: "rating_status" });
  });

  it("reads at most 5,000 events per request for a rare status, and goes on from where it stopped", async () => {
    // 5,200 rated events, then one received after the rating but older than all of them.
    const events = Array.from({ length: 5_200 }, (_, n) => ({
      ...received(`bulk-${n}`, new Date(Date.parse("2026-10-10T00:00:00Z") + n * 60_000).toISOString(), 1),
      customer: "wms-bulk",
    }));
    await send(events);
    deps.clock.set("2026-10-24T00:00:00Z");
    await rate("wms-bulk");
    deps.clock.set("2026-10-25T00:00:00Z");
    await send([{ ...received("bulk-late", "2026-10-09T00:00:00Z", 1), customer: "wms-bulk" }]);

    const first = await get("/v1/events?customer=wms-bulk&rating_status=pending&limit=10");
    expect([first.body.data.length, first.body.has_more]).toEqual([0, true]);
    const second = await get(
      `/v1/events?customer=wms-bulk&rating_status=pending&limit=10&cursor=${first.body.next_cursor}`,
    );
    expect(second.body.data.map((event: { transaction_id: string }) => event.transaction_id)).toEqual(["bulk-late"]);
    expect(second.body.has_more).toBe(false);
  });

  it("shows events of a customer no script rates as meters-only, never pending", async () => {
    // The 3PL script stops being the default: wms-bulk has no assignment, so nothing will rate its new events.
    const updated = await app.inject({
      method: "POST",
      url: `/v1/scripts/${script.id}`,
      headers: admin,
      payload: { is_default: false },
    });
    expect(updated.statusCode).toBe(200);
    deps.clock.set("2026-10-26T00:00:00Z");
    await send([{ ...received("bulk-after", "2026-10-25T12:00:00Z", 2), customer: "wms-bulk" }]);

    const page = await get("/v1/events?customer=wms-bulk&limit=3");
    expect(
      page.body.data.map((event: { transaction_id: string; rating_status: string }) => [
        event.transaction_id,
        event.rating_status,
      ]),
    ).toEqual([
      ["bulk-after", "not_scripted"],
      // Charges from when the default script rated the customer stay rated.
      ["bulk-5199", "rated"],
      ["bulk-5198", "rated"],
    ]);
    const filtered = await get("/v1/events?customer=wms-bulk&rating_status=not_scripted&limit=10");
    expect(filtered.body.data.map((event: { transaction_id: string }) => event.transaction_id)).toContain("bulk-after");
  });
});
