import { DomainError } from "../kernel/errors.js";
import { COUNTRY_CODES } from "./countries.js";

/**
 * Tax ids: a type and a value, format-checked before they reach an invoice,
 * because a malformed VAT number silently turns a reverse-charge invoice into
 * one that charges VAT the customer cannot reclaim. Checks are local (shape and
 * checksum); whether the number is registered (VIES, HMRC) is a separate,
 * online question this module does not ask.
 *
 * Type names follow Stripe's, so integrations that already speak them map 1:1.
 */
export const TAX_ID_TYPES = ["eu_vat", "gb_vat", "us_ein", "ca_bn", "au_abn", "in_gst", "other"] as const;
export type TaxIdType = (typeof TAX_ID_TYPES)[number];

export interface TaxId {
  type: TaxIdType;
  /** Normalised: upper case, no spaces or punctuation (an EIN keeps its "12-3456789" form). */
  value: string;
  /** The country that issued it: from the prefix for VAT numbers, from the type otherwise. */
  country: string | null;
}

export interface TaxIdInput {
  type: TaxIdType;
  value: string;
  /** Only for `other`, where nothing else says which country issued it. */
  country?: string | null | undefined;
}

/**
 * EU VAT numbers: the member-state prefix and the national pattern VIES
 * publishes. Greece's prefix is EL (not its ISO code GR); XI is Northern
 * Ireland, which keeps EU VAT numbers for goods under the Windsor Framework.
 */
export const EU_VAT_FORMATS: Readonly<Record<string, { country: string; pattern: RegExp }>> = {
  AT: { country: "AT", pattern: /^U\d{8}$/ },
  BE: { country: "BE", pattern: /^[01]\d{9}$/ },
  BG: { country: "BG", pattern: /^\d{9,10}$/ },
  CY: { country: "CY", pattern: /^\d{8}[A-Z]$/ },
  CZ: { country: "CZ", pattern: /^\d{8,10}$/ },
  DE: { country: "DE", pattern: /^\d{9}$/ },
  DK: { country: "DK", pattern: /^\d{8}$/ },
  EE: { country: "EE", pattern: /^\d{9}$/ },
  EL: { country: "GR", pattern: /^\d{9}$/ },
  ES: { country: "ES", pattern: /^(?:[A-Z]\d{7}[A-Z0-9]|\d{8}[A-Z])$/ },
  FI: { country: "FI", pattern: /^\d{8}$/ },
  FR: { country: "FR", pattern: /^[0-9A-HJ-NP-Z]{2}\d{9}$/ },
  HR: { country: "HR", pattern: /^\d{11}$/ },
  HU: { country: "HU", pattern: /^\d{8}$/ },
  IE: { country: "IE", pattern: /^(?:\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W])$/ },
  IT: { country: "IT", pattern: /^\d{11}$/ },
  LT: { country: "LT", pattern: /^(?:\d{9}|\d{12})$/ },
  LU: { country: "LU", pattern: /^\d{8}$/ },
  LV: { country: "LV", pattern: /^\d{11}$/ },
  MT: { country: "MT", pattern: /^\d{8}$/ },
  NL: { country: "NL", pattern: /^\d{9}B\d{2}$/ },
  PL: { country: "PL", pattern: /^\d{10}$/ },
  PT: { country: "PT", pattern: /^\d{9}$/ },
  RO: { country: "RO", pattern: /^[1-9]\d{1,9}$/ },
  SE: { country: "SE", pattern: /^\d{10}01$/ },
  SI: { country: "SI", pattern: /^\d{8}$/ },
  SK: { country: "SK", pattern: /^\d{10}$/ },
  XI: { country: "GB", pattern: /^(?:\d{9}|\d{12}|GD[0-4]\d{2}|HA[5-9]\d{2})$/ },
};

/** UK VAT: 9 digits, 12 for a branch, GD/HA for government departments and health authorities. */
const GB_VAT = /^GB(?:\d{9}|\d{12}|GD[0-4]\d{2}|HA[5-9]\d{2})$/;

/**
 * The IRS assigns EINs from campus prefixes; these two-digit prefixes were
 * never assigned, so an EIN starting with one is a typo.
 */
const EIN_UNUSED_PREFIXES = new Set([
  "00",
  "07",
  "08",
  "09",
  "17",
  "18",
  "19",
  "28",
  "29",
  "49",
  "69",
  "70",
  "78",
  "79",
  "89",
  "96",
  "97",
]);

/** GSTIN: state code, the holder's PAN, entity number, "Z", check character. */
const GSTIN = /^(\d{2})[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/;
const BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

function invalid(message: string, param: string): DomainError {
  return new DomainError("invalid_tax_id", message, { param });
}

/** Spaces, dots, dashes and slashes are how people group digits; they are not part of the number. */
function compact(value: string): string {
  return value.toUpperCase().replace(/[\s.\-/]/g, "");
}

/** The Luhn (mod 10) check digit test: doubling every second digit from the right. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

const ABN_WEIGHTS = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];

/** ATO's rule: subtract 1 from the first digit, weight the 11 digits, and the sum divides by 89. */
export function abnValid(digits: string): boolean {
  if (!/^\d{11}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 11; i++) {
    const digit = Number(digits[i]) - (i === 0 ? 1 : 0);
    sum += digit * (ABN_WEIGHTS[i] ?? 0);
  }
  return sum % 89 === 0;
}

/**
 * GSTN's check character: each of the first 14 characters as a base-36 value,
 * multiplied by 1 and 2 alternately; each product adds its base-36 quotient
 * and remainder; the check is (36 − sum mod 36) mod 36.
 */
export function gstinCheckCharacter(first14: string): string {
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    const product = BASE36.indexOf(first14[i] ?? "") * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(product / 36) + (product % 36);
  }
  return BASE36[(36 - (sum % 36)) % 36] ?? "";
}

