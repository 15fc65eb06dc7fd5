import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChargeScript } from "./lua-engine.js";
import type { LoadedRates, RatingContext, RatingEvent } from "./lua-types.js";

/**
 * The reference 3PL script (reference/3pl.lua) with the default rate card
 * (reference/3pl-rate-card.json), one row per event with every charge worked
 * out by hand beside it.
 */
const reference = path.join(import.meta.dirname, "reference");
const source = readFileSync(path.join(reference, "3pl.lua"), "utf8");
const rateCard = JSON.parse(readFileSync(path.join(reference, "3pl-rate-card.json"), "utf8")) as Record<string, string>;

const context: RatingContext = {
  customer: "acme-3pl",
  currency: "USD",
  time_zone: "America/Los_Angeles",
  period_start: "2026-11-01T07:00:00Z",
  period_end: "2026-12-01T08:00:00Z",
};

let script: ChargeScript;
let rates: LoadedRates;
beforeAll(async () => {
  script = await ChargeScript.compile(source);
  rates = script.loadRates(rateCard);
});
afterAll(() => script.close());

function event(type: string, properties: RatingEvent["properties"], id = "e1"): RatingEvent {
  return { transaction_id: id, type, timestamp: "2026-11-10T18:00:00Z", customer: "acme-3pl", properties };
}

type Row = [code: string, quantity: string, unit_price: string, amount: string, dimensions?: Record<string, string>];

const cases: { name: string; event: RatingEvent; charges: Row[] }[] = [
  {
    name: "receiving: cartons and pallets",
    event: event("inbound.received", { warehouse: "RNO1", sku: "SKU-1", cartons: 12, pallets: 2, units: 480 }),
    charges: [
      ["receiving_carton", "12", "1.25", "15"], // 12 cartons × 1.25 = 15.00
      ["receiving_pallet", "2", "9.5", "19"], // 2 pallets × 9.50 = 19.00
    ],
  },
  {
    name: "receiving: loose cartons only",
    event: event("inbound.received", { warehouse: "RNO1", sku: "SKU-2", cartons: 3, pallets: 0, units: 36 }),
    charges: [["receiving_carton", "3", "1.25", "3.75"]], // 3 × 1.25; no pallet line for 0 pallets
  },
  {
    name: "storage: a chilled snapshot is one pallet-day per pallet",
    event: event("inventory.snapshot", {
      warehouse: "RNO1",
      storage_type: "chilled",
      pallets: 37,
      bins: 12,
      cubic_feet: 2220.5,
    }),
    charges: [["storage", "37", "0.85", "31.45", { storage_type: "chilled" }]], // 37 × 0.85
  },
  {
    name: "storage: frozen",
    event: event("inventory.snapshot", {
      warehouse: "RNO1",
      storage_type: "frozen",
      pallets: 3,
      bins: 0,
      cubic_feet: 180,
    }),
    charges: [["storage", "3", "1.1", "3.3", { storage_type: "frozen" }]], // 3 × 1.10 = 3.30
  },
  {
    name: "order: pick and pack, packaging, shipping and markup",
    event: event("order.shipped", {
      warehouse: "RNO1",
      order_id: "SO-1",
      lines: 3,
      units: 7,
      weight_lb: 4.2,
      carrier: "UPS",
      service_level: "ground",
      packaging: "medium_box",
      ship_cost: 12.37,
    }),
    charges: [
      ["pick_first_unit", "1", "2.75", "2.75"], // the first unit
      ["pick_additional_unit", "6", "0.45", "2.7"], // (7 − 1) × 0.45 = 2.70
      ["pick_line", "3", "0.3", "0.9"], // 3 lines × 0.30 = 0.90
      ["packaging", "1", "1.35", "1.35", { packaging: "medium_box" }],
      ["shipping", "1", "12.37", "12.37", { carrier: "UPS", service_level: "ground" }], // passed through
      ["shipping_markup", "12.37", "0.08", "0.9896"], // 12.37 × 8 / 100 = 0.9896, exact: the line rounds
    ],
  },
  {
    name: "order: a single unit in a poly mailer",
    event: event("order.shipped", {
      warehouse: "ATL2",
      order_id: "SO-2",
      lines: 1,
      units: 1,
      weight_lb: 0.4,
      carrier: "USPS",
      service_level: "2day",
      packaging: "poly_mailer",
      ship_cost: 4.55,
    }),
    charges: [
      ["pick_first_unit", "1", "2.75", "2.75"],
      ["pick_line", "1", "0.3", "0.3"], // no additional-unit line for a single unit
      ["packaging", "1", "0.35", "0.35", { packaging: "poly_mailer" }],
      ["shipping", "1", "4.55", "4.55", { carrier: "USPS", service_level: "2day" }],
      ["shipping_markup", "4.55", "0.08", "0.364"], // 4.55 × 0.08 = 0.364
    ],
  },
  {
    name: "order: half cents stay in the charge",
    event: event("order.shipped", {
      warehouse: "ATL2",
      order_id: "SO-3",
      lines: 2,
      units: 2,
      weight_lb: 9.9,
      carrier: "FedEx",
      service_level: "overnight",
      packaging: "large_box",
      ship_cost: 10.0625,
    }),
    charges: [
      ["pick_first_unit", "1", "2.75", "2.75"],
      ["pick_additional_unit", "1", "0.45", "0.45"], // (2 − 1) × 0.45
      ["pick_line", "2", "0.3", "0.6"], // 2 × 0.30 = 0.60
      ["packaging", "1", "2.1", "2.1", { packaging: "large_box" }],
      ["shipping", "1", "10.0625", "10.0625", { carrier: "FedEx", service_level: "overnight" }], // passed through, unrounded
      ["shipping_markup", "10.0625", "0.08", "0.805"], // 10.0625 × 0.08 = 0.805: the line rounds it, half up
    ],
  },
  {
    name: "returns per unit",
    event: event("return.processed", { warehouse: "RNO1", order_id: "SO-1", units: 3, condition: "damaged" }),
    charges: [["returns", "3", "1.75", "5.25"]], // 3 × 1.75
  },
  {
    name: "value-added services per minute",
    event: event("vas.performed", { warehouse: "RNO1", service: "kitting", units: 40, minutes: 45 }),
    charges: [["vas", "45", "0.8", "36", { service: "kitting" }]], // 45 × 0.80 = 36.00
  },
  {
    name: "special projects by the hour",
    event: event("project.hours", { warehouse: "RNO1", hours: 2.75, role: "engineer", description: "WMS mapping" }),
    charges: [["project_hours", "2.75", "95", "261.25", { role: "engineer" }]], // 2.75 × 95.00
  },
  {
    name: "an event type without charges",
    event: event("inventory.adjusted", { warehouse: "RNO1", units: 4 }),
    charges: [],
  },
];

