import { createHash } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { wmsCustomers } from "./wms-customers.js";
import { isoInstant, type WmsEvent, wmsEvents, wmsNdjsonChunks } from "./wms-generator.js";
import { writeWmsLog } from "./wms-writer.js";

const OPTIONS = { customers: 8, days: 14, events_per_day: 60, seed: 7, start: "2026-10-01" };
const events: WmsEvent[] = [...wmsEvents(OPTIONS)];

function digest(options: typeof OPTIONS): string {
  const hash = createHash("sha256");
  for (const chunk of wmsNdjsonChunks(options)) hash.update(chunk);
  return hash.digest("hex");
}

const isInt = (value: unknown) => Number.isInteger(value);
/** A JSON number with at most `places` decimals: 3.4 yes, 3.45 not for one place. */
const hasDecimals = (value: unknown, places: number) =>
  typeof value === "number" && (String(value).split(".")[1]?.length ?? 0) <= places;

describe("the WMS activity-log generator", () => {
  it("writes the same bytes for the same seed, and others for another", () => {
    expect(digest(OPTIONS)).toBe(digest(OPTIONS));
    expect(digest({ ...OPTIONS, seed: 8 })).not.toBe(digest(OPTIONS));
  });

  it("writes events in time order with unique transaction ids, customers by external id", () => {
    for (let i = 1; i < events.length; i++) {
      expect((events[i - 1] as WmsEvent).timestamp <= (events[i] as WmsEvent).timestamp).toBe(true);
    }
    expect(new Set(events.map((event) => event.transaction_id)).size).toBe(events.length);
    expect(new Set(events.map((event) => event.customer))).toEqual(
      new Set(Array.from({ length: 8 }, (_, i) => `wms-cust-00${i + 1}`)),
    );
  });

  it("sends about the configured number of events a day, mostly orders, returns about 5% of orders", () => {
    const expected = 8 * 14 * 60; // customers × days × events per day = 6,720
    expect(events.length).toBeGreaterThan(expected * 0.9);
    expect(events.length).toBeLessThan(expected * 1.1);
    const count = (type: string) => events.filter((event) => event.type === type).length;
    expect(count("order.shipped") / events.length).toBeGreaterThan(0.8);
    expect(count("return.processed") / count("order.shipped")).toBeGreaterThan(0.03);
    expect(count("return.processed") / count("order.shipped")).toBeLessThan(0.07);
    for (const type of ["inbound.received", "vas.performed", "inventory.snapshot"])
      expect(count(type)).toBeGreaterThan(0);
  });

  it("keeps every day near the configured rate: weekdays a little above, weekends below", () => {
    const customers = wmsCustomers(8, 7);
    const perDay = new Map<string, number>();
    for (const event of events) {
      const zone = customers.find((customer) => customer.external_id === event.customer)?.time_zone ?? "UTC";
      const day = Temporal.Instant.from(event.timestamp).toZonedDateTimeISO(zone).toPlainDate().toString();
      perDay.set(day, (perDay.get(day) ?? 0) + 1);
    }
    expect(perDay.size).toBe(14);
    for (const [day, count] of perDay) {
      const weekend = Temporal.PlainDate.from(day).dayOfWeek >= 6;
      // 8 customers × 60 = 480 a day on average; × 1.1 on weekdays (528), × 0.75 at weekends (360), ± noise
      const expected = 480 * (weekend ? 0.75 : 1.1);
      expect(count, day).toBeGreaterThan(expected * 0.75);
      expect(count, day).toBeLessThan(expected * 1.25);
    }
  });

  it("takes one inventory snapshot per customer, storage type and local day, at 23:00 local time", () => {
    const customers = wmsCustomers(8, 7);
    const snapshots = events.filter((event) => event.type === "inventory.snapshot");
    const expected = customers.reduce((sum, customer) => sum + customer.storage_types.length, 0) * 14;
    expect(snapshots).toHaveLength(expected);
    const keys = new Set<string>();
    for (const snapshot of snapshots) {
      const customer = customers.find((candidate) => candidate.external_id === snapshot.customer);
      const local = Temporal.Instant.from(snapshot.timestamp).toZonedDateTimeISO(customer?.time_zone ?? "UTC");
      expect(local.toPlainTime().toString()).toBe("23:00:00");
      keys.add(`${snapshot.customer}/${snapshot.properties.storage_type}/${local.toPlainDate()}`);
    }
    expect(keys.size).toBe(snapshots.length);
  });

  it("gives every event type the fields of the 3PL case", () => {
    const checks: Record<string, (p: Record<string, unknown>) => boolean> = {
      "inbound.received": (p) =>
        typeof p.sku === "string" &&
        isInt(p.cartons) &&
        isInt(p.pallets) &&
        isInt(p.units) &&
        (p.pallets as number) >= 1,
      "inventory.snapshot": (p) =>
        ["ambient", "chilled", "frozen"].includes(p.storage_type as string) &&
        isInt(p.pallets) &&
        isInt(p.bins) &&
        hasDecimals(p.cubic_feet, 1),
      "order.shipped": (p) =>
        typeof p.order_id === "string" &&
        isInt(p.lines) &&
        (p.lines as number) >= 1 &&
        (p.units as number) >= (p.lines as number) &&
        hasDecimals(p.weight_lb, 1) &&
        ["UPS", "FedEx", "USPS", "DHL"].includes(p.carrier as string) &&
        ["ground", "2day", "overnight"].includes(p.service_level as string) &&
        ["poly_mailer", "small_box", "medium_box", "large_box"].includes(p.packaging as string) &&
        hasDecimals(p.ship_cost, 2),
      "return.processed": (p) =>
        typeof p.order_id === "string" &&
        isInt(p.units) &&
        ["resellable", "damaged", "refurbish"].includes(p.condition as string),
      "vas.performed": (p) =>
        ["kitting", "labeling"].includes(p.service as string) && isInt(p.units) && isInt(p.minutes),
      "project.hours": (p) =>
        Number.isInteger((p.hours as number) * 4) &&
        ["associate", "supervisor", "engineer"].includes(p.role as string) &&
        typeof p.description === "string",
    };
    for (const event of events) {
      expect(Object.keys(event)).toEqual(["transaction_id", "customer", "type", "timestamp", "properties"]);
      expect(event.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(typeof event.properties.warehouse).toBe("string");
      expect(checks[event.type]?.(event.properties), JSON.stringify(event)).toBe(true);
    }
  });

  it("returns name orders the customer shipped before", () => {
    const shipped = new Map<string, number>();
    for (const event of events) {
      if (event.type === "order.shipped")
        shipped.set(String(event.properties.order_id), Number(event.properties.units));
      if (event.type === "return.processed") {
        const units = shipped.get(String(event.properties.order_id));
        expect(units).toBeDefined();
        expect(Number(event.properties.units)).toBeLessThanOrEqual(units ?? 0);
      }
    }
  });

  it.each([
    [0, "1970-01-01T00:00:00Z"],
    [951_782_400_000, "2000-02-29T00:00:00Z"], // a leap day
    [1_790_812_799_000, "2026-09-30T23:59:59Z"],
  ])("formats %d ms as %s", (ms, text) => {
    expect(isoInstant(ms)).toBe(text);
    expect(Temporal.Instant.fromEpochMilliseconds(ms).toString()).toBe(text);
  });

  it("streams to a gzip file identical to the plain log, with the customer CSV beside it", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "wms-"));
    const plain = path.join(dir, "wms.ndjson");
    const gzip = path.join(dir, "wms.ndjson.gz");
    const progress: number[] = [];
    const summary = await writeWmsLog({
      ...OPTIONS,
      out: plain,
      customers_csv: path.join(dir, "customers.csv"),
      on_progress: ({ day }) => progress.push(day),
    });
    await writeWmsLog({ ...OPTIONS, out: gzip });
    const text = await readFile(plain, "utf8");
    expect(gunzipSync(await readFile(gzip)).toString("utf8")).toBe(text);
    expect(text.split("\n").filter((line) => line !== "")).toHaveLength(events.length);
    expect(summary.events).toBe(events.length);
    expect(Object.values(summary.by_type).reduce((sum, count) => sum + count, 0)).toBe(events.length);
    expect(progress.at(-1)).toBe(14);
    const csv = await readFile(path.join(dir, "customers.csv"), "utf8");
    expect(csv.split("\n")[1]).toMatch(/^wms-cust-001,/);
  });
});
