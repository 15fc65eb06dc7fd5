import { DomainError } from "../kernel/errors.js";
import { formatAmountForApi, parseCurrencyAmount } from "../kernel/money.js";

/**
 * Checks for a customer's identity, contact and labelling fields: external
 * id, emails, contacts, tags, locale, invoice delivery, credit limit. Pure,
 * like model.ts, which assembles them into a whole customer.
 */

export function invalidField(code: string, message: string, param: string): DomainError {
  return new DomainError(code, message, { param });
}

/** Blank text is no value: null, so "" and "  " never end up on an invoice. */
export function optionalText(value: string | null | undefined): string | null {
  const trimmed = value?.trim() ?? "";
  return trimmed === "" ? null : trimmed;
}

export const CONTACT_ROLES = ["billing", "accounts_payable", "procurement", "finance", "technical", "other"] as const;
export type ContactRole = (typeof CONTACT_ROLES)[number];

export interface Contact {
  id: string;
  name: string;
  email: string;
  role: ContactRole;
  phone: string | null;
}

export interface ContactInput {
  /** Keeps an existing contact's id (and so links to it); left out, the contact is new. */
  id?: string | undefined;
  name: string;
  email: string;
  role: ContactRole;
  phone?: string | null | undefined;
}

export interface InvoiceDelivery {
  /** Where invoices are emailed; empty means the customer's own emails. */
  emails: string[];
  /** A paper copy is posted to the billing address. */
  postal: boolean;
  /** The customer's vendor portal (Coupa, Ariba, Tungsten…) and our supplier id in it. */
  portal_name: string | null;
  portal_id: string | null;
}

export type InvoiceDeliveryInput = Partial<InvoiceDelivery>;

/** Accrue ids start with this; an external id never does, so one parameter can carry either. */
export const CUSTOMER_ID_PREFIX = "cus_";
const EXTERNAL_ID = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/;

export function checkExternalId(value: string, param = "external_id"): string {
  if (!EXTERNAL_ID.test(value) || value.startsWith(CUSTOMER_ID_PREFIX)) {
    throw invalidField(
      "customer_external_id_invalid",
      'an external id is 1 to 128 letters, digits and . _ : @ + -, starting with a letter or digit, and not starting with "cus_"',
      param,
    );
  }
  return value;
}

/** `cus_…` names our id; anything else is the caller's external id. */
export function customerReference(value: string): { id: string } | { external_id: string } {
  return value.startsWith(CUSTOMER_ID_PREFIX) ? { id: value } : { external_id: value };
}

const EMAIL = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]+$/;

export function checkEmail(value: string, param: string): string {
  const email = value.trim();
  if (email.length > 254 || !EMAIL.test(email)) {
    throw invalidField("invalid_email", `${JSON.stringify(value.slice(0, 60))} is not an email address`, param);
  }
  return email;
}

/** Checks each address and drops repeats (compared without case: mailboxes are in practice case-blind). */
export function checkEmails(values: readonly string[], param: string): string[] {
  const seen = new Set<string>();
  const emails: string[] = [];
  values.forEach((value, index) => {
    const email = checkEmail(value, `${param}.${index}`);
    if (seen.has(email.toLowerCase())) return;
    seen.add(email.toLowerCase());
    emails.push(email);
  });
  return emails;
}

const TAG = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
export const TAG_LENGTH_MAX = 40;

/** Tags are lower-case slugs ("enterprise", "eu-reseller"); case is folded, repeats dropped. */
export function checkTags(values: readonly string[], param: string): string[] {
  const tags = values.map((value, index) => {
    const tag = value.trim().toLowerCase();
    if (tag.length > TAG_LENGTH_MAX || !TAG.test(tag)) {
      throw invalidField(
        "invalid_tag",
        `${JSON.stringify(value.slice(0, 60))} is not a tag: use lower-case letters, digits and - or _`,
        `${param}.${index}`,
      );
    }
    return tag;
  });
  return [...new Set(tags)];
}

/** A well-formed BCP 47 tag of a known language, in canonical case ("en-gb" → "en-GB"). */
// "english" is a well-formed tag (a 7-letter language subtag) but no language: ask ICU whether it knows the language.
const LANGUAGE_NAMES = new Intl.DisplayNames(["en"], { type: "language", fallback: "none" });

export function checkLocale(value: string, param = "locale"): string {
  try {
    const [canonical] = Intl.getCanonicalLocales(value.trim());
    const known = canonical !== undefined && LANGUAGE_NAMES.of(new Intl.Locale(canonical).language) !== undefined;
    if (known && canonical.length <= 35) return canonical;
  } catch {
    // RangeError: not well-formed
  }
  throw invalidField(
    "invalid_locale",
    `${JSON.stringify(value.slice(0, 40))} is not a BCP 47 language tag such as "en-US"`,
    param,
  );
}

/** Contacts keep their ids across updates; an id we did not issue for this customer is refused. */
export function checkContacts(
  inputs: readonly ContactInput[],
  existing: readonly Contact[],
  newContactId: () => string,
  param = "contacts",
): Contact[] {
  const known = new Set(existing.map((contact) => contact.id));
  return inputs.map((input, index) => {
    if (input.id !== undefined && !known.has(input.id)) {
      throw invalidField(
        "customer_contact_not_found",
        `this customer has no contact ${input.id}`,
        `${param}.${index}.id`,
      );
    }
    const name = input.name.trim();
    if (name === "") throw invalidField("parameter_invalid", "a contact needs a name", `${param}.${index}.name`);
    return {
      id: input.id ?? newContactId(),
      name,
      email: checkEmail(input.email, `${param}.${index}.email`),
      role: input.role,
      phone: optionalText(input.phone),
    };
  });
}

export function checkInvoiceDelivery(
  input: InvoiceDeliveryInput,
  base: InvoiceDelivery,
  param: string,
): InvoiceDelivery {
  const delivery: InvoiceDelivery = {
    emails: input.emails === undefined ? base.emails : checkEmails(input.emails, `${param}.emails`),
    postal: input.postal ?? base.postal,
    portal_name: input.portal_name === undefined ? base.portal_name : optionalText(input.portal_name),
    portal_id: input.portal_id === undefined ? base.portal_id : optionalText(input.portal_id),
  };
  if (delivery.portal_id !== null && delivery.portal_name === null) {
    throw invalidField("parameter_missing", "a portal id needs the portal's name", `${param}.portal_name`);
  }
  return delivery;
}

export function checkCreditLimit(value: string | null, currency: string, param = "credit_limit"): string | null {
  if (value === null) return null;
  const amount = parseCurrencyAmount(value, currency, param);
  if (amount.isNegative()) throw new DomainError("invalid_amount", "a credit limit cannot be negative", { param });
  return formatAmountForApi(amount, currency);
}

/** The legal entity every customer is billed from unless assigned another (invoicing's "default" entity). */
export const DEFAULT_CUSTOMER_LEGAL_ENTITY = "default";
const LEGAL_ENTITY_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** The shape of a legal entity id; whether the entity exists is asked of invoicing (legal-entity-checks.ts). */
export function checkLegalEntityReference(value: string, param = "legal_entity"): string {
  if (!LEGAL_ENTITY_ID.test(value)) {
    throw invalidField(
      "invalid_legal_entity",
      "a legal entity id is 1 to 40 lower-case letters, digits and dashes, such as acme-uk",
      param,
    );
  }
  return value;
}
