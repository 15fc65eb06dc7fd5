import { describe, expect, it } from "vitest";
import { Decimal } from "../kernel/money.js";
import { chargeAmount, decimalOfText } from "./lua-amounts.js";
import {
  type ChargeFigures,
  exactAmountText,
  LineTotals,
  lineKey,
  ratedAmount,
  ratingSpans,
  signedAmount,
  usageLineDescription,
  usageLineFigures,
} from "./rating-model.js";

const charge = (
  code: string,
  quantity: string,
  unit_price: string,
  amount: string,
  dimensions: Record<string, string> = {},
): ChargeFigures => ({ event_id: "event", code, description: null, dimensions, quantity, unit_price, amount });
/** A period-level charge, from finalize: no event. */
const periodCharge = (code: string, description: string, amount: string): ChargeFigures => ({
  event_id: null,
  code,
  description,
  dimensions: {},
  quantity: "1",
  unit_price: amount,
  amount,
});

/** quantity × unit price as rating computes it (lua-amounts.ts), from decimal text. */
function amountOf(quantity: string, price: string): string {
  const q = decimalOfText(quantity);
  const p = decimalOfText(price);
  if (q === null || p === null) throw new Error(`${quantity} × ${price} is not decimal text`);
  return chargeAmount(q, p);
}

describe("lineKey", () => {
  it.each([
    ["storage", {}, "storage"],
    ["storage", { storage_type: "chilled" }, "storage|storage_type=chilled"],
    // Key order does not matter: the same dimensions are the same line.
    ["shipping", { service_level: "ground", carrier: "UPS" }, "shipping|carrier=UPS,service_level=ground"],
    ["shipping", { carrier: "UPS", service_level: "ground" }, "shipping|carrier=UPS,service_level=ground"],
  ])("%s %o → %s", (code, dimensions, key) => {
    expect(lineKey(code, dimensions)).toBe(key);
  });
});

