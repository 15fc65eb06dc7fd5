import { describe, expect, it } from "vitest";
import {
  type ActualCharge,
  compareWithExpected,
  type ExpectedCharge,
  fieldDifference,
  type TestCase,
} from "./script-model.js";

/** How a test case's expected charges are compared with what the script produced: exactly. */

describe("fieldDifference", () => {
  const rows: [
    name: string,
    field: "quantity" | "unit_price" | "amount",
    actual: string,
    expected: string,
    currency: string,
    difference: string | null,
  ][] = [
    ["the exact amount", "amount", "250.0072", "250.0072", "USD", null],
    ["trailing zeros are the same number", "amount", "250.0072", "250.00720", "USD", null],
    [
      "the amount rounded to the cent is not the amount",
      "amount",
      "250.0072", // 3,125.09 × 0.08 = 250.0072
      "250.01",
      "USD",
      "amount: expected 250.01, got 250.0072 (rounded on the invoice line: 250.01)",
    ],
    [
      "a figure within half a cent that rounds elsewhere",
      "amount",
      "0.9949", // 12.4362 × 0.08 = 0.994896, carried as 0.9949 in this row
      "0.99",
      "USD",
      "amount: expected 0.99, got 0.9949 (rounded on the invoice line: 0.99)",
    ],
    [
      "a whole amount shows the currency's digits, with nothing to round",
      "amount",
      "15", // 12 × 1.25 = 15
      "15.01",
      "USD",
      "amount: expected 15.01, got 15.00",
    ],
    [
      "a currency without minor units rounds to the yen",
      "amount",
      "1234.5", // 2,469 × 0.5 = 1,234.5 → 1,235 half-up
      "1235",
      "JPY",
      "amount: expected 1235, got 1234.5 (rounded on the invoice line: 1235)",
    ],
    ["a quantity compares as a number", "quantity", "12.370", "12.37", "USD", null],
    ["a quantity that differs", "quantity", "6", "7", "USD", "quantity: expected 7, got 6"],
    [
      "a unit price is exact to its last digit",
      "unit_price",
      "0.000420",
      "0.00042",
      "USD",
      null, // 0.000420 = 0.00042
    ],
    [
      "a unit price one digit off",
      "unit_price",
      "0.00042",
      "0.0004",
      "USD",
      "unit_price: expected 0.0004, got 0.00042",
    ],
    [
      "an expected figure that is not a number",
      "amount",
      "2.75",
      "2.75 USD",
      "USD",
      "amount: expected 2.75 USD, got 2.75",
    ],
  ];
  it.each(rows)("%s", (_name, field, actual, expected, currency, difference) => {
    expect(fieldDifference(field, actual, expected, currency)).toBe(difference);
  });
});

describe("compareWithExpected", () => {
  const charge = (code: string, quantity: string, unit_price: string, amount: string): ActualCharge => ({
    transaction_id: "ord-1",
    code,
    description: null,
    quantity,
    unit_price,
    amount,
    dimensions: {},
  });
  const caseOf = (charges: ExpectedCharge[]): TestCase => ({
    name: "an order",
    events: [{ type: "order.shipped", timestamp: "2026-11-04T20:15:00Z", properties: {} }],
    rates: {},
    expected: { charges },
  });
  const shipping = charge("shipping", "1", "12.37", "12.37");
  const markup = charge("shipping_markup", "12.37", "0.08", "0.9896"); // 12.37 × 0.08 = 0.9896

  const rows: [name: string, expected: ExpectedCharge[], actual: ActualCharge[], differences: string[]][] = [
    [
      "exact figures pass",
      [
        { code: "shipping", quantity: "1", unit_price: "12.37", amount: "12.37" },
        { code: "shipping_markup", quantity: "12.37", unit_price: "0.08", amount: "0.98960" },
      ],
      [shipping, markup],
      [],
    ],
    [
      "the markup rounded to the cent fails, naming the figure to paste",
      [
        { code: "shipping", quantity: "1", unit_price: "12.37", amount: "12.37" },
        { code: "shipping_markup", quantity: "12.37", unit_price: "0.08", amount: "0.99" },
      ],
      [shipping, markup],
      ["charge 2 (shipping_markup): amount: expected 0.99, got 0.9896 (rounded on the invoice line: 0.99)"],
    ],
    [
      "a missing charge and an unexpected one are still listed",
      [{ code: "shipping", quantity: "1", unit_price: "12.37", amount: "12.37" }],
      [shipping, markup],
      ["charge 2 (shipping_markup): not expected (quantity 12.37, amount 0.9896)"],
    ],
    [
      "a charge expected and not charged",
      [
        { code: "shipping", quantity: "1", unit_price: "12.37", amount: "12.37" },
        { code: "shipping_markup", quantity: "12.37", unit_price: "0.08", amount: "0.9896" },
      ],
      [shipping],
      ["charge 2 (shipping_markup): expected, not charged"],
    ],
    [
      "a different code and dimensions",
      [{ code: "packaging", quantity: "1", unit_price: "1.35", amount: "1.35", dimensions: { packaging: "box" } }],
      [{ ...charge("packaging", "1", "1.35", "1.35"), dimensions: { packaging: "mailer" } }],
      ['charge 1 (packaging): dimensions [["packaging","mailer"]], expected [["packaging","box"]]'],
    ],
  ];
  it.each(rows)("%s", (_name, expected, actual, differences) => {
    const result = compareWithExpected(caseOf(expected), actual, []);
    expect(result.differences).toEqual(differences);
    expect(result.passed).toBe(differences.length === 0);
  });
});
