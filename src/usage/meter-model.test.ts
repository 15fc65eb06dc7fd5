import { describe, expect, it } from "vitest";
import { thrown } from "../catalog/test-support.js";
import { checkMeterDefinition, type Meter, meterValueOf, propertyNumber, propertyText } from "./meter-model.js";

const storage: Meter = {
  id: "mtr_storage",
  code: "pallet_days",
  name: "Pallet-days, cold storage",
  version: 1,
  status: "active",
  event_type: "inventory.snapshot",
  filters: [{ property: "storage_type", operator: "in", values: ["chilled", "frozen"] }],
  aggregation: "time_weighted_sum",
  value_property: "pallets",
  group_by: ["warehouse", "storage_type"],
};
const event = (properties: Record<string, unknown>, type = "inventory.snapshot") => ({
  id: "0190a000-0000-7000-8000-000000000001",
  customer_id: "cus_1",
  type,
  ts: new Date("2026-11-02T00:00:00Z"),
  properties,
});

describe("which events a meter counts", () => {
  const rows: [string, Record<string, unknown>, string | undefined, string | undefined][] = [
    [
      "chilled pallets",
      { storage_type: "chilled", pallets: 12, warehouse: "DAL" },
      "12",
      '{"warehouse":"DAL","storage_type":"chilled"}',
    ],
    [
      "pallets as decimal text",
      { storage_type: "frozen", pallets: "3.5", warehouse: "RNO" },
      "3.5",
      '{"warehouse":"RNO","storage_type":"frozen"}',
    ],
    ["ambient is filtered out", { storage_type: "ambient", pallets: 12, warehouse: "DAL" }, undefined, undefined],
    ["no pallets, nothing to weigh", { storage_type: "chilled", warehouse: "DAL" }, undefined, undefined],
    ["pallets in words", { storage_type: "chilled", pallets: "twelve" }, undefined, undefined],
    [
      "a missing group property groups as null",
      { storage_type: "chilled", pallets: 1 },
      "1",
      '{"warehouse":null,"storage_type":"chilled"}',
    ],
  ];
  it.each(rows)("%s", (_name, properties, value, group) => {
    const row = meterValueOf(storage, event(properties));
    expect(row?.value).toBe(value);
    expect(row?.group_key).toBe(group);
  });

  it("ignores other event types, counts events and keeps unique keys", () => {
    expect(meterValueOf(storage, event({ storage_type: "chilled", pallets: 1 }, "order.shipped"))).toBeUndefined();
    const count = { ...storage, aggregation: "count" as const, value_property: null, filters: [], group_by: [] };
    expect(meterValueOf(count, event({}))).toMatchObject({ value: "1", group_key: "{}", unique_key: null });
    const skus = { ...count, aggregation: "unique_count" as const, value_property: "sku" };
    expect(meterValueOf(skus, event({ sku: 1042 }))).toMatchObject({ value: "1", unique_key: "1042" });
    expect(meterValueOf(skus, event({}))).toBeUndefined();
  });

  it("reads properties through their decimal text", () => {
    expect(propertyText(0.1)).toBe("0.1");
    expect(propertyText(true)).toBe("true");
    expect(propertyText({ a: 1 })).toBeUndefined();
    expect(propertyNumber(0.1)?.toString()).toBe("0.1");
    expect(propertyNumber("1e3")).toBeUndefined();
    expect(propertyNumber("007")).toBeUndefined();
  });
});

describe("meter definitions", () => {
  const base = { event_type: "order.shipped", aggregation: "sum", value_property: "units" };
  const rows: [string, Record<string, unknown>, string, string][] = [
    ["unknown aggregation", { ...base, aggregation: "avg" }, "invalid_meter", "aggregation"],
    ["bad event type", { ...base, event_type: " spaces " }, "invalid_meter", "event_type"],
    ["sum without a value", { ...base, value_property: undefined }, "invalid_meter_value_property", "value_property"],
    ["count with a value", { ...base, aggregation: "count" }, "invalid_meter_value_property", "value_property"],
    [
      "bad operator",
      { ...base, filters: [{ property: "carrier", operator: "like", value: "U%" }] },
      "invalid_meter_filter",
      "filters[0].operator",
    ],
    [
      "empty in",
      { ...base, filters: [{ property: "carrier", operator: "in", values: [] }] },
      "invalid_meter_filter",
      "filters[0].values",
    ],
    [
      "number in a filter",
      { ...base, filters: [{ property: "carrier", operator: "equals", value: 3 }] },
      "invalid_meter_filter",
      "filters[0].value",
    ],
    ["nested property", { ...base, group_by: ["ship.to"] }, "invalid_meter_group_by", "group_by[0]"],
    ["group twice", { ...base, group_by: ["warehouse", "warehouse"] }, "invalid_meter_group_by", "group_by"],
  ];
  it.each(rows)("refuses %s, naming the field", (_name, input, code, param) => {
    const error = thrown(() => checkMeterDefinition(input as never));
    expect([error.code, error.param]).toEqual([code, param]);
  });

  it("keeps a valid definition, with repeated filter values once", () => {
    const definition = checkMeterDefinition({
      ...base,
      filters: [{ property: "service_level", operator: "in", values: ["2day", "2day", "ground"] }],
      group_by: ["warehouse"],
    });
    expect(definition.filters).toEqual([{ property: "service_level", operator: "in", values: ["2day", "ground"] }]);
  });
});
