import { describe, expect, it } from "vitest";
import { DomainError } from "../kernel/errors.js";
import { abnValid, checkTaxId, gstinCheckCharacter, luhnValid, type TaxIdInput } from "./tax-ids.js";

function rejection(input: TaxIdInput): { code: string; param: string | undefined } {
  try {
    checkTaxId(input, "tax_ids.0");
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, param: error.param };
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe("checksums", () => {
  it.each([
    // ABN 51 824 753 556: (5−1)×10 + 1×1 + 8×3 + 2×5 + 4×7 + 7×9 + 5×11 + 3×13 + 5×15 + 5×17 + 6×19
    //   = 40 + 1 + 24 + 10 + 28 + 63 + 55 + 39 + 75 + 85 + 114 = 534 = 89 × 6
    ["51824753556", true],
    // ABN 53 004 085 616: 40 + 3 + 0 + 0 + 28 + 0 + 88 + 65 + 90 + 17 + 114 = 445 = 89 × 5
    ["53004085616", true],
    // last digit one higher: 534 + 19 = 553 = 89 × 6 + 19
    ["51824753557", false],
    // first two digits swapped: (1−1)×10 + 5×1 + … = 534 − 40 − 1 + 0 + 5 = 498 = 89 × 5 + 53
    ["15824753556", false],
    ["5182475355", false],
  ])("ABN %s valid: %s", (digits, valid) => {
    expect(abnValid(digits)).toBe(valid);
  });

  it.each([
    // BN 123026635, Luhn from the right: 5 + (3×2=6) + 6 + (6×2=12→3) + 2 + (0×2=0) + 3 + (2×2=4) + 1 = 30 ≡ 0 (mod 10)
    ["123026635", true],
    // check digit 6: the sum becomes 31
    ["123026636", false],
    // 79927398713, the classic Luhn example: sum 70
    ["79927398713", true],
  ])("Luhn %s valid: %s", (digits, valid) => {
    expect(luhnValid(digits)).toBe(valid);
  });

  it("computes the GSTIN check character", () => {
    // 2 7 A A P F U 0 9 3 9 F 1 Z as base 36 = 2 7 10 10 25 15 30 0 9 3 9 15 1 35, weights 1 2 1 2 …:
    // products 2 14 10 20 25 30 30 0 9 6 9 30 1 70; each adds quotient + remainder by 36:
    // 2+14+10+20+25+30+30+0+9+6+9+30+1+(1+34) = 221; 221 mod 36 = 5; (36 − 5) mod 36 = 31 = "V"
    expect(gstinCheckCharacter("27AAPFU0939F1Z")).toBe("V");
    expect(gstinCheckCharacter("29AAGCB7383J1Z")).toBe("4");
  });
});

describe("checkTaxId accepts and normalises", () => {
  it.each<[TaxIdInput, string, string | null]>([
    [{ type: "eu_vat", value: "DE123456789" }, "DE123456789", "DE"],
    [{ type: "eu_vat", value: "de 123 456 789" }, "DE123456789", "DE"],
    [{ type: "eu_vat", value: "FR40303265045" }, "FR40303265045", "FR"],
    [{ type: "eu_vat", value: "NL123456789B01" }, "NL123456789B01", "NL"],
    [{ type: "eu_vat", value: "ATU12345678" }, "ATU12345678", "AT"],
    [{ type: "eu_vat", value: "ESX1234567X" }, "ESX1234567X", "ES"],
    [{ type: "eu_vat", value: "ES12345678Z" }, "ES12345678Z", "ES"],
    [{ type: "eu_vat", value: "IE1234567WA" }, "IE1234567WA", "IE"],
    [{ type: "eu_vat", value: "SE556677889901" }, "SE556677889901", "SE"],
    // Greece's VAT prefix is EL; GR (its ISO code) is what people type.
    [{ type: "eu_vat", value: "EL123456789" }, "EL123456789", "GR"],
    [{ type: "eu_vat", value: "GR123456789" }, "EL123456789", "GR"],
    // Northern Ireland: EU VAT for goods, country GB.
    [{ type: "eu_vat", value: "XI123456789" }, "XI123456789", "GB"],
    [{ type: "gb_vat", value: "GB123456789" }, "GB123456789", "GB"],
    [{ type: "gb_vat", value: "123 4567 89" }, "GB123456789", "GB"],
    [{ type: "gb_vat", value: "GB123456789001" }, "GB123456789001", "GB"],
    [{ type: "gb_vat", value: "GBGD001" }, "GBGD001", "GB"],
    [{ type: "gb_vat", value: "GBHA599" }, "GBHA599", "GB"],
    [{ type: "us_ein", value: "12-3456789" }, "12-3456789", "US"],
    [{ type: "us_ein", value: "123456789" }, "12-3456789", "US"],
    [{ type: "ca_bn", value: "123026635" }, "123026635", "CA"],
    [{ type: "ca_bn", value: "12302 6635 rc 0001" }, "123026635RC0001", "CA"],
    [{ type: "au_abn", value: "51 824 753 556" }, "51824753556", "AU"],
    [{ type: "in_gst", value: "27aapfu0939f1zv" }, "27AAPFU0939F1ZV", "IN"],
    [{ type: "other", value: " CHE-123.456.789 ", country: "CH" }, "CHE-123.456.789", "CH"],
    [{ type: "other", value: "12345" }, "12345", null],
  ])("%j → %s (%s)", (input, value, country) => {
    expect(checkTaxId(input, "tax_ids.0")).toEqual({ type: input.type, value, country });
  });
});

describe("checkTaxId refuses", () => {
  it.each<[TaxIdInput, string]>([
    [{ type: "eu_vat", value: "DE12345678" }, "tax_ids.0.value"], // DE needs 9 digits
    [{ type: "eu_vat", value: "US123456789" }, "tax_ids.0.value"], // not a member state
    [{ type: "eu_vat", value: "GB123456789" }, "tax_ids.0.value"], // the UK left: gb_vat
    [{ type: "eu_vat", value: "NL123456789" }, "tax_ids.0.value"], // NL needs B and 2 digits
    [{ type: "eu_vat", value: "AT12345678" }, "tax_ids.0.value"], // AT needs the U
    [{ type: "eu_vat", value: "SE123456789012" }, "tax_ids.0.value"], // SE ends in 01
    [{ type: "eu_vat", value: "IE1234567TZ" }, "tax_ids.0.value"], // second letter A–I
    [{ type: "gb_vat", value: "GB12345678" }, "tax_ids.0.value"],
    [{ type: "gb_vat", value: "GBGD500" }, "tax_ids.0.value"], // GD is 000–499
    [{ type: "us_ein", value: "07-1234567" }, "tax_ids.0.value"], // prefix 07 never assigned
    [{ type: "us_ein", value: "12-345678" }, "tax_ids.0.value"],
    [{ type: "ca_bn", value: "123026636" }, "tax_ids.0.value"], // Luhn sum 31
    [{ type: "ca_bn", value: "123026635RT01" }, "tax_ids.0.value"],
    [{ type: "au_abn", value: "51 824 753 557" }, "tax_ids.0.value"], // 553 mod 89 = 19
    [{ type: "in_gst", value: "27AAPFU0939F1ZW" }, "tax_ids.0.value"], // check character is V
    [{ type: "in_gst", value: "40AAPFU0939F1ZV" }, "tax_ids.0.value"], // no state 40
    [{ type: "eu_vat", value: "DE123456789", country: "DE" }, "tax_ids.0.country"],
    [{ type: "other", value: "" }, "tax_ids.0.value"],
    [{ type: "bogus" as "other", value: "1" }, "tax_ids.0.type"],
  ])("%j (%s)", (input, param) => {
    const { code, param: named } = rejection(input);
    expect(named).toBe(param);
    expect(code === "invalid_tax_id" || code === "invalid_country").toBe(true);
  });

  it("names the country field for an unknown country on an other tax id", () => {
    expect(rejection({ type: "other", value: "1", country: "ZZ" })).toEqual({
      code: "invalid_country",
      param: "tax_ids.0.country",
    });
  });
});
