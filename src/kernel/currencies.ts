import { DomainError } from "./errors.js";

/**
 * ISO 4217 List One alphabetic codes that a customer can be billed in.
 *
 * Validation reads this list, not Intl: Intl.NumberFormat accepts any three
 * letters ("ABC" formats as "ABC 1.00"), so it cannot tell a typo from a
 * currency. Left out on purpose: precious metals (XAU, XAG, XPT, XPD), bond
 * units (XBA–XBD), the SDR and its cousins (XDR, XSU, XUA), and the test and
 * "no currency" codes (XTS, XXX); ISO gives them no minor unit, and nobody is
 * invoiced in them. Withdrawn codes (HRK in 2023, ZWL in 2024) are out; codes
 * still in a changeover (ANG next to XCG, SLL next to SLE, CUC next to CUP)
 * stay in, because invoices issued in them are still being paid. Removing a
 * code is a deliberate change: stored amounts in it would no longer validate.
 */
// biome-ignore format: ten codes a row reads as a table; one a line would be 168 lines
export const CURRENCY_CODES = [
  "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN",
  "BAM", "BBD", "BDT", "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV",
  "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHE", "CHF",
  "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP", "CVE",
  "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD",
  "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD",
  "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD",
  "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD",
  "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA",
  "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV",
  "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB",
  "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB",
  "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL",
  "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT",
  "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "USN",
  "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND", "VUV", "WST", "XAF",
  "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
] as const;

export type CurrencyCode = (typeof CURRENCY_CODES)[number];

/**
 * ISO 4217 minor units for every currency whose exponent is not 2.
 *
 * Why a table and not Intl's maximumFractionDigits: Intl follows CLDR, which
 * gives the digits people write, not the digits money is kept in. CLDR says 0
 * for HUF, COP, IDR, IQD, LAK, MGA, PKR, RSD and a few more where ISO says 2
 * (or 3 for IQD); rounding an invoice line to CLDR's digits would change what
 * the ledger holds. CLDR data also moves with the Node/ICU version, and the
 * ledger must not. money.test.ts compares this table with Intl so a typo here
 * shows up as a difference nobody explained.
 */
// biome-ignore format: grouped by reason, as in the comments
const MINOR_UNITS_OTHER_THAN_TWO: Readonly<Partial<Record<CurrencyCode, number>>> = {
  // No subdivision in use.
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0,
  RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  // Dinars and rials divided into 1000 fils or baisa.
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  // Indexed units of account (Chile's Unidad de Fomento, Uruguay's Unidad Previsional).
  CLF: 4, UYW: 4,
};

const CURRENCY_SET: ReadonlySet<string> = new Set(CURRENCY_CODES);

/** True only for an upper-case ISO 4217 code in CURRENCY_CODES. */
export function isCurrency(code: unknown): code is CurrencyCode {
  return typeof code === "string" && CURRENCY_SET.has(code);
}

/**
 * Returns the code unchanged, or rejects it with `invalid_currency`. Lower
 * case is rejected rather than upper-cased so that the stored code is always
 * the one the caller sent.
 */
export function parseCurrency(code: unknown, param?: string): CurrencyCode {
  if (isCurrency(code)) return code;
  const shown = typeof code === "string" ? JSON.stringify(code.slice(0, 20)) : typeof code;
  throw new DomainError(
    "invalid_currency",
    `${shown} is not an ISO 4217 currency code (three upper-case letters, e.g. "USD")`,
    param === undefined ? undefined : { param },
  );
}

/** Digits after the decimal point that amounts in this currency are kept to. */
export function currencyMinorUnits(code: string, param?: string): number {
  const currency = parseCurrency(code, param);
  return MINOR_UNITS_OTHER_THAN_TWO[currency] ?? 2;
}
