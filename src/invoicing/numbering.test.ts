import { describe, expect, it } from "vitest";
import { checkNumberSeries, DEFAULT_INVOICE_SERIES, type NumberSeries, nextDocumentNumber } from "./numbering.js";

const NEVER: NumberSeries = { prefix: "ACME-UK", format: "{prefix}/{seq}", digits: 5, reset: "never" };

describe("nextDocumentNumber", () => {
  it.each([
    [DEFAULT_INVOICE_SERIES, null, 2026, "INV-2026-000001"], // the first number of a series
    [DEFAULT_INVOICE_SERIES, { year: 2026, sequence: 122 }, 2026, "INV-2026-000123"], // 122 + 1
    [DEFAULT_INVOICE_SERIES, { year: 2026, sequence: 4810 }, 2027, "INV-2027-000001"], // a new year starts at 1
    [DEFAULT_INVOICE_SERIES, { year: 2027, sequence: 7 }, 2026, "INV-2027-000008"], // a back-dated document never reopens 2026
    [DEFAULT_INVOICE_SERIES, { year: 2026, sequence: 999_999 }, 2026, "INV-2026-1000000"], // outgrows 6 digits: widened, not cut
    [NEVER, { year: 2026, sequence: 41 }, 2027, "ACME-UK/00042"], // no yearly reset: 41 + 1
  ])("%o after %o in %i → %s", (series, last, year, expected) => {
    expect(nextDocumentNumber(series, last, year).number).toBe(expected);
  });
});

describe("checkNumberSeries", () => {
  it.each([
    [{ ...DEFAULT_INVOICE_SERIES, format: "{prefix}-{seq}" }, "format"], // yearly reset without a year repeats numbers
    [{ ...DEFAULT_INVOICE_SERIES, format: "{prefix}-{yyyy}" }, "format"], // no sequence at all
    [{ ...DEFAULT_INVOICE_SERIES, format: "{prefix}-{yy}-{seq}" }, "format"], // unknown token
    [{ ...DEFAULT_INVOICE_SERIES, prefix: "INV 2026" }, "prefix"],
    [{ ...DEFAULT_INVOICE_SERIES, digits: 0 }, "digits"],
  ])("refuses %o (%s)", (series, param) => {
    expect(() => checkNumberSeries(series)).toThrow(expect.objectContaining({ code: "invalid_number_series", param }));
  });
});
