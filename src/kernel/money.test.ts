import { Decimal as DecimalJs } from "decimal.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "./errors.js";
import {
  allocate,
  CURRENCY_CODES,
  currencyMinorUnits,
  Decimal,
  formatAmountForApi,
  formatMoney,
  isCurrency,
  parseAmount,
  parseCurrency,
  parseCurrencyAmount,
  roundToMinor,
} from "./money.js";

const d = (text: string) => new Decimal(text);
const texts = (amounts: Decimal[]) => amounts.map((amount) => amount.toFixed());

function caught(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError");
}

describe("parseAmount", () => {
  it.each([
    ["12.5", "12.5"],
    ["12.50", "12.5"], // trailing zeros are allowed and change nothing
    ["0.00042", "0.00042"], // a usage unit price
    ["-3", "-3"],
    ["0", "0"],
    ["0.5", "0.5"], // one leading zero before the point is canonical
    ["-0", "0"], // negative zero is read as zero
    ["-0.00", "0"],
    ["0.000000000001", "0.000000000001"], // 12 decimals, the most allowed
    ["9".repeat(30), "9".repeat(30)], // 30 integer digits, the most allowed
    [`${"9".repeat(30)}.${"9".repeat(12)}`, `${"9".repeat(30)}.${"9".repeat(12)}`], // 42 digits kept exactly
  ])("accepts %j as %s", (text, expected) => {
    const amount = parseAmount(text);
    expect(amount.toFixed()).toBe(expected);
    expect(amount.isNegative() && amount.isZero()).toBe(false);
  });

  it.each([
    ["1e3"], // exponent notation
    ["NaN"],
    ["Infinity"],
    ["-Infinity"],
    [""],
    ["-"],
    ["12,50"], // decimal comma
    ["1,000.00"], // grouping
    [" 1"],
    ["1 "],
    ["+1"],
    [".5"],
    ["5."],
    ["-.5"],
    ["0x10"],
    ["007"], // leading zeros: padded fields are rejected, not guessed at
    ["00.5"],
    ["-01"],
    ["0.0000000000001"], // 13 decimals
    ["1".repeat(31)], // 31 integer digits
    ["1".repeat(10_000)],
    ["１２"], // full-width digits
    ["12\n"],
    ["--1"],
  ])("rejects %j with invalid_amount", (text) => {
    const error = caught(() => parseAmount(text, "unit_amount"));
    expect(error.code).toBe("invalid_amount");
    expect(error.param).toBe("unit_amount");
  });

  it.each<[string, unknown]>([
    ["a JSON number", 12.5], // already through a float
    ["a bigint", 12n],
    ["null", null],
    ["undefined", undefined],
    ["an object", {}],
    ["an array", ["1"]],
    ["a Decimal", new Decimal(1)],
  ])("rejects %s", (_case, value) => {
    expect(caught(() => parseAmount(value)).code).toBe("invalid_amount");
  });
});

describe("parseCurrencyAmount", () => {
  it.each([
    ["12.50", "USD", "12.5"],
    ["1000", "JPY", "1000"],
    ["1.250", "BHD", "1.25"],
    ["0.1234", "CLF", "0.1234"],
  ])("accepts %j %s", (text, currency, expected) => {
    expect(parseCurrencyAmount(text, currency).toFixed()).toBe(expected);
  });

  it.each([
    ["12.505", "USD"], // 3 decimals in a 2-decimal currency
    ["1000.5", "JPY"], // no decimals in yen
    ["1.2505", "KWD"],
  ])("rejects %j %s instead of rounding it", (text, currency) => {
    const error = caught(() => parseCurrencyAmount(text, currency, "amount"));
    expect(error.code).toBe("invalid_amount");
    expect(error.param).toBe("amount");
  });
});

