import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { Decimal } from "../kernel/money.js";
import { findTaxRate, isReverseCharge, type TaxCustomer, type TaxRate, taxOnLine, taxTreatment } from "./tax.js";

const rate = (
  id: string,
  country: string,
  region: string | null,
  percentage: string,
  from: string,
  to: string | null,
) => ({ id, country, region, percentage, name: "VAT", effective_from: from, effective_to: to }) satisfies TaxRate;

const RATES: TaxRate[] = [
  rate("de_19_old", "DE", null, "19", "2007-01-01", "2020-07-01"),
  rate("de_16", "DE", null, "16", "2020-07-01", "2021-01-01"),
  rate("de_19", "DE", null, "19", "2021-01-01", null),
  rate("fr_20", "FR", null, "20", "2014-01-01", null),
  rate("ca_gst", "CA", null, "5", "2008-01-01", null),
  rate("ca_on_hst", "CA", "ON", "13", "2010-07-01", null),
  rate("us_ca", "US", "CA", "7.25", "2017-01-01", null),
];

const day = (text: string) => Temporal.PlainDate.from(text);

const customer = (overrides: Partial<TaxCustomer>): TaxCustomer => ({
  country: "FR",
  region: null,
  is_business: false,
  vat_id_country: null,
  exemption: null,
  ...overrides,
});

describe("findTaxRate", () => {
  it.each([
    ["DE", null, "2020-06-30", "de_19_old"], // the last day before the temporary cut
    ["DE", null, "2020-07-01", "de_16"], // effective_from is inclusive
    ["DE", null, "2020-12-31", "de_16"],
    ["DE", null, "2021-01-01", "de_19"], // effective_to is exclusive: the next rate starts that day
    ["CA", "ON", "2026-03-01", "ca_on_hst"], // the province's HST wins over the federal GST
    ["CA", "AB", "2026-03-01", "ca_gst"], // no provincial rate: the country-wide one
    ["US", "CA", "2026-03-01", "us_ca"],
    ["US", "NY", "2026-03-01", null], // no rate for New York in this table
  ])("%s-%s on %s → %s", (country, region, on, expected) => {
    expect(findTaxRate(RATES, { country, region }, day(on))?.id ?? null).toBe(expected);
  });
});

describe("taxTreatment", () => {
  const on = day("2026-03-01");
  it.each([
    ["FR consumer", customer({}), "standard:fr_20"],
    ["FR business with FR VAT id, seller DE", customer({ is_business: true, vat_id_country: "FR" }), "reverse_charge"],
    ["FR business without VAT id", customer({ is_business: true }), "standard:fr_20"],
    ["FR business with a DE VAT id", customer({ is_business: true, vat_id_country: "DE" }), "standard:fr_20"],
    [
      "DE business, same state as the seller",
      customer({ country: "DE", is_business: true, vat_id_country: "DE" }),
      "standard:de_19",
    ],
    [
      "exempt until the certificate's last day",
      customer({ exemption: { certificate_reference: "EX-1", expires_on: "2026-03-01" } }),
      "exempt",
    ],
    [
      "expired certificate: taxed",
      customer({ exemption: { certificate_reference: "EX-1", expires_on: "2026-02-28" } }),
      "standard:fr_20",
    ],
    [
      "certificate without expiry",
      customer({ exemption: { certificate_reference: "EX-2", expires_on: null } }),
      "exempt",
    ],
  ])("%s", (_name, who, expected) => {
    const treatment = taxTreatment({ rates: RATES, seller_country: "DE", customer: who, on });
    expect(treatment.kind === "standard" ? `standard:${treatment.rate.id}` : treatment.kind).toBe(expected);
  });

  it("refuses a place with no rate rather than charging nothing", () => {
    const who = customer({ country: "US", region: "NY" });
    expect(() => taxTreatment({ rates: RATES, seller_country: "US", customer: who, on })).toThrow(
      expect.objectContaining({ code: "tax_rate_not_found" }),
    );
  });

  it("never reverse-charges when the seller is outside the EU", () => {
    expect(isReverseCharge("US", customer({ is_business: true, vat_id_country: "FR" }))).toBe(false);
  });
});

describe("taxOnLine", () => {
  it.each([
    ["100.00", "20", false, "EUR", "100.00", "20.00"], // 100.00 × 20 % = 20.00 on top
    ["100.00", "20", true, "EUR", "83.33", "16.67"], // 100.00 × 20 / 120 = 16.666… → 16.67; 100.00 − 16.67
    ["9.99", "19", true, "EUR", "8.39", "1.60"], // 9.99 × 19 / 119 = 1.59504… → 1.60; 9.99 − 1.60
    ["8.875", "10", false, "BHD", "8.875", "0.888"], // 8.875 × 10 % = 0.8875 → 0.888 (3 decimals, half up)
    ["1001", "10", false, "JPY", "1001", "100"], // 1001 × 10 % = 100.1 → 100 (no minor unit)
    ["-30.00", "20", false, "EUR", "-30.00", "-6.00"], // a credit line carries negative tax
    ["0.05", "7.25", false, "USD", "0.05", "0"], // 0.05 × 7.25 % = 0.003625 → 0.00
  ])("%s at %s%% (inclusive %s) in %s → net %s, tax %s", (amount, percentage, inclusive, currency, net, tax) => {
    const split = taxOnLine(new Decimal(amount), new Decimal(percentage), inclusive, currency);
    expect(split.net.toString()).toBe(new Decimal(net).toString());
    expect(split.tax.toString()).toBe(new Decimal(tax).toString());
  });
});
