import { Temporal } from "temporal-polyfill";
import { DomainError } from "../kernel/errors.js";
import { Decimal, parseAmount, roundToMinor } from "../kernel/money.js";

/**
 * Tax on invoice lines: which rate applies (country and region, effective
 * dates), when none does (a customer's exemption certificate, EU reverse
 * charge), and how much a line carries.
 *
 * Rounding: tax is computed per line and rounded once per line, to the
 * currency's minor unit. We chose per line over per invoice per rate because
 * a credit note credits lines, and a line that carries its own rounded tax
 * credits exactly that tax, with nothing left over to be apportioned; the
 * ledger's revenue per product and the PDF's line view agree with the totals
 * for the same reason. The EU VAT directive allows either method. The invoice
 * then keeps the house rule "total = sum of rounded lines + rounded tax": the
 * invoice's tax is the sum of the lines' rounded taxes, never re-rounded.
 */

export interface TaxRate {
  id: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  /** An ISO 3166-2 subdivision ("CA" in the US, "QC" in Canada); null: the whole country. */
  region: string | null;
  /** Percent, as decimal text: "20" for 20 %, "8.875" for New York City sales tax. */
  percentage: string;
  /** Shown on the invoice beside the figure: "VAT", "GST", "Sales tax". */
  name: string;
  /** Inclusive first day, YYYY-MM-DD. */
  effective_from: string;
  /** Exclusive last day (the day the next rate starts); null: still in force. */
  effective_to: string | null;
}

export interface TaxExemption {
  certificate_reference: string;
  /** The last day the certificate covers, inclusive; null: no expiry. */
  expires_on: string | null;
}

export interface TaxCustomer {
  country: string;
  region: string | null;
  /** A business customer (B2B); reverse charge never applies to consumers. */
  is_business: boolean;
  /** The issuing country of a format-checked VAT id, as customers' tax ids carry it; null: none. */
  vat_id_country: string | null;
  exemption: TaxExemption | null;
}

/** How tax applies to an invoice; the reason is printed on the PDF when nothing is charged. */
export type TaxTreatment =
  | { kind: "standard"; rate: TaxRate }
  | { kind: "exempt"; certificate_reference: string }
  | { kind: "reverse_charge" };

/** EU member states (VAT area). Greece is GR here: these are ISO codes, not VAT prefixes. */
export const EU_MEMBER_STATES: ReadonlySet<string> = new Set(
  "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split(" "),
);

export const REVERSE_CHARGE_NOTE =
  "Reverse charge: VAT to be accounted for by the recipient (Article 196, Directive 2006/112/EC)";

function onOrAfter(day: Temporal.PlainDate, text: string): boolean {
  return Temporal.PlainDate.compare(day, Temporal.PlainDate.from(text)) >= 0;
}

function rateInForce(rate: TaxRate, on: Temporal.PlainDate): boolean {
  return onOrAfter(on, rate.effective_from) && (rate.effective_to === null || !onOrAfter(on, rate.effective_to));
}

/**
 * The rate in force on `on` for a place: a rate for the region wins over the
 * country-wide one (a Canadian province's HST replaces the federal GST).
 */
export function findTaxRate(
  rates: readonly TaxRate[],
  place: { country: string; region: string | null },
  on: Temporal.PlainDate,
): TaxRate | null {
  const inForce = rates.filter((rate) => rate.country === place.country && rateInForce(rate, on));
  const regional = inForce.find((rate) => rate.region !== null && rate.region === place.region);
  return regional ?? inForce.find((rate) => rate.region === null) ?? null;
}

/**
 * B2B across two EU member states, with the buyer's VAT id issued by the
 * member state it is established in: the buyer accounts for the VAT.
 */
export function isReverseCharge(sellerCountry: string, customer: TaxCustomer): boolean {
  return (
    customer.is_business &&
    EU_MEMBER_STATES.has(sellerCountry) &&
    EU_MEMBER_STATES.has(customer.country) &&
    customer.country !== sellerCountry &&
    customer.vat_id_country === customer.country
  );
}

function exemptionValid(exemption: TaxExemption | null, on: Temporal.PlainDate): exemption is TaxExemption {
  return exemption !== null && (exemption.expires_on === null || !onOrAfter(on, nextDay(exemption.expires_on)));
}

function nextDay(text: string): string {
  return Temporal.PlainDate.from(text).add({ days: 1 }).toString();
}

/**
 * Decides the invoice's tax treatment on its date. An expired certificate is
 * ignored (the customer is taxed) rather than refused: the draft checklist is
 * where a person sees it. A place with no rate is refused: silently charging
 * nothing where tax is due is the costlier mistake.
 */
export function taxTreatment(input: {
  rates: readonly TaxRate[];
  seller_country: string;
  customer: TaxCustomer;
  on: Temporal.PlainDate;
}): TaxTreatment {
  const { customer, on } = input;
  if (exemptionValid(customer.exemption, on)) {
    return { kind: "exempt", certificate_reference: customer.exemption.certificate_reference };
  }
  if (isReverseCharge(input.seller_country, customer)) return { kind: "reverse_charge" };
  const rate = findTaxRate(input.rates, customer, on);
  if (rate === null) {
    throw new DomainError(
      "tax_rate_not_found",
      `no tax rate is in force for ${customer.country}${customer.region === null ? "" : `-${customer.region}`} on ${on.toString()}`,
      { param: "customer.address", details: { country: customer.country, region: customer.region } },
    );
  }
  return { kind: "standard", rate };
}

/** The percentage a treatment charges: zero for an exemption or a reverse charge. */
export function treatmentPercentage(treatment: TaxTreatment): Decimal {
  return treatment.kind === "standard" ? parseAmount(treatment.rate.percentage, "tax_rate.percentage") : new Decimal(0);
}

export interface LineTax {
  /** The line's amount before tax. */
  net: Decimal;
  tax: Decimal;
}

/**
 * Splits a rounded line amount into net and tax. Exclusive: the tax is added
 * on top, rounded once. Inclusive: the price already holds the tax, which is
 * backed out as amount × p / (100 + p), rounded once, and the net is what is
 * left, so net + tax is exactly the price the customer was quoted.
 */
export function taxOnLine(amount: Decimal, percentage: Decimal, inclusive: boolean, currency: string): LineTax {
  if (percentage.isNegative()) {
    throw new DomainError("invalid_tax_rate", "a tax percentage cannot be negative", { param: "percentage" });
  }
  if (!inclusive) return { net: amount, tax: roundToMinor(amount.times(percentage).div(100), currency) };
  const tax = roundToMinor(amount.times(percentage).div(percentage.plus(100)), currency);
  return { net: amount.minus(tax), tax };
}