describe("currencies", () => {
  it.each([
    ["USD", 2],
    ["EUR", 2],
    ["JPY", 0],
    ["KRW", 0],
    ["ISK", 0],
    ["CLP", 0],
    ["VND", 0],
    ["XOF", 0],
    ["BHD", 3],
    ["KWD", 3],
    ["OMR", 3],
    ["JOD", 3],
    ["TND", 3],
    ["IQD", 3], // CLDR says 0
    ["LYD", 3],
    ["CLF", 4],
    ["UYW", 4],
    ["HUF", 2], // CLDR says 0; ISO keeps fillér
    ["IDR", 2], // CLDR says 0
    ["COP", 2], // CLDR says 0
  ])("%s has %i minor units", (code, minorUnits) => {
    expect(currencyMinorUnits(code)).toBe(minorUnits);
  });

  it.each([["usd"], ["Usd"], ["US"], ["USDD"], [""], ["ABC"], ["XAU"], ["XXX"], ["XTS"], ["HRK"], ["ZWL"], [" USD"]])(
    "rejects %j with invalid_currency",
    (code) => {
      expect(isCurrency(code)).toBe(false);
      expect(caught(() => currencyMinorUnits(code)).code).toBe("invalid_currency");
      expect(caught(() => parseCurrency(code, "currency")).param).toBe("currency");
    },
  );

  it("rejects non-strings", () => {
    expect(isCurrency(840)).toBe(false);
    expect(caught(() => parseCurrency(undefined)).code).toBe("invalid_currency");
  });

  it("holds each code once, three upper-case letters", () => {
    expect(new Set(CURRENCY_CODES).size).toBe(CURRENCY_CODES.length);
    for (const code of CURRENCY_CODES) expect(code).toMatch(/^[A-Z]{3}$/);
  });

  // Intl follows CLDR's display digits. Every disagreement with our ISO table
  // must be one on this list (all CLDR "no decimals shown" cases where ISO
  // keeps 2, or 3 for IQD); anything else is a typo in currencies.ts.
  // biome-ignore format: a table of codes
  const CLDR_SHOWS_NO_DECIMALS = new Set([
    "AFN", "ALL", "COP", "HUF", "IDR", "IQD", "IRR", "KPW", "LAK",
    "LBP", "MGA", "MMK", "PKR", "RSD", "SLL", "SOS", "SYP", "YER",
  ]);
  it("agrees with Intl except where ISO and CLDR are known to differ", () => {
    const unexplained = CURRENCY_CODES.filter((code) => {
      const intlDigits = new Intl.NumberFormat("en", { style: "currency", currency: code }).resolvedOptions()
        .maximumFractionDigits;
      return intlDigits !== currencyMinorUnits(code) && !CLDR_SHOWS_NO_DECIMALS.has(code);
    });
    expect(unexplained).toEqual([]);
  });
});

describe("roundToMinor", () => {
  it.each([
    ["12.344", "USD", "12.34"],
    ["12.345", "USD", "12.35"], // half rounds up
    ["12.3449999", "USD", "12.34"], // only the digit after the last kept one decides
    ["0.005", "USD", "0.01"],
    ["-0.005", "USD", "-0.01"], // half rounds away from zero, mirroring the charge
    ["-0.004", "USD", "0"], // no negative zero
    ["-12.345", "EUR", "-12.35"],
    ["1234.5", "JPY", "1235"],
    ["1234.4999", "JPY", "1234"],
    ["1.2345", "BHD", "1.235"], // three decimals in dinars
    ["1.23455", "CLF", "1.2346"], // four decimals
    ["35.00", "USD", "35"],
    ["23.709677419354838709677419354838709677419", "USD", "23.71"], // 21 × 35.00 / 31
  ])("rounds %s %s to %s", (amount, currency, expected) => {
    const rounded = roundToMinor(d(amount), currency);
    expect(rounded.toFixed()).toBe(expected);
    expect(rounded.isZero() && rounded.isNegative()).toBe(false);
  });

  it("rounds half up even for a Decimal built with decimal.js defaults", () => {
    const plain = new DecimalJs("2.675");
    expect(roundToMinor(plain, "USD").toFixed()).toBe("2.68"); // a float would hold 2.67499999…
  });
});

describe("formatAmountForApi", () => {
  it.each([
    ["12.5", "USD", "12.50"],
    ["1000", "JPY", "1000"],
    ["1.25", "BHD", "1.250"],
    ["-3", "USD", "-3.00"],
    ["0", "KWD", "0.000"],
    ["-0", "USD", "0.00"],
    ["0.5", "CLF", "0.5000"],
    ["123456789012345678901234567890.12", "USD", "123456789012345678901234567890.12"],
  ])("writes %s %s as %j", (amount, currency, expected) => {
    expect(formatAmountForApi(d(amount), currency)).toBe(expected);
  });

  it.each([
    ["12.345", "USD"],
    ["0.5", "JPY"],
  ])("refuses to round %s %s silently", (amount, currency) => {
    expect(() => formatAmountForApi(d(amount), currency)).toThrow(/round it at the line/);
  });
});

describe("formatMoney", () => {
  it.each([
    ["1234.5", "USD", "en-US", "$1,234.50"],
    ["1234.5", "EUR", "de-DE", "1.234,50\u00a0€"],
    ["1000", "JPY", "ja-JP", "￥1,000"],
    ["1.25", "BHD", "en-US", "BHD\u00a01.250"],
    ["1234.5", "HUF", "hu-HU", "1234,50\u00a0Ft"], // ISO's 2 decimals, not CLDR's 0: shows what the ledger holds
    ["0.00042", "USD", "en-US", "$0.00042"], // a unit price keeps its digits
    ["-0.01", "USD", "en-US", "-$0.01"],
    ["-1234.05", "CHF", "fr-CH", "-1\u202f234.05\u00a0CHF"],
    ["1234567.8", "INR", "en-IN", "₹12,34,567.80"],
    // 2^64 + 0.12: a Number would print …551,616.00; the string path keeps every digit
    ["18446744073709551616.12", "USD", "en-US", "$18,446,744,073,709,551,616.12"],
    ["9007199254740993", "USD", "en-US", "$9,007,199,254,740,993.00"], // 2^53 + 1, not representable as a float
  ])("formats %s %s in %s as %j", (amount, currency, locale, expected) => {
    expect(formatMoney(d(amount), currency, locale)).toBe(expected);
  });

  it("rejects a malformed locale with invalid_request naming it", () => {
    const error = caught(() => formatMoney(d("1"), "USD", "not a locale!"));
    expect([error.code, error.param]).toEqual(["invalid_request", "locale"]);
  });

  it("rejects an unknown currency", () => {
    expect(caught(() => formatMoney(d("1"), "ABC", "en-US")).code).toBe("invalid_currency");
  });
});

