import { sql } from "kysely";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";
import { DomainError } from "../kernel/errors.js";
import { Decimal } from "../kernel/money.js";
import { ctx, customerIn } from "../subscriptions/test-support.js";
import { type GroupSeries, meterUsage } from "./meter-aggregation.js";
import type { MeterAggregation } from "./meter-model.js";
import { archiveMeter, createMeter, type NewMeter, updateMeter } from "./meter-service.js";
import { storeEvents } from "./meter-test-support.js";
import { customerUsage } from "./meter-usage.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-11-24T12:00:00Z");
const deps = { db, clock };
const at = (text: string) => Temporal.Instant.from(text);
const november = { from: at("2026-11-01T00:00:00Z"), to: at("2026-12-01T00:00:00Z") };

const cold = [{ property: "storage_type", operator: "in" as const, values: ["chilled", "frozen"] }];
const snapshot = { event_type: "inventory.snapshot", filters: cold, value_property: "pallets" };
const METERS: NewMeter[] = [
  {
    code: "pallet_days",
    name: "Cold pallet-days",
    ...snapshot,
    aggregation: "time_weighted_sum",
    group_by: ["warehouse"],
  },
  { code: "pallets_held", name: "Cold pallets held", ...snapshot, aggregation: "latest", group_by: ["warehouse"] },
  { code: "peak_pallets", name: "Peak cold pallets", ...snapshot, aggregation: "max" },
  {
    code: "units_shipped",
    name: "Units shipped",
    event_type: "order.shipped",
    aggregation: "sum",
    value_property: "units",
    group_by: ["service_level"],
  },
  { code: "orders", name: "Orders shipped", event_type: "order.shipped", aggregation: "count" },
];

const customer = await customerIn(deps, "UTC");
const meters = new Map<string, string>();
for (const meter of METERS) meters.set(meter.code, (await createMeter(deps, ctx, meter)).id);

const snap = (date: string, warehouse: string, pallets: number, storage_type = "chilled") => ({
  customer_id: customer,
  type: "inventory.snapshot",
  at: `${date}T00:00:00Z`,
  properties: { warehouse, pallets, storage_type },
});
const order = (at: string, units: number | string, service_level: string) => ({
  customer_id: customer,
  type: "order.shipped",
  at,
  properties: { units, service_level, carrier: "UPS" },
});
await storeEvents(db, [
  snap("2026-10-20", "DAL", 10),
  snap("2026-10-25", "DAL", 8),
  snap("2026-11-11", "DAL", 4),
  snap("2026-11-16", "RNO", 6, "frozen"),
  snap("2026-11-20", "RNO", 50, "ambient"),
  snap("2026-12-01", "DAL", 100),
  order("2026-10-31T23:59:59Z", 100, "ground"),
  order("2026-11-03T10:00:00Z", 3, "ground"),
  order("2026-11-05T10:00:00Z", "12.5", "2day"),
  order("2026-11-09T10:00:00Z", 4, "ground"),
]);

async function usageOf(code: string, customerId = customer) {
  const usage = await customerUsage(deps, customerId, { meter: code, ...november });
  const [meter] = usage.data;
  if (meter === undefined) throw new Error("one meter asked, one answered");
  return {
    total: meter.quantity,
    groups: Object.fromEntries(meter.groups.map((g) => [Object.values(g.group).join("/"), g.quantity])),
  };
}