describe("usageLineFigures", () => {
  it("sums each code and dimensions into one line, amount = the exact sum rounded once", () => {
    const lines = usageLineFigures(
      [
        charge("storage", "37", "0.85", "31.45", { storage_type: "chilled" }),
        charge("receiving_carton", "12", "1.25", "15"),
        charge("storage", "40", "0.85", "34", { storage_type: "chilled" }),
        charge("storage", "3", "1.10", "3.3", { storage_type: "frozen" }),
      ],
      "USD",
    );
    expect(lines.map((line) => [line.line_key, line.quantity, line.unit_price, line.amount, line.charges])).toEqual([
      ["receiving_carton", "12", "1.25", "15.00", 1], // 12 × 1.25
      ["storage|storage_type=chilled", "77", "0.85", "65.45", 2], // 37 + 40; 31.45 + 34.00
      ["storage|storage_type=frozen", "3", "1.1", "3.30", 1], // 3 × 1.10
    ]);
  });

  it("rounds the exact sum of the charges, not each charge, and hides a mixed unit price", () => {
    const lines = usageLineFigures(
      [
        charge("sms", "1", "0.333", "0.333"),
        charge("sms", "1", "0.333", "0.333"),
        charge("sms", "1", "0.333", "0.333"),
        charge("shipping", "1", "7.12", "7.12"),
        charge("shipping", "1", "9.80", "9.8"),
      ],
      "USD",
    );
    expect(lines.map((line) => [line.code, line.quantity, line.unit_price, line.charges_amount, line.amount])).toEqual([
      ["shipping", "2", null, "16.92", "16.92"], // 7.12 + 9.80; two unit prices, none shown
      ["sms", "3", "0.333", "0.999", "1.00"], // 3 × 0.333 = 0.999 → 1.00, not 3 × round(0.333) = 0.99
    ]);
  });

  it("orders lines by description, code and dimensions, period-level charges last, whatever order they were rated in", () => {
    const described = (code: string, description: string, dimensions: Record<string, string>, amount: string) => ({
      ...charge(code, "1", amount, amount, dimensions),
      description,
    });
    const rated = [
      periodCharge("minimum_topup", "Monthly minimum, top-up", "120"),
      described("storage", "Storage, per pallet-day", { warehouse: "RNO1", storage_type: "frozen" }, "3"),
      described("shipping", "Shipping, carrier charge", { carrier: "UPS" }, "9.8"),
      described("account", "Warehouse account", {}, "100"),
      described("storage", "Storage, per pallet-day", { warehouse: "RNO1", storage_type: "chilled" }, "5"),
      described("shipping", "Shipping, carrier charge", { carrier: "FedEx" }, "7.12"),
      described("storage", "Storage, per pallet-day", { warehouse: "ATL2", storage_type: "frozen" }, "4"),
      periodCharge("admin_fee", "Monthly administration", "25"),
      described("shipping", "Shipping, carrier charge", { carrier: "UPS" }, "6.3"),
    ];
    const expected = [
      ["shipping", "Shipping, carrier charge (FedEx)", "7.12"],
      ["shipping", "Shipping, carrier charge (UPS)", "16.10"], // 9.80 + 6.30
      ["storage", "Storage, per pallet-day (chilled, RNO1)", "5.00"], // dimensions in key order: storage_type, warehouse
      ["storage", "Storage, per pallet-day (frozen, ATL2)", "4.00"],
      ["storage", "Storage, per pallet-day (frozen, RNO1)", "3.00"],
      ["account", "Warehouse account", "100.00"], // by what the line says, not its code
      ["admin_fee", "Monthly administration", "25.00"], // period-level: after every event's line, by description
      ["minimum_topup", "Monthly minimum, top-up", "120.00"],
    ];
    const shown = (charges: ChargeFigures[]) =>
      usageLineFigures(charges, "USD").map((line) => [line.code, line.label, line.amount]);
    expect(shown(rated)).toEqual(expected);
    // The same charges rated in the opposite order: the same lines in the same order, the same amounts.
    expect(shown([...rated].reverse())).toEqual(expected);
  });

  it("orders a code's lines by description before dimensions", () => {
    const lines = usageLineFigures(
      [
        { ...charge("handling", "1", "2", "2", { zone: "A" }), description: "Pick, per unit" },
        { ...charge("handling", "1", "1", "1", { zone: "B" }), description: "Pack, per order" },
      ],
      "USD",
    );
    expect(lines.map((line) => line.label)).toEqual(["Pack, per order (B)", "Pick, per unit (A)"]);
  });

  // One row per case where rounding each charge and rounding the line differ.
  it.each([
    {
      name: "three half cents",
      charges: [
        ["1", "0.005"],
        ["1", "0.005"],
        ["1", "0.005"],
      ],
      per_charge: "0.03", // 0.01 + 0.01 + 0.01
      line: "0.02", // 0.015 → 0.02, half away from zero
    },
    {
      name: "a 3PL month's shipping markup over 188.18 of shipping at 8 %",
      // 12 shipments: 9 × 15.12 + 16.28 + 13.95 + 21.87 = 136.08 + 52.10 = 188.18
      charges: [
        ...Array.from({ length: 9 }, () => ["15.12", "0.08"]), // 1.2096 → 1.21 each
        ["16.28", "0.08"], // 1.3024 → 1.30
        ["13.95", "0.08"], // 1.116 → 1.12
        ["21.87", "0.08"], // 1.7496 → 1.75
      ],
      per_charge: "15.06", // 9 × 1.21 + 1.30 + 1.12 + 1.75 = 10.89 + 4.17
      line: "15.05", // 188.18 × 0.08 = 15.0544 → 15.05
    },
    {
      name: "credits mirror charges",
      charges: [
        ["-1", "0.005"],
        ["-1", "0.005"],
        ["-1", "0.005"],
      ],
      per_charge: "-0.03",
      line: "-0.02", // −0.015 → −0.02
    },
    {
      name: "a third of a cent a message",
      charges: Array.from({ length: 7 }, () => ["1", "0.0042"]),
      per_charge: "0.00", // each 0.0042 → 0.00
      line: "0.03", // 7 × 0.0042 = 0.0294 → 0.03
    },
  ])("$name: line $line, not $per_charge", ({ charges, per_charge, line }) => {
    const figures = charges.map(([quantity, price]) => {
      const amount = amountOf(quantity as string, price as string);
      return charge("markup", quantity as string, price as string, amount);
    });
    const perCharge = figures.reduce((sum, c) => sum.plus(new Decimal(c.amount).toDecimalPlaces(2)), new Decimal(0));
    expect(perCharge.toFixed(2)).toBe(per_charge);
    const [only] = usageLineFigures(figures, "USD");
    expect(only?.amount).toBe(line);
    expect(ratedAmount(figures, "USD").toFixed(2)).toBe(line);
  });

  it("bills quantity × unit price rounded when every charge has one unit price", () => {
    // 12 shipments' markup as above: quantity 188.18 at 0.08.
    const shipments = [...Array.from({ length: 9 }, () => "15.12"), "16.28", "13.95", "21.87"];
    const figures = shipments.map((cost) => charge("shipping_markup", cost, "0.08", amountOf(cost, "0.08")));
    const [line] = usageLineFigures(figures, "USD");
    expect([line?.quantity, line?.unit_price, line?.charges_amount, line?.amount]).toEqual([
      "188.18",
      "0.08",
      "15.0544",
      "15.05",
    ]);
    expect(
      new Decimal(line?.quantity ?? "")
        .times(line?.unit_price ?? "")
        .toDecimalPlaces(2)
        .toFixed(2),
    ).toBe(line?.amount);
  });
});

