import { describe, expect, it } from "vitest";
import {
  chargeBeforeRounding,
  type PercentageModel,
  priceQuantity,
  priceTransactions,
  validateChargeModel,
} from "./charge-models.js";
import { card, d, graduated, pack, TIERS, thrown, volume } from "./test-support.js";

describe("priceQuantity", () => {
  it.each<[string, Record<string, unknown>, string, string, string]>([
    ["graduated 250", graduated, "250", "USD", "225.00"], // 100 × 1.00 + 150 × 0.80 + 5.00
    ["volume 250", volume, "250", "USD", "205.00"], // 250 × 0.80 + 5.00: all units at tier 2
    ["graduated 1,500", graduated, "1500", "USD", "1075.00"], // 100 × 1.00 + 900 × 0.80 + 5.00 + 500 × 0.50
    ["volume 1,500", volume, "1500", "USD", "750.00"], // 1,500 × 0.50, tier 3 has no flat fee
    ["graduated on a boundary", graduated, "100", "USD", "100.00"], // up_to is inclusive: 100 × 1.00
    ["volume on a boundary", volume, "100", "USD", "100.00"], // 100 × 1.00
    ["graduated, half a unit past it", graduated, "100.5", "USD", "105.40"], // 100 + 0.5 × 0.80 + 5.00
    ["graduated, no usage", graduated, "0", "USD", "0.00"], // no unit reached tier 1
    ["volume, no usage", volume, "0", "USD", "0.00"], // zero lands in no tier, so no flat fee
    ["package 101 at 100 a pack", pack, "101", "USD", "10.00"], // ⌈101 / 100⌉ = 2 packs × 5.00
    ["package 101, rounding down", { ...pack, rounding: "down" }, "101", "USD", "5.00"], // ⌊101 / 100⌋ = 1 × 5.00
    ["package of exactly 100", pack, "100", "USD", "5.00"], // 1 pack × 5.00
    ["package, no usage", pack, "0", "USD", "0.00"], // 0 packs
    ["flat ignores quantity", { kind: "flat", amount: "49.00" }, "0", "USD", "49.00"],
    ["percent of one transaction", card, "100.00", "USD", "2.90"], // 100.00 × 2.9 / 100
    ["percent below the minimum", card, "5.00", "USD", "0.30"], // 5.00 × 2.9% = 0.145 → 0.30 minimum
    ["percent above the maximum", card, "500.00", "USD", "5.00"], // 500.00 × 2.9% = 14.50 → 5.00 maximum
    ["usage price 0.00042", { kind: "per_unit", unit_amount: "0.00042" }, "1234567", "USD", "518.52"], // 518.51814
    ["half a cent rounds up", { kind: "per_unit", unit_amount: "0.00125" }, "4", "USD", "0.01"], // 0.005
    ["just under half a cent", { kind: "per_unit", unit_amount: "0.001249" }, "4", "USD", "0.00"], // 0.004996
    ["JPY, half a yen rounds up", { kind: "per_unit", unit_amount: "12.5" }, "3", "JPY", "38"], // 37.5
    ["JPY graduated", graduated, "250", "JPY", "225"], // 100 × 1 + 150 × 0.8 + 5
    ["JPY usage price", { kind: "per_unit", unit_amount: "0.00042" }, "1234567", "JPY", "519"], // 518.51814
    ["BHD, 3 decimals", { kind: "per_unit", unit_amount: "1.2345" }, "3", "BHD", "3.704"], // 3.7035
    ["BHD usage price", { kind: "per_unit", unit_amount: "0.00042" }, "1234567", "BHD", "518.518"], // 518.51814
  ])("%s", (_name, input, quantity, currency, expected) => {
    const rated = priceQuantity(validateChargeModel(input, currency), d(quantity), currency);
    expect(rated.amount.toFixed()).toBe(d(expected).toFixed());
    expect(rated.minimum_applied).toBeUndefined();
  });

  it("lifts a line to the minimum charge and says so", () => {
    const model = validateChargeModel({ kind: "per_unit", unit_amount: "0.10", minimum_amount: "25.00" }, "USD");
    const low = priceQuantity(model, d("120"), "USD");
    expect(low.amount.toFixed(2)).toBe("25.00"); // 120 × 0.10 = 12.00 < 25.00
    expect(low.minimum_applied?.amount_before_minimum.toFixed(2)).toBe("12.00");
    expect(low.explanation).toBe("120 × 0.1 = 12; total 12.00 USD, below the minimum, billed 25.00 USD");
    const high = priceQuantity(model, d("300"), "USD");
    expect(high.amount.toFixed(2)).toBe("30.00"); // 300 × 0.10 = 30.00 ≥ 25.00
    expect(high.minimum_applied).toBeUndefined();
  });

  it("refuses a negative quantity", () => {
    const model = validateChargeModel({ kind: "per_unit", unit_amount: "1" }, "USD");
    expect(thrown(() => priceQuantity(model, d("-1"), "USD"))).toMatchObject({
      code: "invalid_quantity",
      param: "quantity",
    });
  });
});