describe("usage of a warehouse's month", () => {
  it("weighs cold pallets by the days they were held, across the month boundary", async () => {
    // DAL: 8 pallets carried in from Oct 25 hold Nov 1–11 (10 days) = 80, then 4 for Nov 11–Dec 1 (20 days) = 80.
    // RNO: 6 frozen from Nov 16 to Dec 1 (15 days) = 90; the 50 ambient pallets are filtered out.
    expect(await usageOf("pallet_days")).toEqual({ total: "250", groups: { DAL: "160", RNO: "90" } });
  });

  it("reads the latest, the peak, the sum and the count", async () => {
    expect(await usageOf("pallets_held")).toEqual({ total: "10", groups: { DAL: "4", RNO: "6" } }); // 4 + 6
    expect(await usageOf("peak_pallets")).toEqual({ total: "6", groups: {} }); // max(4, 6); the 8 was October's
    // ground 3 + 4 = 7, 2day 12.5; the 100 units of Oct 31 23:59:59 belong to October.
    expect(await usageOf("units_shipped")).toEqual({ total: "19.5", groups: { "2day": "12.5", ground: "7" } });
    expect(await usageOf("orders")).toEqual({ total: "3", groups: {} });
  });

  it("agrees with the reference model on every aggregation", async () => {
    for (const [code, id] of meters) {
      const meter = METERS.find((m) => m.code === code);
      const reference = await referenceUsage(id, meter?.aggregation as MeterAggregation);
      const answered = await usageOf(code);
      expect([code, answered.total]).toEqual([code, reference.total.toString()]);
    }
  });

  it("counts distinct values, and a meter made after the events counts them too", async () => {
    await storeEvents(db, [
      { customer_id: customer, type: "inbound.received", at: "2026-11-02T08:00:00Z", properties: { sku: "A-1" } },
      { customer_id: customer, type: "inbound.received", at: "2026-11-03T08:00:00Z", properties: { sku: 42 } },
      { customer_id: customer, type: "inbound.received", at: "2026-11-04T08:00:00Z", properties: { sku: "A-1" } },
      { customer_id: customer, type: "inbound.received", at: "2026-11-05T08:00:00Z", properties: { cartons: 3 } },
    ]);
    await createMeter(deps, ctx, {
      code: "skus_received",
      name: "SKUs received",
      event_type: "inbound.received",
      aggregation: "unique_count",
      value_property: "sku",
    });
    expect((await usageOf("skus_received")).total).toBe("2"); // A-1 and 42; the event without a sku has none
    // The projection's cache saw the new meter: a later event is counted at once.
    await storeEvents(db, [
      { customer_id: customer, type: "inbound.received", at: "2026-11-06T08:00:00Z", properties: { sku: "B-7" } },
    ]);
    expect((await usageOf("skus_received")).total).toBe("3");
  });
});

/** The same usage computed by meter-aggregation.ts from the stored values. */
async function referenceUsage(meterId: string, aggregation: MeterAggregation) {
  const rows = await sql<{ group_key: string; ts: Date; value: string; unique_key: string | null }>`
    select group_key::text as group_key, ts, value::text as value, unique_key from usage_meter_values
    where meter_id = ${meterId} and customer_id = ${customer} and ts < ${november.to}
    order by ts, event_id`.execute(db);
  const groups = new Map<string, GroupSeries & { points: GroupSeries["points"][number][] }>();
  for (const row of rows.rows) {
    const group = groups.get(row.group_key) ?? { group_key: row.group_key, points: [] };
    const point = {
      ts: Temporal.Instant.fromEpochMilliseconds(row.ts.getTime()),
      value: new Decimal(row.value),
      unique_key: row.unique_key,
    };
    if (row.ts < new Date(november.from.epochMilliseconds)) group.carried = point;
    else group.points.push(point);
    groups.set(row.group_key, group);
  }
  return meterUsage(aggregation, { start: november.from, end: november.to }, [...groups.values()]);
}

