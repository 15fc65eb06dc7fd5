import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Decimal } from "../kernel/money.js";
import { chargeAmount, decimalOfNumber, decimalOfText } from "./lua-amounts.js";

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

describe("charge amounts: quantity × unit price, exact", () => {
  const amount = (q: number | string, p: number | string) =>
    chargeAmount(
      typeof q === "number" ? decimalOfNumber(q) : (decimalOfText(q) as never),
      typeof p === "number" ? decimalOfNumber(p) : (decimalOfText(p) as never),
    );

  it.each([
    [12, 1.25, "15"], // 12 × 1.25 = 15.00, written without trailing zeros
    [12.37, 0.08, "0.9896"], // not rounded: the invoice line rounds the sum of its charges
    [10.0625, 0.08, "0.805"], // a half cent stays a half cent
    [-10.0625, 0.08, "-0.805"], // a credit mirrors the charge
    [6.3, 0.08, "0.504"], // one shipment's 8 % markup
    [0.3, "0.000000000042", "0.0000000000126"], // 0.3 × 0.000000000042: every digit kept
    [2.75, 95, "261.25"], // 2.75 hours × 95.00
    [0, 0.08, "0"],
    [-0.5, 0, "0"], // no negative zero
    [1e-20, 1e-20, "0.0000000000000000000000000000000000000001"], // 10^-40: the integer path, no exponent
    ["123456789012345678901234567890", "0.01", "1234567890123456789012345678.9"], // beyond 2^53: the decimal path
  ])("%s × %s = %s", (q, p, expected) => {
    expect(amount(q, p)).toBe(expected);
  });

  it("keeps every digit of two 59-digit factors, past the kernel's 84-digit precision", () => {
    const q = "12345678901234567890123456789.012345678901234567890123456789";
    const p = "98765432109876543210987654321.098765432109876543210987654321";
    const product = amount(q, p);
    // Exact: the product has as many decimals as both factors together (30 + 30).
    expect(product.split(".")[1]?.length).toBe(60);
    expect(product.endsWith("9")).toBe(true); // …789 × …321 ends in 9: the last digit survived
    const Wide = Decimal.clone({ precision: 200 });
    expect(product).toBe(new Wide(q).times(p).toFixed());
  });

  it("agrees with decimal.js on any quantity and price", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 100_000_000 }),
        fc.integer({ min: 0, max: 12 }),
        (qUnits, qScale, pUnits, pScale) => {
          const q = new Decimal(qUnits).dividedBy(10 ** qScale).toString();
          const p = new Decimal(pUnits).dividedBy(10 ** pScale).toString();
          // decimal.js drops trailing zeros too, so its text is the canonical one.
          const expected = new Decimal(q).times(p).toFixed();
          expect(amount(q, p)).toBe(expected === "-0" ? "0" : expected);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