describe("priceTransactions", () => {
  it("clamps each transaction's fee, not the period's sum", () => {
    const model = validateChargeModel(card, "USD") as PercentageModel;
    const rated = priceTransactions(model, [d("5.00"), d("100.00"), d("500.00"), d("0")], "USD");
    expect(rated.amount.toFixed(2)).toBe("8.20"); // 0.30 (0.145 raised) + 2.90 + 5.00 (14.50 capped); 0 pays nothing
    // Clamping the sum instead would give min(605.00 × 2.9%, 5.00) = 5.00.
  });

  it("sums the exact fees and rounds once", () => {
    const model = validateChargeModel({ kind: "percentage", percent: "1.5" }, "USD") as PercentageModel;
    const rated = priceTransactions(model, [d("0.30"), d("0.30"), d("0.30")], "USD");
    expect(rated.amount.toFixed(2)).toBe("0.01"); // 3 × 0.0045 = 0.0135; rounding each first would give 0.00
  });
});

describe("chargeBeforeRounding", () => {
  it("keeps the digits proration multiplies", () => {
    const model = validateChargeModel({ kind: "per_unit", unit_amount: "0.00042" }, "USD");
    expect(chargeBeforeRounding(model, d("1234567")).toFixed()).toBe("518.51814");
  });
});

describe("validateChargeModel", () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    ["unknown kind", { kind: "stairstep" }, "invalid_charge_model", "kind"],
    ["no tiers", { kind: "graduated", tiers: [] }, "invalid_tiers", "tiers"],
    [
      "tiers not ascending",
      { kind: "volume", tiers: [{ up_to: "100", unit_amount: "1" }, { up_to: "50", unit_amount: "1" }, TIERS[2]] },
      "invalid_tiers",
      "tiers[1].up_to",
    ],
    ["last tier bounded", { kind: "graduated", tiers: TIERS.slice(0, 2) }, "invalid_tiers", "tiers[1].up_to"],
    [
      "unbounded tier before the last",
      { kind: "graduated", tiers: [TIERS[2], TIERS[2]] },
      "invalid_tiers",
      "tiers[0].up_to",
    ],
    [
      "tier up to 0",
      { kind: "graduated", tiers: [{ up_to: "0", unit_amount: "1" }, TIERS[2]] },
      "invalid_tiers",
      "tiers[0]",
    ],
    ["tier without a price", { kind: "graduated", tiers: [{ up_to: null }] }, "invalid_tiers", "tiers[0]"],
    [
      "negative tier price",
      { kind: "graduated", tiers: [{ up_to: null, unit_amount: "-1" }] },
      "invalid_tiers",
      "tiers[0].unit_amount",
    ],
    [
      "13 decimals",
      { kind: "graduated", tiers: [{ up_to: null, unit_amount: "0.0000000000001" }] },
      "invalid_amount",
      "tiers[0].unit_amount",
    ],
    ["a float price", { kind: "per_unit", unit_amount: 0.1 }, "invalid_amount", "unit_amount"],
    ["negative unit price", { kind: "per_unit", unit_amount: "-0.10" }, "invalid_price", "unit_amount"],
    ["package of 0", { ...pack, package_size: 0 }, "invalid_package_size", "package_size"],
    ["package of 1.5", { ...pack, package_size: 1.5 }, "invalid_package_size", "package_size"],
    ["package rounding sideways", { ...pack, rounding: "nearest" }, "invalid_charge_model", "rounding"],
    ["percent over 100", { kind: "percentage", percent: "100.01" }, "invalid_percent", "percent"],
    ["percent below 0", { kind: "percentage", percent: "-1" }, "invalid_percent", "percent"],
    [
      "maximum below minimum",
      { ...card, transaction_maximum_amount: "0.20" },
      "invalid_price",
      "transaction_maximum_amount",
    ],
    [
      "minimum in tenths of a cent",
      { kind: "flat", amount: "1", minimum_amount: "10.005" },
      "invalid_amount",
      "minimum_amount",
    ],
    ["a misspelt field", { kind: "flat", amount: "1", minimum: "5.00" }, "invalid_charge_model", "minimum"],
    ["a field of another kind", { kind: "flat", amount: "1", unit_amount: "1" }, "invalid_charge_model", "unit_amount"],
    [
      "a misspelt tier field",
      { kind: "graduated", tiers: [{ up_to: null, unit_price: "1" }] },
      "invalid_tiers",
      "tiers[0].unit_price",
    ],
    ["negative minimum", { kind: "flat", amount: "1", minimum_amount: "-1.00" }, "invalid_minimum", "minimum_amount"],
  ])("%s → %s", (_name, input, code, param) => {
    expect(thrown(() => validateChargeModel(input, "USD"))).toMatchObject({ code, param });
  });

  it("accepts 12 decimals, 0 and 100 percent, and a BHD minimum in fils", () => {
    expect(() => validateChargeModel({ kind: "per_unit", unit_amount: "0.000000000001" }, "USD")).not.toThrow();
    expect(() => validateChargeModel({ kind: "percentage", percent: "0" }, "USD")).not.toThrow();
    expect(() => validateChargeModel({ kind: "percentage", percent: "100" }, "USD")).not.toThrow();
    expect(() => validateChargeModel({ kind: "flat", amount: "1", minimum_amount: "10.005" }, "BHD")).not.toThrow();
  });
});
