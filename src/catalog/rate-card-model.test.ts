import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import {
  applyRateChanges,
  diffRates,
  isBackdated,
  overlayRates,
  type RateCardVersionStatus,
  type RateSet,
  readRates,
  versionInForce,
} from "./rate-card-model.js";
import { thrown } from "./test-support.js";

const r = (value: string, unit: string | null = null, description: string | null = null) => ({
  value,
  unit,
  description,
});

describe("readRates", () => {
  it("reads shorthand and full rates, sorted by code", () => {
    expect(readRates({ pick_per_line: "0.30", receiving_carton: { value: "1.25", unit: "carton" } })).toEqual({
      pick_per_line: r("0.30"),
      receiving_carton: r("1.25", "carton"),
    });
    expect(Object.keys(readRates({ b_rate: "1", a_rate: "2" }))).toEqual(["a_rate", "b_rate"]);
  });

  it.each([
    [{ PickFirst: "1" }, "invalid_rate_code", "rates.PickFirst"],
    [{ "1st_unit": "1" }, "invalid_rate_code", "rates.1st_unit"],
    [{ pick__unit: "1" }, "invalid_rate_code", "rates.pick__unit"],
    [{ pick_unit: "1.0000000000001" }, "invalid_rate_value", "rates.pick_unit"], // 13 decimals
    [{ pick_unit: "-1" }, "invalid_rate_value", "rates.pick_unit"],
    [{ pick_unit: { value: 1 } }, "invalid_rate_value", "rates.pick_unit.value"], // a float is refused
    [{ pick_unit: { value: "1", colour: "red" } }, "invalid_rate_card", "rates.pick_unit.colour"],
    [[], "invalid_rate_card", "rates"],
  ])("refuses %j with %s naming %s", (input, code, param) => {
    const error = thrown(() => readRates(input));
    expect([error.code, error.param]).toEqual([code, param]);
  });

  it("accepts 12 decimals", () => {
    expect(readRates({ sms_segment: "0.000420000001" }).sms_segment?.value).toBe("0.000420000001");
  });
});

describe("applyRateChanges", () => {
  const base: RateSet = { a_rate: r("1"), b_rate: r("2") };
  it.each([
    ["set changes one code", { set: { a_rate: r("1.5") } }, { a_rate: r("1.5"), b_rate: r("2") }],
    ["set adds a code", { set: { c_rate: r("3") } }, { a_rate: r("1"), b_rate: r("2"), c_rate: r("3") }],
    ["remove drops a code", { remove: ["a_rate"] }, { b_rate: r("2") }],
    ["nothing changes nothing", {}, base],
  ])("%s", (_name, changes, expected) => {
    expect(applyRateChanges(base, changes)).toEqual(expected);
  });

  it("refuses removing a code the card does not hold, or setting and removing one code", () => {
    expect(thrown(() => applyRateChanges(base, { remove: ["zz_rate"] })).param).toBe("remove[0]");
    expect(thrown(() => applyRateChanges(base, { set: { a_rate: r("1") }, remove: ["a_rate"] })).code).toBe(
      "invalid_rate_change",
    );
  });
});

describe("overlayRates", () => {
  const defaults: RateSet = {
    pick_first_unit: r("2.75", "order", "first unit"),
    pick_per_line: r("0.30", "line", "per line"),
  };
  it.each([
    [
      "no overrides: the default",
      {},
      { pick_first_unit: "2.75", pick_per_line: "0.30" },
      { pick_first_unit: "default", pick_per_line: "default" },
    ],
    [
      "an override wins for its code only",
      { pick_first_unit: r("2.50") },
      { pick_first_unit: "2.50", pick_per_line: "0.30" },
      { pick_first_unit: "customer", pick_per_line: "default" },
    ],
    [
      "a code only the customer has is added",
      { kitting_flat: r("10") },
      { kitting_flat: "10", pick_first_unit: "2.75", pick_per_line: "0.30" },
      { kitting_flat: "customer", pick_first_unit: "default", pick_per_line: "default" },
    ],
  ])("%s", (_name, overrides, values, source) => {
    const overlaid = overlayRates(defaults, overrides);
    expect(Object.fromEntries(Object.entries(overlaid.rates).map(([code, rate]) => [code, rate.value]))).toEqual(
      values,
    );
    expect(overlaid.source).toEqual(source);
  });

  it("keeps the default's unit and description when the override gives only a value", () => {
    expect(overlayRates(defaults, { pick_first_unit: r("2.50") }).rates.pick_first_unit).toEqual(
      r("2.50", "order", "first unit"),
    );
  });
});

