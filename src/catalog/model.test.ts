import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { priceQuantity, validateChargeModel } from "./charge-models.js";
import {
  amountText,
  chargeModelJson,
  chargeModelsFromJson,
  chargeModelsJson,
  checkBillableMetric,
  checkEffectiveFrom,
  currentVersion,
  nextVersionModels,
  readChargeModels,
} from "./model.js";
import { overridePatchJson, parseOverridePatch } from "./override-patches.js";
import { applyOverride } from "./overrides.js";
import { card, d, graduated, pack, TIERS, thrown } from "./test-support.js";

const instant = (text: string) => Temporal.Instant.from(text);

describe("amountText", () => {
  it.each([
    ["0.8", "USD", "0.80"], // money-sized: the currency's two digits
    ["49", "USD", "49.00"],
    ["0.00042", "USD", "0.00042"], // a unit price keeps its digits
    ["1.2345", "BHD", "1.2345"], // more than the 3 fils digits
    ["1.5", "BHD", "1.500"],
    ["12.5", "JPY", "12.5"], // half a yen is a unit price, not money
    ["1000", "JPY", "1000"],
  ])("%s %s → %s", (value, currency, expected) => {
    expect(amountText(d(value), currency)).toBe(expected);
  });
});

describe("charge models as JSON", () => {
  it.each<[string, Record<string, unknown>, string]>([
    ["graduated", { ...graduated, minimum_amount: "50" }, "USD"],
    ["package", pack, "USD"],
    ["percentage", card, "USD"],
    ["flat in JPY", { kind: "flat", amount: "5000" }, "JPY"],
    ["per unit in BHD", { kind: "per_unit", unit_amount: "0.0042" }, "BHD"],
  ])("%s reads back to the same model and rates the same", (_name, input, currency) => {
    const model = validateChargeModel(input, currency);
    const again = chargeModelsFromJson(JSON.parse(JSON.stringify(chargeModelsJson({ [currency]: model }))));
    expect(again[currency]).toEqual(model);
    expect(priceQuantity(again[currency] as typeof model, d("250"), currency).amount).toEqual(
      priceQuantity(model, d("250"), currency).amount,
    );
  });

  it("shows every tier's three fields and the package rounding", () => {
    expect(chargeModelJson(validateChargeModel(graduated, "USD"), "USD")).toEqual({
      kind: "graduated",
      tiers: [
        { up_to: "100", unit_amount: "1.00", flat_amount: "0.00" },
        { up_to: "1000", unit_amount: "0.80", flat_amount: "5.00" },
        { up_to: null, unit_amount: "0.50", flat_amount: "0.00" },
      ],
    });
    expect(chargeModelJson(validateChargeModel(pack, "USD"), "USD")).toEqual({
      kind: "package",
      package_amount: "5.00",
      package_size: 100,
      rounding: "up",
    });
  });
});

describe("readChargeModels", () => {
  it("keeps one model per currency", () => {
    const models = readChargeModels({
      currency: "USD",
      charge_model: { kind: "per_unit", unit_amount: "10.00" },
      currency_options: {
        EUR: { kind: "per_unit", unit_amount: "9.00" },
        JPY: { kind: "per_unit", unit_amount: "1500" },
      },
    });
    expect(Object.keys(models)).toEqual(["USD", "EUR", "JPY"]);
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    [
      "a tier fault inside charge_model",
      { currency: "USD", charge_model: { kind: "volume", tiers: TIERS.slice(0, 2) } },
      "invalid_tiers",
      "charge_model.tiers[1].up_to",
    ],
    [
      "an unknown kind",
      { currency: "USD", charge_model: { kind: "stairstep" } },
      "invalid_charge_model",
      "charge_model.kind",
    ],
    [
      "a fault inside a currency option",
      {
        currency: "USD",
        charge_model: { kind: "flat", amount: "1" },
        currency_options: { EUR: { kind: "flat", amount: "1", minimum_amount: "0.001" } },
      },
      "invalid_amount",
      "currency_options.EUR.minimum_amount",
    ],
    [
      "the main currency repeated",
      {
        currency: "USD",
        charge_model: { kind: "flat", amount: "1" },
        currency_options: { USD: { kind: "flat", amount: "2" } },
      },
      "invalid_currency_options",
      "currency_options.USD",
    ],
    [
      "an unknown currency",
      {
        currency: "USD",
        charge_model: { kind: "flat", amount: "1" },
        currency_options: { ABC: { kind: "flat", amount: "2" } },
      },
      "invalid_currency",
      "currency_options.ABC",
    ],
  ])("names %s", (_name, input, code, param) => {
    expect(thrown(() => readChargeModels(input as Parameters<typeof readChargeModels>[0]))).toMatchObject({
      code,
      param,
    });
  });
});

