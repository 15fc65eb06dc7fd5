import type { DocumentParty } from "./document-model.js";

/**
 * The seller printed on every invoice. One legal entity for now, kept here
 * rather than in a settings table until a second entity (and its own number
 * series) needs one; change it before going live.
 */
export const SELLER: DocumentParty & { payment_instructions: string | null } = {
  legal_name: "Accrue Billing Ltd",
  address: null,
  tax_ids: [],
  payment_instructions: "Pay by bank transfer quoting the invoice number.",
};

/**
 * Where the seller is established for VAT: an EU buyer in another member
 * state with its own VAT id is reverse charged. Change it with the seller.
 */
export const SELLER_COUNTRY = "DE";
