import type { Temporal } from "temporal-polyfill";
import { parseCurrency } from "../kernel/money.js";
import { parseDate, parseTimeZone } from "../kernel/time.js";
import { COUNTRY_CODES, REGION_CODES } from "./countries.js";
import {
  type Contact,
  type ContactInput,
  checkContacts,
  checkCreditLimit,
  checkEmails,
  checkExternalId,
  checkInvoiceDelivery,
  checkLegalEntityReference,
  checkLocale,
  checkTags,
  DEFAULT_CUSTOMER_LEGAL_ENTITY,
  type InvoiceDelivery,
  type InvoiceDeliveryInput,
  invalidField,
  optionalText,
} from "./fields.js";
import { checkTaxId, type TaxId, type TaxIdInput } from "./tax-ids.js";

/**
 * A customer is a billing account: who is billed, where, in which currency
 * and time zone, on which terms, and whether billing may go ahead at all.
 * Everything here is pure: checks that turn what a caller sent into the
 * normalised fields we store, throwing a DomainError that names the field.
 */

export interface Address {
  line1: string | null;
  line2: string | null;
  city: string | null;
  /** For US, CA, AU and BR the ISO 3166-2 subdivision code after the country ("CA", "QC", "NSW", "SP"). */
  region: string | null;
  postal_code: string | null;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export type AddressInput = Partial<Omit<Address, "country">> & { country: string };

export type PaymentTerms =
  | { type: "due_on_receipt" }
  /** Due `days` calendar days after the invoice date. */
  | { type: "net"; days: number }
  /** Due on `day` of the month after the invoice date (the last day of a shorter month). */
  | { type: "day_of_month"; day: number };

export const PAYMENT_TERMS_DEFAULT: PaymentTerms = { type: "net", days: 30 };
export const NET_DAYS_MAX = 365;

/** Who stopped billing (or credit), when and why. */
export interface Hold {
  reason: string;
  set_by: string;
  set_by_name: string | null;
  set_at: string;
}

/** What a caller sets on a customer; the rest (holds, archive) changes through its own actions. */
export interface CustomerFields {
  external_id: string | null;
  legal_name: string;
  /** Shown in lists and emails; documents use the legal name. Null: the legal name is used. */
  display_name: string | null;
  emails: string[];
  contacts: Contact[];
  billing_address: Address | null;
  shipping_address: Address | null;
  tax_ids: TaxId[];
  currency: string;
  time_zone: string;
  locale: string;
  payment_terms: PaymentTerms;
  invoice_delivery: InvoiceDelivery;
  po_required: boolean;
  /** In the customer's currency, with its minor-unit digits ("5000.00"); null: no limit. */
  credit_limit: string | null;
  tags: string[];
  metadata: Record<string, string>;
  /** A tax exemption certificate on file; invoices dated after expires_on are taxed again. */
  tax_exemption: TaxExemptionCertificate | null;
  /** The legal entity that bills the customer: the seller on its documents and their number series. */
  legal_entity: string;
}

export interface CustomerInput {
  external_id?: string | null | undefined;
  legal_name: string;
  display_name?: string | null | undefined;
  emails?: string[] | undefined;
  contacts?: ContactInput[] | undefined;
  billing_address?: AddressInput | null | undefined;
  shipping_address?: AddressInput | null | undefined;
  tax_ids?: TaxIdInput[] | undefined;
  currency: string;
  time_zone?: string | undefined;
  locale?: string | undefined;
  payment_terms?: PaymentTerms | undefined;
  invoice_delivery?: InvoiceDeliveryInput | undefined;
  po_required?: boolean | undefined;
  credit_limit?: string | null | undefined;
  tags?: string[] | undefined;
  metadata?: Record<string, string> | undefined;
  tax_exemption?: TaxExemptionInput | null | undefined;
  legal_entity?: string | undefined;
}

export interface TaxExemptionCertificate {
  certificate_reference: string;
  /** The last day the certificate covers, inclusive, YYYY-MM-DD; null: no expiry. */
  expires_on: string | null;
}

export type TaxExemptionInput = { certificate_reference: string; expires_on?: string | null | undefined };

/** A certificate needs its reference (it is printed on every exempt invoice) and a real date. */
export function checkTaxExemption(input: TaxExemptionInput | null, param = "tax_exemption") {
  if (input === null) return null;
  const reference = input.certificate_reference.trim();
  if (reference === "") {
    throw invalidField(
      "invalid_tax_exemption",
      "a tax exemption needs its certificate reference",
      `${param}.certificate_reference`,
    );
  }
  const expires = input.expires_on == null ? null : parseDate(input.expires_on, `${param}.expires_on`).toString();
  return { certificate_reference: reference, expires_on: expires };
}

/** A partial update: fields left out stay; null clears the nullable ones; lists and metadata replace. */
export type CustomerChanges = Partial<CustomerInput>;

// ---------------------------------------------------------------------------
// Addresses

/**
 * Postal code formats per country, as the national posts publish them. The
 * value is upper-cased and compacted first; `format` rebuilds the written form.
 * No well-kept postal-code library is installed, so the table lives here;
 * countries without a row accept any code up to 16 characters.
 */
export const POSTAL_CODE_FORMATS: Readonly<
  Record<string, { pattern: RegExp; format?: (compact: string) => string; example: string }>
> = {
  US: {
    pattern: /^\d{5}(?:\d{4})?$/,
    format: (c) => (c.length === 9 ? `${c.slice(0, 5)}-${c.slice(5)}` : c),
    example: "94105 or 94105-1804",
  },
  CA: {
    pattern: /^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\d[ABCEGHJ-NPRSTV-Z]\d$/,
    format: (c) => `${c.slice(0, 3)} ${c.slice(3)}`,
    example: "K1A 0B1",
  },
  // Outward code (area, district) then inward code (sector, unit); GIR 0AA is Girobank's historic code.
  GB: {
    pattern:
      /^(?:GIR0AA|[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|[A-HK-Y]\d[ABEHMNPRV-Y])\d[ABD-HJLNP-UW-Z]{2})$/,
    format: (c) => `${c.slice(0, -3)} ${c.slice(-3)}`,
    example: "SW1A 1AA",
  },
  DE: { pattern: /^\d{5}$/, example: "10115" },
  FR: { pattern: /^\d{5}$/, example: "75008" },
  // Four digits not starting with 0, two letters; SA, SD and SS are never issued.
  NL: {
    pattern: /^[1-9]\d{3}(?!SA|SD|SS)[A-Z]{2}$/,
    format: (c) => `${c.slice(0, 4)} ${c.slice(4)}`,
    example: "1012 AB",
  },
  AU: { pattern: /^\d{4}$/, example: "2000" },
  IN: { pattern: /^[1-9]\d{5}$/, example: "110001" },
  JP: { pattern: /^\d{7}$/, format: (c) => `${c.slice(0, 3)}-${c.slice(3)}`, example: "100-0001" },
  BR: { pattern: /^\d{8}$/, format: (c) => `${c.slice(0, 5)}-${c.slice(5)}`, example: "01310-100" },
};

const POSTAL_CODE_LENGTH_MAX = 16;

/** Countries whose addresses are not complete without a region (sales tax and GST depend on it). */
const REGION_REQUIRED = new Set(["US", "CA", "AU", "BR", "IN"]);

export function checkCountry(value: string, param: string): string {
  const country = value.trim().toUpperCase();
  if (!COUNTRY_CODES.has(country)) {
    throw invalidField(
      "invalid_country",
      `${JSON.stringify(value)} is not an ISO 3166-1 alpha-2 country code such as "DE"`,
      param,
    );
  }
  return country;
}

export function checkPostalCode(country: string, value: string, param: string): string {
  const rule = POSTAL_CODE_FORMATS[country];
  if (rule === undefined) {
    const trimmed = value.trim();
    if (trimmed === "" || trimmed.length > POSTAL_CODE_LENGTH_MAX) {
      throw invalidField("invalid_postal_code", `a postal code is 1 to ${POSTAL_CODE_LENGTH_MAX} characters`, param);
    }
    return trimmed;
  }
  const compact = value.toUpperCase().replace(/[\s-]/g, "");
  if (!rule.pattern.test(compact)) {
    throw invalidField(
      "invalid_postal_code",
      `${JSON.stringify(value)} is not a ${country} postal code (e.g. ${rule.example})`,
      param,
    );
  }
  return rule.format === undefined ? compact : rule.format(compact);
}

function checkRegion(country: string, value: string, param: string): string {
  const codes = REGION_CODES[country];
  if (codes === undefined) return value.trim();
  const code = value
    .trim()
    .toUpperCase()
    .replace(new RegExp(`^${country}-`), "");
  if (!codes.has(code)) {
    throw invalidField(
      "invalid_region",
      `${JSON.stringify(value)} is not a ${country} region code (e.g. ${[...codes][0]})`,
      param,
    );
  }
  return code;
}

/** A partial address is accepted (a country alone is enough for tax); `missingAddressFields` says what is missing. */
export function checkAddress(input: AddressInput, param: string): Address {
  const country = checkCountry(input.country, `${param}.country`);
  const region = optionalText(input.region);
  const postal = optionalText(input.postal_code);
  return {
    line1: optionalText(input.line1),
    line2: optionalText(input.line2),
    city: optionalText(input.city),
    region: region === null ? null : checkRegion(country, region, `${param}.region`),
    postal_code: postal === null ? null : checkPostalCode(country, postal, `${param}.postal_code`),
    country,
  };
}

/** The fields an address needs before it can go on an invoice in its country (the draft checklist's rule). */
export function missingAddressFields(address: Address | null): (keyof Address)[] {
  if (address === null) return ["line1", "city", "postal_code", "country"];
  const missing: (keyof Address)[] = [];
  if (address.line1 === null) missing.push("line1");
  if (address.city === null) missing.push("city");
  if (address.postal_code === null && POSTAL_CODE_FORMATS[address.country] !== undefined) missing.push("postal_code");
  if (address.region === null && REGION_REQUIRED.has(address.country)) missing.push("region");
  return missing;
}

// ---------------------------------------------------------------------------
// Payment terms

export function checkPaymentTerms(terms: PaymentTerms, param: string): PaymentTerms {
  switch (terms.type) {
    case "due_on_receipt":
      return { type: "due_on_receipt" };
    case "net":
      if (!Number.isInteger(terms.days) || terms.days < 1 || terms.days > NET_DAYS_MAX) {
        throw invalidField("invalid_payment_terms", `net terms are 1 to ${NET_DAYS_MAX} days`, `${param}.days`);
      }
      return { type: "net", days: terms.days };
    case "day_of_month":
      if (!Number.isInteger(terms.day) || terms.day < 1 || terms.day > 31) {
        throw invalidField("invalid_payment_terms", "the day of the month is 1 to 31", `${param}.day`);
      }
      return { type: "day_of_month", day: terms.day };
    default: {
      const unknown: never = terms;
      throw invalidField("invalid_payment_terms", `unknown payment terms ${JSON.stringify(unknown)}`, `${param}.type`);
    }
  }
}

/** The due date of an invoice dated `invoiceDate` (a date in the customer's time zone). */
export function dueDate(terms: PaymentTerms, invoiceDate: Temporal.PlainDate): Temporal.PlainDate {
  switch (terms.type) {
    case "due_on_receipt":
      return invoiceDate;
    case "net":
      return invoiceDate.add({ days: terms.days });
    case "day_of_month": {
      const next = invoiceDate.toPlainYearMonth().add({ months: 1 });
      // Day 31 in a 30-day month (or 29–31 in February) is that month's last day, never the 1st after it.
      return next.toPlainDate({ day: Math.min(terms.day, next.daysInMonth) });
    }
    default: {
      const unknown: never = terms;
      throw new Error(`unknown payment terms ${JSON.stringify(unknown)}`);
    }
  }
}

// ---------------------------------------------------------------------------
// The whole customer

const NO_DELIVERY: InvoiceDelivery = { emails: [], postal: false, portal_name: null, portal_id: null };

function nameText(value: string, param: string): string {
  const name = value.trim();
  if (name === "") throw invalidField("parameter_invalid", "a name cannot be blank", param);
  return name;
}

/** What a new customer is made of, checked and normalised. */
export function checkNewCustomer(input: CustomerInput, newContactId: () => string): CustomerFields {
  const currency = parseCurrency(input.currency, "currency");
  return {
    external_id: input.external_id == null ? null : checkExternalId(input.external_id),
    legal_name: nameText(input.legal_name, "legal_name"),
    display_name: optionalText(input.display_name),
    emails: checkEmails(input.emails ?? [], "emails"),
    contacts: checkContacts(input.contacts ?? [], [], newContactId),
    billing_address: input.billing_address == null ? null : checkAddress(input.billing_address, "billing_address"),
    shipping_address: input.shipping_address == null ? null : checkAddress(input.shipping_address, "shipping_address"),
    tax_ids: (input.tax_ids ?? []).map((taxId, index) => checkTaxId(taxId, `tax_ids.${index}`)),
    currency,
    time_zone: parseTimeZone(input.time_zone ?? "UTC", "time_zone"),
    locale: checkLocale(input.locale ?? "en"),
    payment_terms: checkPaymentTerms(input.payment_terms ?? PAYMENT_TERMS_DEFAULT, "payment_terms"),
    invoice_delivery: checkInvoiceDelivery(input.invoice_delivery ?? {}, NO_DELIVERY, "invoice_delivery"),
    po_required: input.po_required ?? false,
    credit_limit: checkCreditLimit(input.credit_limit ?? null, currency),
    tags: checkTags(input.tags ?? [], "tags"),
    metadata: input.metadata ?? {},
    tax_exemption: checkTaxExemption(input.tax_exemption ?? null),
    legal_entity: checkLegalEntityReference(input.legal_entity ?? DEFAULT_CUSTOMER_LEGAL_ENTITY),
  };
}

/** The customer after a partial update; the checks are the same as on creation. */
export function applyCustomerChanges(
  before: CustomerFields,
  changes: CustomerChanges,
  newContactId: () => string,
): CustomerFields {
  const currency = changes.currency === undefined ? before.currency : parseCurrency(changes.currency, "currency");
  const address = (value: AddressInput | null | undefined, current: Address | null, param: string) =>
    value === undefined ? current : value === null ? null : checkAddress(value, param);
  const creditLimit = changes.credit_limit === undefined ? before.credit_limit : changes.credit_limit;
  return {
    external_id:
      changes.external_id === undefined
        ? before.external_id
        : changes.external_id === null
          ? null
          : checkExternalId(changes.external_id),
    legal_name: changes.legal_name === undefined ? before.legal_name : nameText(changes.legal_name, "legal_name"),
    display_name: changes.display_name === undefined ? before.display_name : optionalText(changes.display_name),
    emails: changes.emails === undefined ? before.emails : checkEmails(changes.emails, "emails"),
    contacts:
      changes.contacts === undefined ? before.contacts : checkContacts(changes.contacts, before.contacts, newContactId),
    billing_address: address(changes.billing_address, before.billing_address, "billing_address"),
    shipping_address: address(changes.shipping_address, before.shipping_address, "shipping_address"),
    tax_ids:
      changes.tax_ids === undefined
        ? before.tax_ids
        : changes.tax_ids.map((taxId, index) => checkTaxId(taxId, `tax_ids.${index}`)),
    currency,
    time_zone: changes.time_zone === undefined ? before.time_zone : parseTimeZone(changes.time_zone, "time_zone"),
    locale: changes.locale === undefined ? before.locale : checkLocale(changes.locale),
    payment_terms:
      changes.payment_terms === undefined
        ? before.payment_terms
        : checkPaymentTerms(changes.payment_terms, "payment_terms"),
    invoice_delivery: checkInvoiceDelivery(changes.invoice_delivery ?? {}, before.invoice_delivery, "invoice_delivery"),
    po_required: changes.po_required ?? before.po_required,
    // A limit kept through a currency change is re-checked against the new currency's minor unit.
    credit_limit: checkCreditLimit(creditLimit, currency),
    tags: changes.tags === undefined ? before.tags : checkTags(changes.tags, "tags"),
    metadata: changes.metadata ?? before.metadata,
    tax_exemption:
      changes.tax_exemption === undefined ? before.tax_exemption : checkTaxExemption(changes.tax_exemption),
    legal_entity:
      changes.legal_entity === undefined ? before.legal_entity : checkLegalEntityReference(changes.legal_entity),
  };
}

/** Spaces, dots and dashes group the digits of tax ids; searches ignore them. */
function compactForSearch(text: string): string {
  return text.replace(/[\s.-]/g, "");
}

/** One lower-case string per customer that `q` is matched against: names, emails, external id, tax ids. */
export function customerSearchText(fields: CustomerFields): string {
  return [
    fields.legal_name,
    fields.display_name,
    fields.external_id,
    ...fields.emails,
    ...fields.contacts.flatMap((contact) => [contact.name, contact.email]),
    ...fields.tax_ids.flatMap((taxId) => [taxId.value, compactForSearch(taxId.value)]),
  ]
    .filter((part): part is string => part !== null)
    .join("\n")
    .toLowerCase();
}

/** What `q` is looked for as: folded like customerSearchText, and compacted too so "DE 123 456 789" finds "DE123456789". */
export function searchPatterns(q: string): string[] {
  const folded = q.trim().toLowerCase();
  const compact = compactForSearch(folded);
  return compact === folded || compact === "" ? [folded] : [folded, compact];
}

// ---------------------------------------------------------------------------
// Holds

export const HOLD_REASON_LENGTH_MAX = 500;

export function newHold(
  reason: string,
  actor: { id: string; display_name?: string | undefined },
  at: Temporal.Instant,
): Hold {
  const text = reason.trim();
  if (text === "") throw invalidField("parameter_missing", "a hold needs a reason", "reason");
  return {
    reason: text.slice(0, HOLD_REASON_LENGTH_MAX),
    set_by: actor.id,
    set_by_name: actor.display_name ?? null,
    set_at: at.toString(),
  };
}

/** JSON with object keys sorted, so values read back from jsonb (which reorders keys) compare equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(
          Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : item,
  );
}

/** True when two customers' caller-set fields are the same: an update that changes nothing is not recorded. */
export function sameFields(a: CustomerFields, b: CustomerFields): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
