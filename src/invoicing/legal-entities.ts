import {
  type Address,
  type AddressInput,
  checkAddress,
  checkCountry,
  checkEmail,
  checkTaxId,
  type TaxId,
  type TaxIdInput,
} from "../customers/index.js";
import { DomainError } from "../kernel/errors.js";
import type { DocumentParty } from "./document-model.js";

/**
 * A legal entity is the company that sells: the name, address and tax ids
 * printed as the seller on its invoices and credit notes, the country it is
 * established in for VAT (reverse charge depends on it), the payment
 * instructions printed under the totals, and the prefixes of its invoice and
 * credit note number series. Pure checks only; the service stores them.
 */

export const DEFAULT_LEGAL_ENTITY = "default";

export interface LegalEntity {
  id: string;
  legal_name: string;
  address: Address | null;
  tax_ids: TaxId[];
  country: string;
  email: string | null;
  phone: string | null;
  payment_instructions: string | null;
  invoice_prefix: string;
  credit_note_prefix: string;
}

/** The seller as printed on one document, kept with it so a later change to the entity never rewrites it. */
export interface SellerSnapshot {
  legal_name: string;
  address: Address | null;
  tax_ids: TaxId[];
  country: string;
  payment_instructions: string | null;
}

export interface LegalEntityFields {
  legal_name: string;
  address?: AddressInput | null | undefined;
  tax_ids?: TaxIdInput[] | undefined;
  country: string;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  payment_instructions?: string | null | undefined;
  invoice_prefix?: string | undefined;
  credit_note_prefix?: string | undefined;
}

export type NewLegalEntity = LegalEntityFields & { id: string };
export type LegalEntityChanges = Partial<LegalEntityFields>;

const SLUG = /^[a-z0-9][a-z0-9-]{0,39}$/;
const PREFIX = /^[A-Za-z0-9][A-Za-z0-9-]{0,19}$/;
/** Test clocks number their customers' invoices "TC-…" (customers/test-clocks.ts); a live series never may. */
const TEST_CLOCK_PREFIX = /^TC-/i;

function invalid(message: string, param: string): DomainError {
  return new DomainError("invalid_legal_entity", message, { param });
}

export function checkLegalEntityId(value: string, param = "id"): string {
  if (!SLUG.test(value)) {
    throw invalid("an entity id is 1 to 40 lower-case letters, digits and dashes, such as acme-uk", param);
  }
  return value;
}

function checkPrefix(value: string, param: string): string {
  if (!PREFIX.test(value)) throw invalid("a prefix is 1 to 20 letters, digits or dashes", param);
  if (TEST_CLOCK_PREFIX.test(value)) throw invalid('"TC-" prefixes are kept for test clocks', param);
  return value;
}

function requiredText(value: string, param: string): string {
  const trimmed = value.trim();
  if (trimmed === "") throw invalid("must not be blank", param);
  return trimmed;
}

function optionalText(value: string | null | undefined): string | null {
  const trimmed = value?.trim() ?? "";
  return trimmed === "" ? null : trimmed;
}

function checkPrefixes(entity: Pick<LegalEntity, "invoice_prefix" | "credit_note_prefix">) {
  if (entity.invoice_prefix.toUpperCase() === entity.credit_note_prefix.toUpperCase()) {
    throw invalid("the credit note prefix must differ from the invoice prefix", "credit_note_prefix");
  }
}

/** Checks a new entity; the prefixes default to INV and CN. */
export function checkNewLegalEntity(input: NewLegalEntity): LegalEntity {
  const entity: LegalEntity = {
    id: checkLegalEntityId(input.id),
    legal_name: requiredText(input.legal_name, "legal_name"),
    address: input.address == null ? null : checkAddress(input.address, "address"),
    tax_ids: (input.tax_ids ?? []).map((taxId, index) => checkTaxId(taxId, `tax_ids.${index}`)),
    country: checkCountry(input.country, "country"),
    email: input.email == null ? null : checkEmail(input.email, "email"),
    phone: optionalText(input.phone),
    payment_instructions: optionalText(input.payment_instructions),
    invoice_prefix: checkPrefix(input.invoice_prefix ?? "INV", "invoice_prefix"),
    credit_note_prefix: checkPrefix(input.credit_note_prefix ?? "CN", "credit_note_prefix"),
  };
  checkPrefixes(entity);
  return entity;
}

/** Applies the fields a caller sent; a field left out keeps its value, null clears an optional one. */
export function applyLegalEntityChanges(before: LegalEntity, changes: LegalEntityChanges): LegalEntity {
  const keep = <K extends keyof LegalEntityChanges, T>(key: K, current: T, check: (value: never) => T): T =>
    changes[key] === undefined ? current : check(changes[key] as never);
  const entity: LegalEntity = {
    id: before.id,
    legal_name: keep("legal_name", before.legal_name, (value: string) => requiredText(value, "legal_name")),
    address: keep("address", before.address, (value: AddressInput | null) =>
      value === null ? null : checkAddress(value, "address"),
    ),
    tax_ids: keep("tax_ids", before.tax_ids, (value: TaxIdInput[]) =>
      value.map((taxId, index) => checkTaxId(taxId, `tax_ids.${index}`)),
    ),
    country: keep("country", before.country, (value: string) => checkCountry(value, "country")),
    email: keep("email", before.email, (value: string | null) => (value === null ? null : checkEmail(value, "email"))),
    phone: keep("phone", before.phone, optionalText),
    payment_instructions: keep("payment_instructions", before.payment_instructions, optionalText),
    invoice_prefix: keep("invoice_prefix", before.invoice_prefix, (value: string) =>
      checkPrefix(value, "invoice_prefix"),
    ),
    credit_note_prefix: keep("credit_note_prefix", before.credit_note_prefix, (value: string) =>
      checkPrefix(value, "credit_note_prefix"),
    ),
  };
  checkPrefixes(entity);
  return entity;
}

export function sellerSnapshot(entity: LegalEntity): SellerSnapshot {
  return {
    legal_name: entity.legal_name,
    address: entity.address,
    tax_ids: entity.tax_ids,
    country: entity.country,
    payment_instructions: entity.payment_instructions,
  };
}

/** The seller as a document prints it. */
export function sellerParty(seller: SellerSnapshot): DocumentParty {
  return { legal_name: seller.legal_name, address: seller.address, tax_ids: seller.tax_ids };
}