describe("the reference 3PL script", () => {
  it.each(cases)("$name", ({ event: input, charges }) => {
    const result = script.rate([input], rates, context);
    expect(result.unrated).toEqual([]);
    expect(
      result.charges.map((charge) => {
        const row: Row = [charge.code, charge.quantity, charge.unit_price, charge.amount];
        if (Object.keys(charge.dimensions).length > 0) row.push(charge.dimensions);
        return row;
      }),
    ).toEqual(charges);
  });

  it("tops the month up to the minimum, and not past it", () => {
    const month = cases.map((row, index) => ({ ...row.event, transaction_id: `e${index}` }));
    const rated = script.rate(month, rates, context);
    // The total as invoiced: each line (code and dimensions) rounded once.
    // receiving_carton 15 + 3.75 = 18.75; receiving_pallet 19.00; storage chilled 31.45, frozen 3.30;
    // pick_first_unit 3 × 2.75 = 8.25; pick_additional_unit 2.70 + 0.45 = 3.15; pick_line 0.90 + 0.30 + 0.60 = 1.80;
    // packaging 1.35, 0.35, 2.10; shipping 12.37, 4.55, 10.0625 → 10.06;
    // shipping_markup 0.9896 + 0.364 + 0.805 = 2.1586 → 2.16; returns 5.25; vas 36.00; project_hours 261.25
    // = 18.75 + 19.00 + 31.45 + 3.30 + 8.25 + 3.15 + 1.80 + 3.80 + 26.98 + 2.16 + 5.25 + 36.00 + 261.25 = 421.14
    const finalized = script.finalize(rated.charges, rates, context);
    expect(finalized.error).toBeNull();
    expect(finalized.charges).toEqual([
      expect.objectContaining({
        code: "monthly_minimum",
        quantity: "1",
        unit_price: "1078.86", // 1,500.00 − 421.14
        amount: "1078.86",
        minimum: { minimum_amount: "1500.00", period_total: "421.14" },
      }),
    ]);
    const low = script.loadRates({ ...rateCard, monthly_minimum: "400.00" });
    const met = script.finalize(rated.charges, low, context);
    expect(met.charges[0]?.amount).toBe("0.00"); // max(0, 400.00 − 421.14)
    script.releaseRates(low);
  });

  it("names the missing rate when a card lacks one", () => {
    const partial = script.loadRates({ receiving_carton: "1.25" });
    const result = script.rate(
      [event("inbound.received", { warehouse: "RNO1", sku: "S", cartons: 1, pallets: 1, units: 1 })],
      partial,
      context,
    );
    expect(result.charges).toEqual([]);
    expect(result.unrated[0]).toMatchObject({ code: "script_runtime_error", transaction_id: "e1" });
    expect(result.unrated[0]?.message).toMatch(/the rate card has no rate receiving_pallet/);
    expect(result.unrated[0]?.line).toBeGreaterThan(0);
    script.releaseRates(partial);
  });
});
