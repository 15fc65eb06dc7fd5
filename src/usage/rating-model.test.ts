import { describe, expect, it } from "vitest";
import { Decimal } from "../kernel/money.js";
import { type ChargeFigures, lineKey, ratingSpans, signedAmount, usageLineFigures } from "./rating-model.js";

const charge = (
  code: string,
  quantity: string,
  unit_price: string,
  amount: string,
  dimensions: Record<string, string> = {},
): ChargeFigures => ({ code, description: null, dimensions, quantity, unit_price, amount });

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
  it("sums each code and dimensions into one line, amount = sum of rounded charges", () => {
    const lines = usageLineFigures(
      [
        charge("storage", "37", "0.85", "31.45", { storage_type: "chilled" }),
        charge("receiving_carton", "12", "1.25", "15.00"),
        charge("storage", "40", "0.85", "34.00", { storage_type: "chilled" }),
        charge("storage", "3", "1.10", "3.30", { storage_type: "frozen" }),
      ],
      "USD",
    );
    expect(lines.map((line) => [line.line_key, line.quantity, line.unit_price, line.amount, line.charges])).toEqual([
      ["storage|storage_type=chilled", "77", "0.85", "65.45", 2], // 37 + 40; 31.45 + 34.00
      ["receiving_carton", "12", "1.25", "15.00", 1], // 12 × 1.25
      ["storage|storage_type=frozen", "3", "1.1", "3.30", 1], // 3 × 1.10
    ]);
  });

  it("keeps the sum of rounded charges, not the rounded product, and hides a mixed unit price", () => {
    const lines = usageLineFigures(
      [
        charge("sms", "1", "0.333", "0.33"), // 0.333 rounds to 0.33
        charge("sms", "1", "0.333", "0.33"),
        charge("sms", "1", "0.333", "0.33"),
        charge("shipping", "1", "7.12", "7.12"),
        charge("shipping", "1", "9.80", "9.80"),
      ],
      "USD",
    );
    expect(lines.map((line) => [line.code, line.quantity, line.unit_price, line.amount])).toEqual([
      ["sms", "3", "0.333", "0.99"], // 0.33 × 3 charges, not round(3 × 0.333) = 1.00
      ["shipping", "2", null, "16.92"], // 7.12 + 9.80; two unit prices, none shown
    ]);
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