describe("nextVersionModels", () => {
  const previous = readChargeModels({
    currency: "USD",
    charge_model: { kind: "per_unit", unit_amount: "10.00" },
    currency_options: { EUR: { kind: "per_unit", unit_amount: "9.00" } },
  });
  const unit = (models: ReturnType<typeof readChargeModels>, currency: string) =>
    chargeModelJson(models[currency] as NonNullable<(typeof models)[string]>, currency);

  it("replaces the main model and keeps the other currencies", () => {
    const next = nextVersionModels(previous, "USD", { charge_model: { kind: "per_unit", unit_amount: "12.00" } });
    expect(unit(next, "USD")).toEqual({ kind: "per_unit", unit_amount: "12.00" });
    expect(unit(next, "EUR")).toEqual({ kind: "per_unit", unit_amount: "9.00" });
  });

  it("replaces the whole set of other currencies and keeps the main model", () => {
    const next = nextVersionModels(previous, "USD", {
      currency_options: { GBP: { kind: "per_unit", unit_amount: "8.00" } },
    });
    expect(Object.keys(next)).toEqual(["USD", "GBP"]); // EUR is no longer offered from this version on
    expect(unit(next, "USD")).toEqual({ kind: "per_unit", unit_amount: "10.00" });
  });
});

describe("checkEffectiveFrom", () => {
  const now = instant("2026-02-10T12:00:00Z");
  it.each<[string, string, string | undefined, string | undefined]>([
    ["the first version, in the past", "2025-01-01T00:00:00Z", undefined, undefined], // brought over with history
    ["after the latest, in the future", "2026-03-01T00:00:00Z", "2026-01-01T00:00:00Z", undefined],
    ["exactly now", "2026-02-10T12:00:00Z", "2026-01-01T00:00:00Z", undefined],
    ["before now", "2026-02-10T11:59:59Z", "2026-01-01T00:00:00Z", "effective_from_in_past"],
    ["at the latest", "2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z", "price_version_out_of_order"],
    ["before a future latest", "2026-02-20T00:00:00Z", "2026-03-01T00:00:00Z", "price_version_out_of_order"],
  ])("%s", (_name, from, latest, code) => {
    const check = () =>
      checkEffectiveFrom({
        effective_from: instant(from),
        now,
        latest: latest === undefined ? undefined : instant(latest),
        what: "price_version",
      });
    if (code === undefined) expect(check).not.toThrow();
    else expect(thrown(check)).toMatchObject({ code, param: "effective_from" });
  });
});

describe("currentVersion", () => {
  const versions = [
    { id: "march", effective_from: instant("2026-03-01T00:00:00Z") },
    { id: "january", effective_from: instant("2026-01-01T00:00:00Z") },
  ];
  it.each([
    ["2025-12-01T00:00:00Z", "january"], // none started yet: the first is shown
    ["2026-02-01T00:00:00Z", "january"],
    ["2026-03-01T00:00:00Z", "march"],
  ])("at %s → %s", (at, id) => {
    expect(currentVersion(versions, instant(at))?.id).toBe(id);
  });
});

describe("override patches", () => {
  it("reads a patch, lays it over the model and writes it back the same", () => {
    const patch = parseOverridePatch({ tiers: { "1": { unit_amount: "0.70" } }, minimum_amount: null }, "USD");
    const model = applyOverride(validateChargeModel({ ...graduated, minimum_amount: "50.00" }, "USD"), patch);
    expect(priceQuantity(model, d("10"), "USD").amount.toFixed(2)).toBe("10.00"); // 10 × 1.00, minimum removed
    expect(priceQuantity(model, d("250"), "USD").amount.toFixed(2)).toBe("210.00"); // 100 + 150 × 0.70 + 5.00
    expect(overridePatchJson(patch, "USD")).toEqual({ tiers: { "1": { unit_amount: "0.70" } }, minimum_amount: null });
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ["an empty patch", {}, "invalid_override", "patch"],
    ["an unknown field", { unit_price: "1" }, "invalid_override", "patch.unit_price"],
    ["a negative amount", { unit_amount: "-1" }, "invalid_override", "patch.unit_amount"],
    ["a float", { unit_amount: 1.5 }, "invalid_amount", "patch.unit_amount"],
    ["a minimum in tenths of a cent", { minimum_amount: "1.005" }, "invalid_amount", "patch.minimum_amount"],
    ["a tier by name", { tiers: { first: { unit_amount: "1" } } }, "invalid_override", "patch.tiers.first"],
    ["a tier with nothing", { tiers: { "0": {} } }, "invalid_override", "patch.tiers.0"],
    ["a tier field unknown", { tiers: { "0": { up_to: "5" } } }, "invalid_override", "patch.tiers.0.up_to"],
  ])("refuses %s", (_name, input, code, param) => {
    expect(thrown(() => parseOverridePatch(input, "USD"))).toMatchObject({ code, param });
  });
});

describe("checkBillableMetric", () => {
  it("refuses a metric on a flat price and accepts one on a usage price", () => {
    const flat = readChargeModels({ currency: "USD", charge_model: { kind: "flat", amount: "10" } });
    const usage = readChargeModels({ currency: "USD", charge_model: graduated });
    expect(thrown(() => checkBillableMetric("api_calls", flat))).toMatchObject({
      code: "invalid_billable_metric",
      param: "billable_metric",
    });
    expect(() => checkBillableMetric("api_calls", usage)).not.toThrow();
    expect(() => checkBillableMetric(null, flat)).not.toThrow();
  });
});
