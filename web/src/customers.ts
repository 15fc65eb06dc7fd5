/**
 * Shapes of customers and what hangs off them (notes, purchase orders,
 * history) as the API sends them. Amounts are decimal strings in the
 * customer's currency; instants are ISO 8601 text.
 */

export const CONTACT_ROLES = ["billing", "accounts_payable", "procurement", "finance", "technical", "other"] as const;
export const TAX_ID_TYPES = ["eu_vat", "gb_vat", "us_ein", "ca_bn", "au_abn", "in_gst", "other"] as const;

export interface Address {
  line1: string | null;
  line2: string | null;
  city: string | null;
  region: string | null;
  postal_code: string | null;
  country: string;
}

export interface Contact {
  id?: string;
  name: string;
  email: string;
  role: (typeof CONTACT_ROLES)[number];
  phone: string | null;
}

export interface TaxId {
  type: (typeof TAX_ID_TYPES)[number];
  value: string;
  country: string | null;
}

export type PaymentTerms =
  | { type: "due_on_receipt" }
  | { type: "net"; days: number }
  | { type: "day_of_month"; day: number };

export interface Hold {
  reason: string;
  set_by: string;
  set_by_name: string | null;
  set_at: string;
}

export interface Customer {
  object: "customer";
  id: string;
  external_id: string | null;
  legal_name: string;
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
  invoice_delivery: { emails: string[]; postal: boolean; portal_name: string | null; portal_id: string | null };
  po_required: boolean;
  credit_limit: string | null;
  billing_hold: Hold | null;
  credit_hold: Hold | null;
  tags: string[];
  metadata: Record<string, string>;
  archived: boolean;
  archived_at: string | null;
  created_at: string;
  updated_at: string;
  /** Set when the customer lives on a test clock; the field may be absent on older servers. */
  test_clock?: string | null;
  /** The legal entity that bills the customer: the seller on its documents and their number series. */
  legal_entity?: string;
}

export interface CustomerNote {
  id: string;
  customer_id: string;
  body: string;
  pinned: boolean;
  author: { type: string; id: string; name: string | null };
  created_at: string;
}

export interface PurchaseOrder {
  id: string;
  customer_id: string;
  number: string;
  description: string | null;
  valid_from: string | null;
  valid_to: string | null;
  currency: string;
  amount_cap: string | null;
  amount_consumed: string;
  amount_remaining: string | null;
  active: boolean;
  created_at: string;
}

export function displayName(customer: Pick<Customer, "display_name" | "legal_name">): string {
  return customer.display_name ?? customer.legal_name;
}

export function describeTerms(terms: PaymentTerms): string {
  if (terms.type === "net") return `Net ${terms.days}`;
  if (terms.type === "day_of_month") return `Day ${terms.day} of the month`;
  return "Due on receipt";
}

export function customerPath(id: string): string {
  return `/v1/customers/${encodeURIComponent(id)}`;
}
