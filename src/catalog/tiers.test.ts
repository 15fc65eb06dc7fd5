import { describe, expect, it } from "vitest";
import { priceQuantity, validateChargeModel } from "./charge-models.js";
import { d, graduated, volume } from "./test-support.js";

describe("tiered rating", () => {
  it("shows which tiers were applied and how", () => {
    const rated = priceQuantity(validateChargeModel(graduated, "USD"), d("1500"), "USD");
    expect(
      rated.tiers_applied.map((tier) => [tier.tier_index, tier.quantity.toFixed(), tier.amount.toFixed()]),
    ).toEqual([
      [0, "100", "100"], // 100 × 1.00
      [1, "900", "725"], // 900 × 0.80 + 5.00
      [2, "500", "250"], // 500 × 0.50
    ]);
    expect(rated.unit_amount_effective).toBeUndefined();
    expect(rated.explanation).toBe(
      "tier 1 (over 0 up to 100): 100 × 1 = 100; tier 2 (over 100 up to 1000): 900 × 0.8 + 5 flat = 725; " +
        "tier 3 (over 1000): 500 × 0.5 = 250; total 1075.00 USD",
    );
  });

  it("names the volume tier's price as the effective unit amount", () => {
    const rated = priceQuantity(validateChargeModel(volume, "USD"), d("250"), "USD");
    expect(rated.unit_amount_effective?.toFixed()).toBe("0.8");
    expect(rated.tiers_applied).toHaveLength(1);
  });
});
