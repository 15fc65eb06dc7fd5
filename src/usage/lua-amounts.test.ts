import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Decimal, roundToMinor } from "../kernel/money.js";
import { decimalOfNumber, decimalOfText, lineAmount } from "./lua-amounts.js";

describe("reading Lua numbers as decimals", () => {
  it.each([
    [0.1, "0.1"], // the float nearest 0.1 reads back as 0.1
    [0.1 + 0.2, "0.30000000000000004"], // a float sum really is that number: the script should not add money
    [12.37, "12.37"],
    [8 / 100, "0.08"], // a percentage divided by 100 is the float nearest 0.08
    [7.5 / 100, "0.075"],
    [3, "3"],
    [-0, "0"],
    [1e-7, "0.0000001"], // no exponent notation
    [1.5e21, "1500000000000000000000"],
  ])("%s reads as %s", (value, text) => {
    expect(decimalOfNumber(value).text).toBe(text);
  });

  it.each([
    ["1.50", "1.5"],
    ["-0.00042", "-0.00042"],
    ["1e3", null], // canonical decimal text only
    [" 1", null],
    ["abc", null],
  ])("text %j reads as %j", (text, expected) => {
    expect(decimalOfText(text)?.text ?? null).toBe(expected);
  });
});

describe("line amounts", () => {
  const amount = (q: number | string, p: number | string, currency = "USD", digits = 2) =>
    lineAmount(
      typeof q === "number" ? decimalOfNumber(q) : (decimalOfText(q) as never),
      typeof p === "number" ? decimalOfNumber(p) : (decimalOfText(p) as never),
      currency,
      digits,
    );

  it.each([
    [12, 1.25, "15.00"], // 12 × 1.25
    [12.37, 0.08, "0.99"], // 0.9896 → 0.99
    [10.0625, 0.08, "0.81"], // 0.805 → 0.81: half away from zero
    [-10.0625, 0.08, "-0.81"], // a credit mirrors the charge
    [0.3, "0.000000000042", "0.00"], // 0.0000000000126 → 0.00
    [2.75, 95, "261.25"], // 2.75 hours × 95.00
    ["123456789012345678901234567890", "0.01", "1234567890123456789012345678.90"], // beyond 2^53: the decimal path
  ])("%s × %s = %s", (q, p, expected) => {
    expect(amount(q, p)).toBe(expected);
  });

  it("gives JPY and BHD their own minor units", () => {
    expect(amount(3, 33.5, "JPY", 0)).toBe("101"); // 100.5 → 101
    expect(amount(3, 0.3335, "BHD", 3)).toBe("1.001"); // 1.0005 → 1.001
  });

  it("agrees with decimal.js on any quantity and price", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 100_000_000 }),
        fc.integer({ min: 0, max: 8 }),
        (qUnits, qScale, pUnits, pScale) => {
          const q = new Decimal(qUnits).dividedBy(10 ** qScale).toString();
          const p = new Decimal(pUnits).dividedBy(10 ** pScale).toString();
          const expected = roundToMinor(new Decimal(q).times(p), "USD").toFixed(2);
          expect(amount(q, p)).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