function checkEuVat(value: string, param: string): TaxId {
  let normalized = compact(value);
  // People write Greek numbers with Greece's ISO code; VIES only knows EL.
  if (normalized.startsWith("GR")) normalized = `EL${normalized.slice(2)}`;
  const format = EU_VAT_FORMATS[normalized.slice(0, 2)];
  if (format === undefined) {
    throw invalid("an EU VAT number starts with its member state prefix (DE, FR, EL, XI, …)", param);
  }
  if (!format.pattern.test(normalized.slice(2))) {
    throw invalid(`${normalized.slice(0, 2)} VAT numbers do not look like ${JSON.stringify(value)}`, param);
  }
  return { type: "eu_vat", value: normalized, country: format.country };
}

function checkGbVat(value: string, param: string): TaxId {
  let normalized = compact(value);
  if (/^\d/.test(normalized)) normalized = `GB${normalized}`;
  if (!GB_VAT.test(normalized)) {
    throw invalid("a UK VAT number is GB and 9 digits (12 for a branch, GD/HA and 3 digits for public bodies)", param);
  }
  return { type: "gb_vat", value: normalized, country: "GB" };
}

function checkUsEin(value: string, param: string): TaxId {
  const digits = value.replace(/[\s-]/g, "");
  if (!/^\d{9}$/.test(digits)) throw invalid("an EIN is 9 digits, written 12-3456789", param);
  if (EIN_UNUSED_PREFIXES.has(digits.slice(0, 2))) {
    throw invalid(`no EIN starts with ${digits.slice(0, 2)}: the IRS never assigned that prefix`, param);
  }
  return { type: "us_ein", value: `${digits.slice(0, 2)}-${digits.slice(2)}`, country: "US" };
}

function checkCaBn(value: string, param: string): TaxId {
  const normalized = compact(value);
  if (!/^\d{9}(?:[A-Z]{2}\d{4})?$/.test(normalized)) {
    throw invalid("a business number is 9 digits, optionally with a program account such as RT0001", param);
  }
  if (!luhnValid(normalized.slice(0, 9))) throw invalid("the business number's check digit is wrong", param);
  return { type: "ca_bn", value: normalized, country: "CA" };
}

function checkAuAbn(value: string, param: string): TaxId {
  const digits = value.replace(/\s/g, "");
  if (!/^\d{11}$/.test(digits)) throw invalid("an ABN is 11 digits", param);
  if (!abnValid(digits)) throw invalid("the ABN's check digits are wrong", param);
  return { type: "au_abn", value: digits, country: "AU" };
}

function checkInGst(value: string, param: string): TaxId {
  const normalized = compact(value);
  const match = GSTIN.exec(normalized);
  const state = Number(match?.[1] ?? "0");
  // 01–38 are states and union territories; 97 other territory; 99 centre jurisdiction.
  if (match === null || !((state >= 1 && state <= 38) || state === 97 || state === 99)) {
    throw invalid("a GSTIN is 15 characters: state code, PAN, entity number, Z, check character", param);
  }
  if (gstinCheckCharacter(normalized.slice(0, 14)) !== normalized[14]) {
    throw invalid("the GSTIN's check character is wrong", param);
  }
  return { type: "in_gst", value: normalized, country: "IN" };
}

function checkOther(input: TaxIdInput, param: string): TaxId {
  const value = input.value.trim();
  if (value === "" || value.length > 64) throw invalid("a tax id is 1 to 64 characters", param);
  const country = input.country ?? null;
  if (country !== null && !COUNTRY_CODES.has(country)) {
    throw new DomainError("invalid_country", `${JSON.stringify(country)} is not an ISO 3166-1 alpha-2 country code`, {
      param: param.replace(/\.value$/, ".country"),
    });
  }
  return { type: "other", value, country };
}

/** Checks and normalises one tax id; `param` names it in errors ("tax_ids.0"). */
export function checkTaxId(input: TaxIdInput, param: string): TaxId {
  const valueParam = `${param}.value`;
  if (input.country !== undefined && input.country !== null && input.type !== "other") {
    throw invalid(`the country of a ${input.type} number comes from the number itself`, `${param}.country`);
  }
  switch (input.type) {
    case "eu_vat":
      return checkEuVat(input.value, valueParam);
    case "gb_vat":
      return checkGbVat(input.value, valueParam);
    case "us_ein":
      return checkUsEin(input.value, valueParam);
    case "ca_bn":
      return checkCaBn(input.value, valueParam);
    case "au_abn":
      return checkAuAbn(input.value, valueParam);
    case "in_gst":
      return checkInGst(input.value, valueParam);
    case "other":
      return checkOther(input, valueParam);
    default: {
      // Exhaustive at compile time; at run time an import file can still carry a made-up type.
      const unknown: never = input.type;
      throw invalid(
        `unknown tax id type ${JSON.stringify(unknown)}; use one of ${TAX_ID_TYPES.join(", ")}`,
        `${param}.type`,
      );
    }
  }
}
