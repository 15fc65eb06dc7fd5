import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { Decimal } from "../kernel/money.js";
import { type GroupSeries, groupQuantity, type MeterPoint, meterUsage } from "./meter-aggregation.js";
import type { MeterAggregation } from "./meter-model.js";

const at = (text: string) => Temporal.Instant.from(text);
const point = (ts: string, value: string, unique_key: string | null = null): MeterPoint => ({
  ts: at(ts),
  value: new Decimal(value),
  unique_key,
});
/** November 2026 in UTC: 30 days. */
const november = { start: at("2026-11-01T00:00:00Z"), end: at("2026-12-01T00:00:00Z") };

describe("one group's quantity", () => {
  const shipped = [
    point("2026-11-02T10:00:00Z", "3"),
    point("2026-11-05T10:00:00Z", "12.5"),
    point("2026-11-09T10:00:00Z", "4"),
  ];
  const skus = [
    point("2026-11-02T10:00:00Z", "1", "SKU-1"),
    point("2026-11-03T10:00:00Z", "1", "SKU-2"),
    point("2026-11-04T10:00:00Z", "1", "SKU-1"),
  ];
  const rows: [string, MeterAggregation, Pick<GroupSeries, "carried" | "points">, string][] = [
    ["count of shipments", "count", { points: shipped }, "3"], // 3 events
    ["sum of units", "sum", { points: shipped }, "19.5"], // 3 + 12.5 + 4
    ["max of units", "max", { points: shipped }, "12.5"],
    ["max of nothing", "max", { points: [] }, "0"],
    ["unique SKUs", "unique_count", { points: skus }, "2"], // SKU-1 twice, SKU-2 once
    ["latest in the period", "latest", { points: shipped, carried: point("2026-10-20T00:00:00Z", "9") }, "4"],
    // No event in November: the 9 pallets counted in October are still held.
    ["latest carried over", "latest", { points: [], carried: point("2026-10-20T00:00:00Z", "9") }, "9"],
    ["latest of nothing", "latest", { points: [] }, "0"],
    [
      "pallet-days across the period boundary",
      "time_weighted_sum",
      // 10 pallets since October hold from Nov 1 00:00 to Nov 11 00:00 (10 days) = 100,
      // then 4 pallets from Nov 11 to Dec 1 (20 days) = 80: 180 pallet-days.
      { carried: point("2026-10-25T00:00:00Z", "10"), points: [point("2026-11-11T00:00:00Z", "4")] },
      "180",
    ],
    [
      "pallet-days from a mid-day receipt",
      "time_weighted_sum",
      // 6 pallets from Nov 29 12:00 to Dec 1 00:00: 1.5 days × 6 = 9.
      { points: [point("2026-11-29T12:00:00Z", "6")] },
      "9",
    ],
    [
      "pallet-days to the second, rounded once",
      "time_weighted_sum",
      // 1 pallet for the last 1 s of November: 1 / 86,400 = 0.0000115740… → 0.000012.
      { points: [point("2026-11-30T23:59:59Z", "1")] },
      "0.000012",
    ],
    [
      "pallet-days: same-instant events, the later one holds",
      "time_weighted_sum",
      // 5 then 7 at Nov 30 00:00: the 5 holds for 0 s, the 7 for 1 day = 7.
      { points: [point("2026-11-30T00:00:00Z", "5"), point("2026-11-30T00:00:00Z", "7")] },
      "7",
    ],
    ["pallet-days of nothing", "time_weighted_sum", { points: [] }, "0"],
  ];
  it.each(rows)("%s", (_name, aggregation, series, expected) => {
    expect(groupQuantity(aggregation, november, series).toString()).toBe(expected);
  });
});

describe("usage per group and in total", () => {
  const dallas = (value: string, sku: string) => point("2026-11-03T00:00:00Z", value, sku);
  const reno = (value: string, sku: string) => point("2026-11-04T00:00:00Z", value, sku);
  const series = (aggregationPoints: { dal: MeterPoint[]; rno: MeterPoint[] }): GroupSeries[] => [
    { group_key: '{"warehouse":"DAL"}', points: aggregationPoints.dal },
    { group_key: '{"warehouse":"RNO"}', points: aggregationPoints.rno },
  ];
  const points = series({ dal: [dallas("2", "A"), dallas("5", "B")], rno: [reno("3", "A")] });

  const rows: [MeterAggregation, string, string[]][] = [
    ["sum", "10", ["7", "3"]], // DAL 2 + 5 = 7, RNO 3; total 10
    ["max", "5", ["5", "3"]], // the largest group's max
    ["unique_count", "2", ["2", "1"]], // SKUs A and B; A in both warehouses counts once in the total
    ["count", "3", ["2", "1"]],
  ];
  it.each(rows)("%s", (aggregation, total, groups) => {
    const usage = meterUsage(aggregation, november, points);
    expect(usage.total.toString()).toBe(total);
    expect(usage.groups.map((group) => group.quantity.toString())).toEqual(groups);
  });

  it("sums pallet-days over warehouses and leaves out a group with nothing held", () => {
    const usage = meterUsage("time_weighted_sum", november, [
      // DAL: 2 pallets all month = 60; RNO: 1 pallet from Nov 16 = 15; ONT: 0 pallets carried in = 0.
      { group_key: '{"warehouse":"DAL"}', carried: point("2026-10-01T00:00:00Z", "2"), points: [] },
      { group_key: '{"warehouse":"RNO"}', points: [point("2026-11-16T00:00:00Z", "1")] },
      { group_key: '{"warehouse":"ONT"}', carried: point("2026-10-01T00:00:00Z", "0"), points: [] },
    ]);
    expect(usage.total.toString()).toBe("75"); // 60 + 15
    expect(usage.groups.map((group) => group.group_key)).toEqual(['{"warehouse":"DAL"}', '{"warehouse":"RNO"}']);
  });
});