describe("usageLineDescription", () => {
  it.each([
    // The columns carry quantity × unit price: the description names the charge only.
    ["one unit price", "Receiving, per carton", "12", "1.25", "15.00", "Receiving, per carton"], // 12 × 1.25
    ["a markup, rounded once", "Shipping markup", "188.18", "0.08", "15.05", "Shipping markup"], // 15.0544 → 15.05
    ["nothing used", "Pallet-days", "0", "0", "0.00", "Pallet-days"],
    // Stored as 1 × the amount: the quantity would be lost, so the description keeps it.
    ["each at its own price", "Shipping (UPS, ground)", "6", null, "57.46", "Shipping (UPS, ground) — quantity 6"],
    ["a minimum lifting the line", "API calls", "10", "0.01", "5.00", "API calls — quantity 10"], // 10 × 0.01 = 0.10
  ])("%s", (_case, label, quantity, unit_price, amount, description) => {
    expect(usageLineDescription({ label, quantity, unit_price, amount, currency: "USD" })).toBe(description);
  });
});

describe("LineTotals", () => {
  it("rounds each line once, then adds the lines, overall and per code", () => {
    const totals = new LineTotals("USD");
    totals.add("markup", { code: "markup", quantity: "6.3", amount: "0.504" });
    totals.add("markup", { code: "markup", quantity: "6.3", amount: "0.504" });
    totals.add("storage|t=chilled", { code: "storage", quantity: "1", amount: "0.005" });
    totals.add("storage|t=frozen", { code: "storage", quantity: "1", amount: "0.005" });
    // markup 1.008 → 1.01; storage 0.005 → 0.01 on each of its two lines
    expect(totals.total().toFixed(2)).toBe("1.03"); // 1.01 + 0.01 + 0.01 (not round(1.018) = 1.02)
    expect([...totals.byCode()].map(([code, sum]) => [code, sum.quantity.toString(), sum.amount.toFixed(2)])).toEqual([
      ["markup", "12.6", "1.01"],
      ["storage", "2", "0.02"],
    ]);
  });
});

describe("exactAmountText", () => {
  it.each([
    ["1.5", "USD", "1.50"], // at least the minor unit
    ["0.504", "USD", "0.504"], // and every digit it has
    ["-0.0000000000126", "USD", "-0.0000000000126"],
    ["100.5", "JPY", "100.5"],
    ["3", "BHD", "3.000"],
    ["-0", "USD", "0.00"],
  ])("%s %s → %s", (amount, currency, text) => {
    expect(exactAmountText(new Decimal(amount), currency)).toBe(text);
  });
});

describe("ratingSpans", () => {
  const oct1 = Date.parse("2026-10-01T00:00:00Z");
  const oct15 = Date.parse("2026-10-15T00:00:00Z");
  const oct20 = Date.parse("2026-10-20T00:00:00Z");
  const nov1 = Date.parse("2026-11-01T00:00:00Z");
  it.each([
    ["no change inside", [Date.parse("2026-01-01T00:00:00Z"), oct1], [[oct1, nov1]]],
    [
      "a change mid-month splits it",
      [oct15],
      [
        [oct1, oct15],
        [oct15, nov1],
      ],
    ],
    [
      "the same instant twice is one split",
      [oct20, oct15, oct20],
      [
        [oct1, oct15],
        [oct15, oct20],
        [oct20, nov1],
      ],
    ],
    ["changes at or after the end are ignored", [nov1, nov1 + 1], [[oct1, nov1]]],
  ])("%s", (_name, changes, spans) => {
    expect(ratingSpans(oct1, nov1, changes as number[])).toEqual(spans);
  });
});

describe("signedAmount", () => {
  it.each([
    ["12.5", "+12.50"],
    ["-3", "-3.00"],
    ["0.01", "+0.01"],
  ])("%s → %s", (amount, text) => {
    expect(signedAmount(new Decimal(amount), "USD")).toBe(text);
  });
});
