import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Decimal, formatAmountForApi } from "../kernel/money.js";
import { amountText, decimalText } from "./amount-text.js";

describe("decimalText", () => {
  it.each([
    // stored text → Decimal's own text
    ["36", "36"],
    ["36.00", "36"],
    ["-0", "0"],
    ["-0.000", "0"],
    ["0.400000000000", "0.4"],
    ["007.50", "7.5"],
    ["0.0000001", "0.0000001"], // our Decimal writes plain digits down to 1e-100
    ["-0.00000042", "-0.00000042"],
    ["1234567890123456789012", "1234567890123456789012"],
    [`0.${"0".repeat(120)}1`, "1e-121"], // past 1e-100 it writes an exponent
    ["1e3", "1000"], // not plain digits: Decimal reads it
  ])("%s → %s", (text, expected) => {
    expect(decimalText(text)).toBe(expected);
  });

  it("is Decimal's text for any decimal", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }), fc.integer({ min: 0, max: 14 }), (n, places) => {
        const digits = (n < 0n ? -n : n).toString().padStart(places + 1, "0");
        const text = `${n < 0n ? "-" : ""}${digits.slice(0, digits.length - places)}${places > 0 ? `.${digits.slice(-places)}` : ""}`;
        expect(decimalText(text)).toBe(new Decimal(text).toString());
      }),
    );
  });
});

describe("amountText", () => {
  it.each([
    // stored text, currency → formatAmountForApi
    ["36", "USD", "36.00"],
    ["-5.5", "EUR", "-5.50"],
    ["-0", "USD", "0.00"],
    ["0.000", "USD", "0.00"],
    ["12.50", "JPY", undefined], // more decimals than yen have: the Decimal path refuses it
    ["1200", "JPY", "1200"],
    ["1.2345", "BHD", undefined],
    ["1.234", "BHD", "1.234"],
  ])("%s %s → %s", (text, currency, expected) => {
    if (expected === undefined) expect(() => amountText(text, currency)).toThrow();
    else expect(amountText(text, currency)).toBe(expected);
  });

  it("is formatAmountForApi's text for any amount in minor units", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 22n), max: 10n ** 22n }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom("USD", "JPY", "BHD"),
        (n, places, currency) => {
          const digits = (n < 0n ? -n : n).toString().padStart(places + 1, "0");
          const text = `${n < 0n ? "-" : ""}${digits.slice(0, digits.length - places)}${places > 0 ? `.${digits.slice(-places)}` : ""}`;
          let expected: string;
          try {
            expected = formatAmountForApi(new Decimal(text), currency);
          } catch {
            expect(() => amountText(text, currency)).toThrow();
            return;
          }
          expect(amountText(text, currency)).toBe(expected);
        },
      ),
    );
  });
});
