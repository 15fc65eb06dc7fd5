import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { DomainError } from "../kernel/errors.js";
import { Decimal } from "../kernel/money.js";
import {
  applyOverride,
  type ChargeModel,
  type ChargeModelOverride,
  chargeBeforeRounding,
  type PercentageModel,
  priceQuantity,
  priceTransactions,
  priceVersionAt,
  trueUpLine,
  validateChargeModel,
} from "./charge-models.js";

const d = (text: string) => new Decimal(text);

/** Up to 100 at 1.00; 101–1,000 at 0.80 plus 5.00 once; above 1,000 at 0.50. */
const TIERS = [
  { up_to: "100", unit_amount: "1.00" },
  { up_to: "1000", unit_amount: "0.80", flat_amount: "5.00" },
  { up_to: null, unit_amount: "0.50" },
];
const graduated = { kind: "graduated", tiers: TIERS };
const volume = { kind: "volume", tiers: TIERS };
const pack = { kind: "package", package_amount: "5.00", package_size: 100 };
const card = {
  kind: "percentage",
  percent: "2.9",
  transaction_minimum_amount: "0.30",
  transaction_maximum_amount: "5.00",
};

function thrown(action: () => unknown): DomainError {
  try {
    action();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError");
}

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

describe("priceVersionAt", () => {
  const instant = (text: string) => Temporal.Instant.from(text);
  const versions = [
    { id: "march", effective_from: instant("2024-03-01T00:00:00Z") },
    { id: "january", effective_from: instant("2024-01-01T00:00:00Z") },
  ];

  it.each([
    ["2024-01-01T00:00:00Z", "january"], // a boundary belongs to the version starting there
    ["2024-02-29T23:59:59.999999999Z", "january"], // [Jan 1, Mar 1) is half-open
    ["2024-03-01T00:00:00Z", "march"],
    ["2030-01-01T00:00:00Z", "march"], // the last version holds until a newer one exists
  ])("%s → %s", (at, id) => {
    expect(priceVersionAt(versions, instant(at)).id).toBe(id);
  });

  it("finds nothing before the first version", () => {
    expect(thrown(() => priceVersionAt(versions, instant("2023-12-31T23:59:59Z"))).code).toBe(
      "price_version_not_found",
    );
    expect(thrown(() => priceVersionAt([], instant("2024-01-01T00:00:00Z"))).code).toBe("price_version_not_found");
  });

  it("refuses two versions taking effect at once", () => {
    const twice = [...versions, { id: "again", effective_from: instant("2024-03-01T00:00:00Z") }];
    expect(thrown(() => priceVersionAt(twice, instant("2024-04-01T00:00:00Z"))).code).toBe("invalid_price_versions");
  });
});

describe("trueUpLine", () => {
  it.each<[string, string, string, "period" | "term", string | undefined]>([
    ["usage short of the commitment", "1000.00", "640.00", "period", "360.00"], // 1,000.00 − 640.00
    ["usage met it exactly", "1000.00", "1000.00", "period", undefined],
    ["usage above it", "1000.00", "1200.00", "term", undefined],
    ["credits count as zero", "1000.00", "-50.00", "period", "1000.00"], // never more than the commitment
    ["JPY", "100000", "99999", "term", "1"],
  ])("%s", (_name, commitment, billed, scope, expected) => {
    const currency = commitment.includes(".") ? "USD" : "JPY";
    const line = trueUpLine({ commitment_amount: d(commitment), billed_amount: d(billed), currency, scope });
    expect(line?.amount.toFixed()).toBe(expected === undefined ? undefined : d(expected).toFixed());
  });

  it("describes the shortfall", () => {
    const line = trueUpLine({ commitment_amount: d("1000"), billed_amount: d("640"), currency: "USD", scope: "term" });
    expect(line?.description).toBe(
      "Minimum commitment true-up for the term: committed 1000.00 USD, billed 640.00 USD, shortfall 360.00 USD",
    );
  });

  it("refuses a commitment in fractions of a cent", () => {
    const action = () =>
      trueUpLine({ commitment_amount: d("100.005"), billed_amount: d("0"), currency: "USD", scope: "period" });
    expect(thrown(action)).toMatchObject({ code: "invalid_commitment", param: "commitment_amount" });
  });
});
