import type { Temporal } from "temporal-polyfill";
import { assertNever } from "../kernel/errors.js";
import { type Decimal, parseCurrency } from "../kernel/money.js";
import { type AssembledInvoice, assembleInvoice, type InvoiceLineInput } from "./assembly.js";
import type { Coupon, DiscountScope } from "./discounts.js";
import { isReverseCharge, type TaxCustomer, type TaxRate, type TaxTreatment, taxTreatment } from "./tax.js";

/**
 * The one pricing path of every draft, manual or from a billing run: the
 * invoice's tax treatment from the rate table, the discounts still running,
 * and assembleInvoice. Pure: it takes plain data (the customer's tax facts,
 * their discounts, the rates of their country), so a batch can load those
 * once for many invoices and call it per invoice.
 */

/** A rate of the rate table; `inclusive`: prices billed under it already hold the tax. */
export interface PricedTaxRate extends TaxRate {
  inclusive: boolean;
}

/** A discount on file, with how many other invoices it already reduced. */
export interface DiscountOnFile {
  id: string;
  coupon: Coupon;
  scope: DiscountScope;
  periods_applied: number;
}

export interface PricingFacts {
  /** Where the seller is established for VAT (reverse charge needs both sides in the EU). */
  seller_country: string;
  /** Null when the customer has no billing address: nothing says where the supply is taxed. */
  customer: TaxCustomer | null;
  /** The rates of the customer's country; other countries' rows are ignored. */
  rates: readonly PricedTaxRate[];
  discounts: readonly DiscountOnFile[];
  /** Available credit, zero or more; only applied at finalization. */
  credit_balance: string;
}

export interface PricingRequest {
  currency: string;
  /** The tax point: which rate is in force, whether the exemption still runs. */
  on: Temporal.PlainDate;
  /** Lines that carry their own `tax` keep it (an explicit per-line override). */
  lines: readonly InvoiceLineInput[];
}

export interface PricedDiscount {
  discount_id: string;
  coupon_id: string;
  name: string;
  amount: Decimal;
}

export interface PricedInvoice {
  assembled: AssembledInvoice;
  treatment: TaxTreatment;
  prices_include_tax: boolean;
  discounts: PricedDiscount[];
}

/** What a customer is charged where no rate is configured: the seller does not collect tax there. */
export const NO_TAX: TaxTreatment = {
  kind: "standard",
  rate: {
    id: "no_tax",
    country: "",
    region: null,
    percentage: "0",
    name: "No tax",
    effective_from: "1970-01-01",
    effective_to: null,
  },
};

/**
 * The invoice's treatment. No billing address, or a country with no rate at
 * all in the table, is not taxed (the seller is not registered there); a
 * country with rates but none in force on the day is refused with
 * `tax_rate_not_found` (a gap in the table is a mistake to fix, not a zero).
 */
export function invoiceTaxTreatment(
  facts: Pick<PricingFacts, "seller_country" | "customer" | "rates">,
  on: Temporal.PlainDate,
): { treatment: TaxTreatment; inclusive: boolean } {
  const { customer } = facts;
  if (customer === null) return { treatment: NO_TAX, inclusive: false };
  const rates = facts.rates.filter((rate) => rate.country === customer.country);
  if (rates.length === 0 && !isReverseCharge(facts.seller_country, customer)) {
    return { treatment: NO_TAX, inclusive: false };
  }
  const treatment = taxTreatment({ rates, seller_country: facts.seller_country, customer, on });
  const inclusive =
    treatment.kind === "standard" && rates.some((rate) => rate.id === treatment.rate.id && rate.inclusive);
  return { treatment, inclusive };
}

/** A fixed-amount coupon in another currency does not apply to this invoice (it is not an error). */
function appliesIn(coupon: Coupon, currency: string): boolean {
  return coupon.value.type === "percent" || coupon.value.currency === currency;
}

export function priceInvoice(facts: PricingFacts, request: PricingRequest, applyCredit: boolean): PricedInvoice {
  const currency = parseCurrency(request.currency, "currency");
  const { treatment, inclusive } = invoiceTaxTreatment(facts, request.on);
  const usable = facts.discounts.filter((discount) => appliesIn(discount.coupon, currency));
  const assembled = assembleInvoice({
    currency,
    lines: request.lines,
    // The discount's own id stands in for the coupon's, so two discounts from one coupon stay apart.
    discounts: usable.map((discount) => ({
      coupon: { ...discount.coupon, id: discount.id },
      scope: discount.scope,
      periods_applied: discount.periods_applied,
    })),
    tax: treatment,
    prices_include_tax: inclusive,
    credit_balance: applyCredit ? facts.credit_balance : "0",
  });
  const byId = new Map(usable.map((discount) => [discount.id, discount]));
  const discounts = assembled.discounts.flatMap((applied) => {
    const discount = byId.get(applied.coupon_id);
    if (discount === undefined) return [];
    const { coupon } = discount;
    return [{ discount_id: discount.id, coupon_id: coupon.id, name: coupon.name, amount: applied.amount }];
  });
  const restored = {
    ...assembled,
    discounts: discounts.map((discount) => ({ coupon_id: discount.coupon_id, amount: discount.amount })),
  };
  return { assembled: restored, treatment, prices_include_tax: inclusive, discounts };
}

/** The name printed beside a line's tax: the rate's name, the exemption, or the reverse charge. */
export function treatmentName(treatment: TaxTreatment): string {
  switch (treatment.kind) {
    case "standard":
      return treatment.rate.name;
    case "exempt":
      return `Exempt (${treatment.certificate_reference})`;
    case "reverse_charge":
      return "Reverse charge";
    default:
      return assertNever(treatment, "tax treatment");
  }
}

/**
 * A customer's tax facts. A customer with a tax id counts as a business
 * (B2B): there is no separate flag to keep in step with it. The VAT id that
 * matters for reverse charge is an EU VAT id, preferring one issued by the
 * customer's own country.
 */
export function taxCustomerOf(customer: {
  billing_address: { country: string; region: string | null } | null;
  tax_ids: readonly { type: string; country: string | null }[];
  tax_exemption: { certificate_reference: string; expires_on: string | null } | null;
}): TaxCustomer | null {
  const address = customer.billing_address;
  if (address === null) return null;
  const vatIds = customer.tax_ids.filter((taxId) => taxId.type === "eu_vat" && taxId.country !== null);
  const own = vatIds.find((taxId) => taxId.country === address.country) ?? vatIds[0];
  return {
    country: address.country,
    region: address.region,
    is_business: customer.tax_ids.length > 0,
    vat_id_country: own?.country ?? null,
    exemption: customer.tax_exemption,
  };
}