describe("diffRates", () => {
  it.each([
    ["identical", { a_rate: r("1") }, { a_rate: r("1.00") }, { added: [], removed: [], changed: [], unchanged: 1 }],
    [
      "added and removed",
      { a_rate: r("1") },
      { b_rate: r("2") },
      {
        added: [{ code: "b_rate", rate: r("2") }],
        removed: [{ code: "a_rate", rate: r("1") }],
        changed: [],
        unchanged: 0,
      },
    ],
    [
      "changed value and unit",
      { a_rate: r("1", "unit") },
      { a_rate: r("1.10", "order") },
      {
        added: [],
        removed: [],
        changed: [{ code: "a_rate", from: r("1", "unit"), to: r("1.10", "order"), fields: ["value", "unit"] }],
        unchanged: 0,
      },
    ],
    [
      "from nothing",
      {},
      { a_rate: r("1") },
      { added: [{ code: "a_rate", rate: r("1") }], removed: [], changed: [], unchanged: 0 },
    ],
  ])("%s", (_name, from, to, expected) => {
    expect(diffRates(from, to)).toEqual(expected);
  });
});

describe("versionInForce", () => {
  const v = (number: number, status: RateCardVersionStatus, from: string | null) => ({
    number,
    status,
    effective_from: from === null ? null : Temporal.Instant.from(from),
  });
  const versions = [
    v(1, "approved", "2026-01-01T00:00:00Z"),
    v(2, "approved", "2026-03-01T00:00:00Z"),
    v(3, "rejected", "2026-02-01T00:00:00Z"),
    v(4, "pending_approval", "2026-02-15T00:00:00Z"),
    v(5, "approved", "2026-03-01T00:00:00Z"),
    v(6, "draft", null),
  ];
  it.each([
    ["before any version", "2025-12-31T23:59:59Z", undefined],
    ["on the first boundary", "2026-01-01T00:00:00Z", 1],
    ["rejected and pending versions never apply", "2026-02-20T00:00:00Z", 1],
    ["two starting together: the later approved", "2026-03-01T00:00:00Z", 5],
    ["long after", "2027-01-01T00:00:00Z", 5],
  ])("%s", (_name, at, expected) => {
    expect(versionInForce(versions, Temporal.Instant.from(at))?.number).toBe(expected);
  });
});

describe("versionInForce with a backdated version", () => {
  // Version 2 was approved on December 10 with a start of October 15, after version 1's January 1:
  // each instant still falls in exactly one version's span, whenever that version was approved.
  const versions = [
    { number: 1, status: "approved" as const, effective_from: Temporal.Instant.from("2026-01-01T00:00:00Z") },
    { number: 2, status: "approved" as const, effective_from: Temporal.Instant.from("2026-10-15T00:00:00Z") },
  ];
  it.each([
    ["an event before the backdated start keeps version 1", "2026-10-14T23:59:59Z", 1],
    ["an event on the backdated start takes version 2", "2026-10-15T00:00:00Z", 2],
    ["an event between the start and the approval takes version 2", "2026-11-05T10:00:00Z", 2],
  ])("%s", (_name, at, expected) => {
    expect(versionInForce(versions, Temporal.Instant.from(at))?.number).toBe(expected);
  });
});

describe("isBackdated", () => {
  it.each([
    ["a start before the moment assessed", "2026-10-15T00:00:00Z", "2026-12-10T09:00:00Z", true],
    ["a start at that moment", "2026-12-10T09:00:00Z", "2026-12-10T09:00:00Z", false],
    ["a start after it", "2027-01-01T00:00:00Z", "2026-12-10T09:00:00Z", false],
    ["no start: in force when approved", null, "2026-12-10T09:00:00Z", false],
  ])("%s", (_name, from, at, expected) => {
    expect(isBackdated(from === null ? null : Temporal.Instant.from(from), Temporal.Instant.from(at))).toBe(expected);
  });
});
