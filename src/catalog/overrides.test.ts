import { describe, expect, it } from "vitest";
import { type ChargeModel, priceQuantity, validateChargeModel } from "./charge-models.js";
import { applyOverride, type ChargeModelOverride } from "./overrides.js";
import { card, d, graduated, TIERS, thrown } from "./test-support.js";

describe("applyOverride", () => {
  const plan = validateChargeModel({ ...graduated, minimum_amount: "50.00" }, "USD");
  const at = (model: ChargeModel, quantity: string) => priceQuantity(model, d(quantity), "USD").amount.toFixed(2);

  it.each<[string, ChargeModelOverride, string, string]>([
    ["no override", {}, "250", "225.00"], // 100 × 1.00 + 150 × 0.80 + 5.00
    ["tier 2 at 0.70", { tiers: { 1: { unit_amount: d("0.70") } } }, "250", "210.00"], // 100 + 150 × 0.70 + 5.00
    ["tier 2's flat fee waived", { tiers: { 1: { flat_amount: d("0") } } }, "250", "220.00"], // 100 + 120
    ["plan minimum applies", {}, "10", "50.00"], // 10 × 1.00 = 10.00 < 50.00
    ["minimum lowered", { minimum_amount: d("20.00") }, "10", "20.00"], // 10.00 < 20.00
    ["minimum removed", { minimum_amount: null }, "10", "10.00"], // 10 × 1.00
  ])("%s", (_name, override, quantity, expected) => {
    expect(at(applyOverride(plan, override), quantity)).toBe(expected);
  });

  it("resolves at rating time, so the plan's later prices reach the customer", () => {
    const override: ChargeModelOverride = { tiers: { 1: { unit_amount: d("0.70") } } };
    const repriced = validateChargeModel(
      { kind: "graduated", tiers: [{ ...TIERS[0], unit_amount: "0.90" }, ...TIERS.slice(1)] },
      "USD",
    );
    expect(at(applyOverride(repriced, override), "250")).toBe("200.00"); // 100 × 0.90 (plan) + 150 × 0.70 (customer) + 5.00
    expect(at(plan, "250")).toBe("225.00"); // the plan itself is untouched
  });

  it.each<[string, ChargeModel, ChargeModelOverride, string]>([
    [
      "a field the kind lacks",
      validateChargeModel({ kind: "flat", amount: "1" }, "USD"),
      { unit_amount: d("1") },
      "override.unit_amount",
    ],
    ["a tier that is not there", plan, { tiers: { 5: { unit_amount: d("1") } } }, "override.tiers[5]"],
    ["a negative tier price", plan, { tiers: { 0: { unit_amount: d("-1") } } }, "override.tiers[0].unit_amount"],
    ["a negative minimum", plan, { minimum_amount: d("-1") }, "override.minimum_amount"],
    ["percent over 100", validateChargeModel(card, "USD"), { percent: d("101") }, "override.percent"],
    [
      "maximum under the plan's minimum",
      validateChargeModel(card, "USD"),
      { transaction_maximum_amount: d("0.10") },
      "override.transaction_maximum_amount",
    ],
  ])("refuses %s", (_name, base, override, param) => {
    expect(thrown(() => applyOverride(base, override))).toMatchObject({ code: "invalid_override", param });
  });
});
