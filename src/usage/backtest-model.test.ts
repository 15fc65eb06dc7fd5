import { describe, expect, it } from "vitest";
import {
  BacktestErrors,
  BacktestTally,
  csvLine,
  ERRORS_KEPT,
  type LiveVersion,
  segmentsByKey,
  summarizeBacktest,
  versionInForce,
} from "./backtest-model.js";

const acme = { id: "cus_a", external_id: "ACME-3PL", currency: "USD", time_zone: "UTC" };
const yen = { id: "cus_b", external_id: null, currency: "JPY", time_zone: "Asia/Tokyo" };
const charge = (code: string, quantity: string, amount: string, dimensions: Record<string, string> = {}) => ({
  code,
  quantity,
  amount,
  dimensions,
});

describe("BacktestTally", () => {
  it("sums each side per customer, code and dimensions (key order does not matter)", () => {
    const tally = new BacktestTally();
    tally.add("before", acme, charge("pick_line", "2", "0.60", { warehouse: "east", level: "2day" }));
    tally.add("before", acme, charge("pick_line", "3", "0.90", { level: "2day", warehouse: "east" }));
    tally.add("after", acme, charge("pick_line", "8", "2.40", { warehouse: "east", level: "2day" }));
    tally.add("after", yen, charge("storage", "1.5", "150"));
    const rows = tally.rows();
    expect(rows.map((row) => [row.code, row.before, row.after, row.difference])).toEqual([
      [
        "pick_line",
        { quantity: "5", amount: "1.50" }, // 2 + 3 lines; 0.60 + 0.90
        { quantity: "8", amount: "2.40" },
        { quantity: "3", amount: "0.90" }, // 8 − 5; 2.40 − 1.50
      ],
      [
        "storage",
        { quantity: "0", amount: "0" }, // JPY has no minor unit
        { quantity: "1.5", amount: "150" },
        { quantity: "1.5", amount: "150" },
      ],
    ]);
    expect(rows.map((row) => row.position)).toEqual([1, 2]);
  });

  it("gives finalize one charge per code and dimensions with the side's exact sums", () => {
    const tally = new BacktestTally();
    tally.add("before", acme, charge("pick_line", "2", "0.60", { warehouse: "east" }));
    tally.add("before", acme, charge("pick_line", "1", "0.30", { warehouse: "west" }));
    tally.add("before", acme, charge("markup", "6.3", "0.504"));
    tally.add("before", acme, charge("markup", "6.3", "0.504"));
    tally.add("after", acme, charge("order_fee", "1", "1.00"));
    expect(tally.periodCharges("before", acme.id).map((c) => [c.code, c.dimensions, c.quantity, c.amount])).toEqual([
      ["pick_line", { warehouse: "east" }, "2", "0.6"], // one line per warehouse, as the invoice has them
      ["pick_line", { warehouse: "west" }, "1", "0.3"],
      ["markup", {}, "12.6", "1.008"], // 0.504 + 0.504, exact: finalize rounds each line (1.01)
      ["order_fee", {}, "0", "0"], // charged only after
    ]);
  });

  it("rounds each row once, as its invoice line, and subtracts the rounded amounts", () => {
    const tally = new BacktestTally();
    // Before: three shipments at 6.30 × 8 % = 0.504 each; after, marked up on 6.3125, 6.3125 and 6.325.
    for (let i = 0; i < 3; i++) tally.add("before", acme, charge("markup", "6.3", "0.504"));
    for (const amount of ["0.505", "0.505", "0.506"]) tally.add("after", acme, charge("markup", "6.3", amount));
    // A half cent on each side: 0.005 + 0.005 + 0.005 = 0.015 → 0.02, not 3 × 0.01.
    for (let i = 0; i < 3; i++) tally.add("before", acme, charge("tiny", "1", "0.005"));
    for (let i = 0; i < 3; i++) tally.add("after", acme, charge("tiny", "1", "0.005"));
    expect(tally.rows().map((row) => [row.code, row.before.amount, row.after.amount, row.difference.amount])).toEqual([
      ["markup", "1.51", "1.52", "0.01"], // 1.512 → 1.51; 1.516 → 1.52; 1.52 − 1.51 (not 1.516 − 1.512 = 0.004 → 0.00)
      ["tiny", "0.02", "0.02", "0.00"], // 0.015 → 0.02 on both sides
    ]);
  });
});

