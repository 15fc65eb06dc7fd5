import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { getCustomer, importCustomers } from "../customers/index.js";
import { systemContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { wmsCustomers, wmsCustomersCsv } from "./wms-customers.js";

const { db } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-09-30T12:00:00Z") };

describe("the WMS clients", () => {
  it("are the same for the same seed, and average to one on the events-per-day scale", () => {
    expect(wmsCustomers(20, 3)).toEqual(wmsCustomers(20, 3));
    const weights = wmsCustomers(20, 3).map((customer) => customer.weight);
    expect(weights.reduce((sum, weight) => sum + weight, 0) / 20).toBeCloseTo(1, 10);
    expect(wmsCustomers(20, 3)[0]?.external_id).toBe("wms-cust-001");
  });

  it("import with `accrue customers import` as written, and a second import changes nothing", async () => {
    const csv = wmsCustomersCsv(wmsCustomers(12, 5));
    const ctx = systemContext("test", "req_wms_import");
    const first = await importCustomers(deps, ctx, csv);
    expect(first.rows.filter((row) => row.outcome === "error")).toEqual([]);
    expect(first.created).toBe(12);
    const again = await importCustomers(deps, ctx, csv);
    expect(again.unchanged).toBe(12);
    const customer = await getCustomer(deps, "wms-cust-001");
    const expected = wmsCustomers(12, 5)[0];
    expect(customer).toMatchObject({ currency: "USD", time_zone: expected?.time_zone, tags: ["3pl", "wms-demo"] });
    expect(customer.metadata.size_profile).toBe(expected?.size);
  });
});