describe("changing meters", () => {
  it("re-projects the stored events when the filters change, as a new version, audited", async () => {
    const id = meters.get("pallet_days") as string;
    const changed = await updateMeter(deps, ctx, id, {
      filters: [{ property: "storage_type", operator: "in", values: ["chilled", "frozen", "ambient"] }],
    });
    expect(changed.version).toBe(2);
    // RNO now: 6 pallets Nov 16–20 (4 days) = 24, then the 50 ambient ones Nov 20–Dec 1 (11 days) = 550.
    expect(await usageOf("pallet_days")).toEqual({ total: "734", groups: { DAL: "160", RNO: "574" } }); // 160 + 574
    const renamed = await updateMeter(deps, ctx, id, { name: "Pallet-days, all storage" });
    expect(renamed.version).toBe(2); // a new name measures the same thing
    const audit = await sql<{ action: string }>`
      select action from audit_events where object_id = ${id} order by seq`.execute(db);
    expect(audit.rows.map((row) => row.action)).toEqual(["meter.created", "meter.redefined", "meter.updated"]);
  });

  it("stops counting once archived, keeping what was counted", async () => {
    const id = meters.get("orders") as string;
    await archiveMeter(deps, ctx, id);
    await storeEvents(db, [order("2026-11-20T10:00:00Z", 1, "ground")]);
    expect((await usageOf("orders")).total).toBe("3");
    expect((await usageOf("units_shipped")).total).toBe("20.5"); // 19.5 + 1: the sum meter still counts
  });

  it("refuses a bad definition naming the field, writing nothing", async () => {
    const before = await sql<{ n: string }>`select count(*) as n from meters`.execute(db);
    const attempt = createMeter(deps, ctx, {
      code: "bad_filter",
      name: "Bad",
      event_type: "order.shipped",
      aggregation: "count",
      filters: [{ property: "carrier", operator: "like", value: "U%" } as never],
    });
    await expect(attempt).rejects.toMatchObject({ code: "invalid_meter_filter", param: "filters[0].operator" });
    await expect(createMeter(deps, ctx, { ...(METERS[4] as NewMeter) })).rejects.toBeInstanceOf(DomainError);
    const after = await sql<{ n: string }>`select count(*) as n from meters`.execute(db);
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  });
});

describe("this period so far", () => {
  it("is the calendar month in the customer's time zone when it has no subscription", async () => {
    const chicago = await customerIn(deps, "America/Chicago");
    await storeEvents(db, [
      // 23:30 on Oct 31 in Chicago is already November in UTC, but October for the customer.
      {
        customer_id: chicago,
        type: "order.shipped",
        at: "2026-11-01T04:30:00Z",
        properties: { units: 5, service_level: "ground" },
      },
      {
        customer_id: chicago,
        type: "order.shipped",
        at: "2026-11-10T15:00:00Z",
        properties: { units: 2, service_level: "ground" },
      },
    ]);
    const usage = await customerUsage(deps, chicago, { meter: "units_shipped", period: "current" });
    expect(usage.period).toEqual({
      start: "2026-11-01T05:00:00Z", // midnight in Chicago (CDT, UTC−5)
      end: "2026-12-01T06:00:00Z", // midnight in Chicago (CST, UTC−6)
      source: "calendar_month",
      subscription: null,
    });
    expect(usage.data[0]?.quantity).toBe("2");
  });
});

describe("the API", async () => {
  const { app, adminKey, auth } = await testApp(deps);
  const call = async (method: "GET" | "POST", url: string, payload?: object) => {
    const response = await app.inject({ method, url, headers: auth(adminKey), ...(payload ? { payload } : {}) });
    return { status: response.statusCode, body: response.json() };
  };

  it("creates a meter, refuses a bad one naming the field, and reads usage", async () => {
    const created = await call("POST", "/v1/meters", {
      code: "vas_minutes",
      name: "Value-added minutes",
      event_type: "vas.performed",
      aggregation: "sum",
      value_property: "minutes",
      group_by: ["activity"],
    });
    expect(created).toMatchObject({ status: 200, body: { object: "meter", code: "vas_minutes", version: 1 } });
    const bad = await call("POST", "/v1/meters", { code: "x", name: "X", event_type: "a", aggregation: "average" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe("aggregation");
    const noValue = await call("POST", "/v1/meters", { code: "y", name: "Y", event_type: "a", aggregation: "sum" });
    expect(noValue).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_meter_value_property", param: "value_property" } },
    });
    const usage = await call(
      "GET",
      `/v1/customers/${customer}/usage?meter=units_shipped&from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z`,
    );
    expect(usage).toMatchObject({
      status: 200,
      body: { object: "usage", data: [{ code: "units_shipped", quantity: "20.5" }] },
    });
    const backfill = await call("POST", `/v1/meters/units_shipped/backfill`, {
      from: "2026-11-01T00:00:00Z",
      to: "2026-12-01T00:00:00Z",
    });
    expect(backfill.body).toMatchObject({ values_removed: 6, values_written: 6 }); // Nov 3, 5, 9, 20 and the Chicago customer's 2
  });
});
