import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chargeAmount, decimalOfNumber, numberFigures } from "./lua-amounts.js";

/** numberFigures is a cache in front of decimalOfNumber and chargeAmount: it must give their text, always. */
const direct = (quantity: number, price: number) => {
  const q = decimalOfNumber(quantity);
  const p = decimalOfNumber(price);
  return { quantity: q.text, unit_price: p.text, amount: chargeAmount(q, p) };
};

describe("a charge's figures from two floats", () => {
  it.each([
    [1, 0.35, "1", "0.35", "0.35"], // the first-unit pick rate
    [23.45, 0.08, "23.45", "0.08", "1.876"], // an 8 % markup, not rounded
    [-0, 0.08, "0", "0.08", "0"], // negative zero reads as 0
    [0, 0.08, "0", "0.08", "0"], // and shares its entry with -0
    [-2.5, 4, "-2.5", "4", "-10"], // a credit
    [1e-7, 3, "0.0000001", "3", "0.0000003"], // no exponent notation
    [1.5e21, 2, "1500000000000000000000", "2", "3000000000000000000000"], // past 2^53: the decimal path
  ])("%s × %s", (quantity, price, quantityText, priceText, amount) => {
    expect(numberFigures(quantity, price)).toEqual({ quantity: quantityText, unit_price: priceText, amount });
    expect(numberFigures(quantity, price)).toEqual(direct(quantity, price)); // and again, from the cache
  });

  it("agrees with decimalOfNumber and chargeAmount on any finite floats", () => {
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
    const money = fc.integer({ min: -1_000_000, max: 1_000_000 }).map((cents) => cents / 100);
    fc.assert(
      fc.property(fc.oneof(finite, money), fc.oneof(finite, money), (quantity, price) => {
        expect(numberFigures(quantity, price)).toEqual(direct(quantity, price));
      }),
      { numRuns: 3000 },
    );
  });

  it("keeps giving the same figures while the table grows and after it starts again", () => {
    // 150,000 distinct pairs: more than the table holds (65,536 at most), so it doubles and then empties.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 150_000; i++) {
        const quantity = (i % 997) + round / 4;
        const price = Math.floor(i / 997) / 100;
        const figures = numberFigures(quantity, price);
        if (i % 101 === 0) expect(figures).toEqual(direct(quantity, price));
      }
    }
    expect(numberFigures(3, 0.35)).toEqual({ quantity: "3", unit_price: "0.35", amount: "1.05" });
  });
});