describe("summarizeBacktest", () => {
  it("totals per currency and counts changed rows", () => {
    const tally = new BacktestTally();
    tally.add("before", acme, charge("order_fee", "3", "3.00"));
    tally.add("after", acme, charge("order_fee", "3", "3.00"));
    tally.add("before", acme, charge("pick_line", "5", "1.50"));
    tally.add("after", acme, charge("pick_line", "8", "2.40"));
    const errors = new BacktestErrors();
    errors.add("after", { customer: acme.id, transaction_id: "t1", timestamp: null }, error(4));
    const summary = summarizeBacktest(tally.rows(), errors, { customers: 1, events: 3 });
    expect(summary).toEqual({
      customers: 1,
      events: 3,
      unrated_before: 0,
      unrated_after: 1,
      rows: 2,
      rows_changed: 1, // pick_line only
      errors_kept: 1,
      totals: [{ currency: "USD", amount_before: "4.50", amount_after: "5.40", amount_difference: "0.90" }], // 3.00 + 1.50; 3.00 + 2.40
    });
  });
});

function error(line: number) {
  return { code: "script_runtime_error", message: "boom", line, version: 2 };
}

describe("BacktestErrors", () => {
  it("merges both sides of one event and keeps only the first ERRORS_KEPT events", () => {
    const errors = new BacktestErrors();
    const event = { customer: acme.id, transaction_id: "t1", timestamp: "2026-10-01T00:00:00Z" };
    errors.add("after", event, error(3));
    errors.add("before", event, error(7));
    for (let i = 0; i < ERRORS_KEPT + 5; i++) {
      errors.add("after", { customer: acme.id, transaction_id: `x${i}`, timestamp: null }, error(3));
    }
    expect(errors.list()[0]).toMatchObject({ transaction_id: "t1", before: { line: 7 }, after: { line: 3 } });
    expect(errors.list()).toHaveLength(ERRORS_KEPT);
    expect(errors.unrated).toEqual({ before: 1, after: ERRORS_KEPT + 6 }); // t1 and every x
  });
});

describe("versionInForce", () => {
  const versions: LiveVersion[] = [
    { id: "v2", number: 2, source: "", effective_from_ms: 200 },
    { id: "v1", number: 1, source: "", effective_from_ms: 100 },
  ];
  it.each([
    [99, null], // before the first version
    [100, "v1"], // effective_from is inclusive
    [199, "v1"],
    [200, "v2"],
    [10_000, "v2"],
  ])("at %d ms: %s", (ms, expected) => {
    expect(versionInForce(versions, ms)?.id ?? null).toBe(expected);
  });
});

describe("segmentsByKey", () => {
  it.each([
    [[], []],
    [["a"], [[0, 1]]],
    [["a", "a", "a", "a"], [[0, 4]]],
    [
      ["a", "a", "b", "b", "b"],
      [
        [0, 2],
        [2, 5],
      ],
    ],
    [
      ["a", "b", "b", "c"],
      [
        [0, 1],
        [1, 3],
        [3, 4],
      ],
    ],
  ])("%j → %j", async (keys, expected) => {
    const segments = await segmentsByKey(keys.length, async (i) => keys[i] as string);
    // Every run has one key, and the runs cover the events in order.
    for (const segment of segments) {
      expect(new Set(keys.slice(segment.from, segment.to)).size).toBe(1);
    }
    expect(segments.flatMap((s) => [s.from, s.to])).toEqual(expected.flat());
  });

  it("looks up a few keys, not every event, when the key changes once", async () => {
    const asked = new Set<number>();
    const keys = Array.from({ length: 5000 }, (_, i) => (i < 3210 ? "v1" : "v2"));
    const segments = await segmentsByKey(keys.length, async (i) => {
      asked.add(i);
      return keys[i] as string;
    });
    expect(segments).toEqual([
      { from: 0, to: 3210 },
      { from: 3210, to: 5000 },
    ]);
    expect(asked.size).toBeLessThan(60); // about 2 × log2(5000) ≈ 25 lookups plus the ends
  });
});

describe("csvLine", () => {
  it("quotes fields with commas or quotes and writes dimensions as key=value", () => {
    const tally = new BacktestTally();
    tally.add("after", acme, charge('vas "kit", deluxe', "2", "3.00", { warehouse: "east", level: "2day" }));
    const [row] = tally.rows();
    expect(csvLine(row as NonNullable<typeof row>)).toBe(
      'cus_a,ACME-3PL,USD,"vas ""kit"", deluxe",level=2day;warehouse=east,0,0.00,2,3.00,2,3.00\r\n',
    );
  });
});