describe("allocate", () => {
  const third = new Decimal(1).div(3);
  it.each<[string, (Decimal | string)[], string, string[]]>([
    ["100.00", ["1", "1", "1"], "USD", ["33.34", "33.33", "33.33"]], // 10000¢ / 3 = 3333 r 1; the 1¢ goes to the first
    ["-100.00", ["1", "1", "1"], "USD", ["-33.34", "-33.33", "-33.33"]], // a credit mirrors the charge
    ["0.05", ["1", "1"], "USD", ["0.03", "0.02"]], // 5¢ / 2 = 2.5 each: tie, earliest index wins
    ["0.05", ["1", "3"], "USD", ["0.01", "0.04"]], // 5 × 1/4 = 1.25 → 1, 5 × 3/4 = 3.75 → 3 + 1 (larger remainder)
    ["10.00", ["0", "1", "1"], "USD", ["0", "5", "5"]], // a zero weight gets nothing
    ["0.01", ["1", "1", "1"], "USD", ["0.01", "0", "0"]], // one cent cannot be split
    ["1000", ["1", "1", "1"], "JPY", ["334", "333", "333"]], // whole yen
    ["1.000", ["1", "2"], "BHD", ["0.333", "0.667"]], // 1000 fils × 1/3 = 333.3, × 2/3 = 666.7 → 667
    ["100.00", ["0.2", "0.3", "0.5"], "EUR", ["20", "30", "50"]], // percentages as decimal weights
    ["10.00", [third, third, third], "USD", ["3.34", "3.33", "3.33"]], // weights made by division, 84 digits each
    ["31.00", ["10", "21"], "USD", ["10", "21"]], // 10 of 31 days and the other 21
    ["99.99", ["3", "3", "3", "1"], "USD", ["30", "30", "29.99", "10"]], // 9999 × 3/10 = 2999.7 ×3 → 2999; 9999/10 = 999.9 → 999; 3 left: remainders 7,7,7,9 → last, then first two
    ["0", ["1", "2"], "USD", ["0", "0"]],
  ])("splits %s by %j in %s into %j", (amount, weights, currency, expected) => {
    const parts = allocate(d(amount), weights, currency);
    expect(texts(parts)).toEqual(expected);
    expect(parts.reduce((sum, part) => sum.plus(part), d("0")).toFixed()).toBe(d(amount).toFixed());
  });

  it.each<[string, (Decimal | string)[]]>([
    ["all-zero weights", ["0", "0"]],
    ["no weights", []],
    ["a negative weight", ["1", "-1"]],
    ["a malformed weight", ["1", "1e2"]],
    ["a NaN weight", [new Decimal(Number.NaN)]],
  ])("rejects %s with invalid_weights or invalid_amount", (_case, weights) => {
    expect(["invalid_weights", "invalid_amount"]).toContain(caught(() => allocate(d("10.00"), weights, "USD")).code);
  });

  it("names all-zero weights as invalid_weights", () => {
    expect(caught(() => allocate(d("10.00"), ["0", "0"], "USD")).code).toBe("invalid_weights");
  });

  it("refuses an amount that is not yet in minor units", () => {
    expect(() => allocate(d("10.005"), ["1"], "USD")).toThrow(/already rounded/);
  });

  it("always sums exactly and keeps each part within one minor unit of its exact share", () => {
    const cents = fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n });
    const weight = fc.nat({ max: 1_000_000 }).map((n) => new Decimal(n).div(1000));
    fc.assert(
      fc.property(cents, fc.array(weight, { minLength: 1, maxLength: 12 }), (amountCents, weights) => {
        fc.pre(weights.some((w) => !w.isZero()));
        const amount = new Decimal(amountCents.toString()).div(100);
        const parts = allocate(amount, weights, "USD");
        const total = weights.reduce((sum, w) => sum.plus(w), new Decimal(0));
        expect(parts.reduce((sum, part) => sum.plus(part), new Decimal(0)).eq(amount)).toBe(true);
        parts.forEach((part, i) => {
          const exact = amount.times(weights[i] ?? 0).div(total);
          expect(part.minus(exact).abs().lt("0.01")).toBe(true);
          expect(part.decimalPlaces()).toBeLessThanOrEqual(2);
          if (weights[i]?.isZero()) expect(part.isZero()).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });
});
