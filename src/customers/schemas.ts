import { z } from "zod";
import { amountString, currencyCode, idOf, isoDate, metadata, text } from "../kernel/http.js";
import { CONTACT_ROLES } from "./fields.js";
import { TAX_ID_TYPES } from "./tax-ids.js";

/**
 * Request and response shapes of the customer API. Shapes and sizes are
 * checked here; meaning (countries, postal codes, tax id checksums, time
 * zones) is checked by the model, which every caller — API, CLI import,
 * other modules — goes through.
 */

/** `cus_…`, or the caller's external id (anything not starting with "cus_"). */
export const customerReference = z.string().min(1).max(128).describe("the customer's id (cus_…) or your external id");

const emailText = text(254).describe("an email address");

// ---------------------------------------------------------------------------
// requests

/** An address as a caller sends it (customers, and the seller's legal entity). */
export const addressInput = z.strictObject({
  line1: text(200).nullable().optional(),
  line2: text(200).nullable().optional(),
  city: text(100).nullable().optional(),
  region: text(100).nullable().optional().describe('US/CA/AU/BR: the ISO 3166-2 code after the country ("CA", "QC")'),
  postal_code: text(20).nullable().optional().describe("checked against the country's format where one is known"),
  country: text(10).describe("ISO 3166-1 alpha-2, e.g. DE"),
});

const contactInput = z.strictObject({
  id: idOf("ccon").optional().describe("an existing contact's id, to keep it; left out, the contact is new"),
  name: text(200),
  email: emailText,
  role: z.enum(CONTACT_ROLES),
  phone: text(40).nullable().optional(),
});

export const taxIdInput = z.strictObject({
  type: z.enum(TAX_ID_TYPES),
  value: text(64),
  country: text(10).nullable().optional().describe("only for type other"),
});

const paymentTerms = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("due_on_receipt") }),
  z.strictObject({ type: z.literal("net"), days: z.number().int().min(1).max(365) }),
  z.strictObject({ type: z.literal("day_of_month"), day: z.number().int().min(1).max(31) }),
]);

const invoiceDeliveryInput = z.strictObject({
  emails: z.array(emailText).max(20).optional(),
  postal: z.boolean().optional(),
  portal_name: text(100).nullable().optional(),
  portal_id: text(200).nullable().optional(),
});

const customerFields = {
  external_id: text(128).nullable().optional().describe("your own id for the customer; unique"),
  legal_name: text(256),
  display_name: text(256).nullable().optional(),
  emails: z.array(emailText).max(10).optional(),
  contacts: z.array(contactInput).max(50).optional(),
  billing_address: addressInput.nullable().optional(),
  shipping_address: addressInput.nullable().optional(),
  tax_ids: z.array(taxIdInput).max(10).optional(),
  currency: currencyCode,
  time_zone: text(64).optional().describe('IANA name, e.g. "Europe/Berlin"; default UTC'),
  locale: text(35).optional().describe('BCP 47, e.g. "de-DE"; default en'),
  payment_terms: paymentTerms.optional().describe("default net 30"),
  invoice_delivery: invoiceDeliveryInput.optional(),
  po_required: z.boolean().optional(),
  credit_limit: amountString.nullable().optional().describe("in the customer's currency"),
  tags: z.array(text(40)).max(20).optional(),
  metadata: metadata.optional(),
  tax_exemption: z
    .strictObject({ certificate_reference: text(100), expires_on: isoDate.nullable().optional() })
    .nullable()
    .optional()
    .describe("a tax exemption certificate; invoices dated after expires_on are taxed"),
  legal_entity: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "1 to 40 lower-case letters, digits and dashes, such as acme-uk")
    .optional()
    .describe('the legal entity that bills the customer (its seller details and number series); default "default"'),
};

export const createCustomerBody = z.strictObject({
  ...customerFields,
  test_clock: idOf("clock")
    .nullable()
    .optional()
    .describe("a test clock (clock_…): the customer lives on its frozen time, in its own ledger book"),
});

export const updateCustomerBody = z.strictObject({
  ...customerFields,
  legal_name: customerFields.legal_name.optional(),
  currency: customerFields.currency.optional(),
});

export const customerListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  starting_after: z.string().max(64).optional(),
  ending_before: z.string().max(64).optional(),
  q: text(200).optional().describe("matches names, emails, external id and tax id values"),
  tag: text(40).optional(),
  currency: currencyCode.optional(),
  archived: z.enum(["true", "false"]).optional().describe("default false: archived customers are left out"),
  test_clock: idOf("clock").optional().describe("only the customers living on this test clock"),
  billing_hold: z
    .enum(["true", "false"])
    .optional()
    .describe("true: only customers on a billing hold; false: only those without one"),
});

export const noteBody = z.strictObject({ body: text(10_000), pinned: z.boolean().optional() });

const purchaseOrderFields = {
  number: text(64),
  description: text(500).nullable().optional(),
  valid_from: isoDate.nullable().optional().describe("first day the PO may be cited, inclusive"),
  valid_to: isoDate.nullable().optional().describe("last day, inclusive"),
  amount_cap: amountString.nullable().optional().describe("in the customer's currency; null: no cap"),
  active: z.boolean().optional(),
};

export const createPurchaseOrderBody = z.strictObject(purchaseOrderFields);
export const updatePurchaseOrderBody = z.strictObject({
  ...purchaseOrderFields,
  number: purchaseOrderFields.number.optional(),
});

export const holdBody = z.strictObject({ reason: text(500).describe("why billing stops; shown on the customer") });

/** Actions that need no fields still refuse unknown ones; no body at all arrives as null. */
export const emptyBody = z.strictObject({}).nullish();

// ---------------------------------------------------------------------------
// responses

const address = z.object({
  line1: z.string().nullable(),
  line2: z.string().nullable(),
  city: z.string().nullable(),
  region: z.string().nullable(),
  postal_code: z.string().nullable(),
  country: z.string(),
});

const hold = z
  .object({ reason: z.string(), set_by: z.string(), set_by_name: z.string().nullable(), set_at: z.string() })
  .nullable();

export const customerSchema = z
  .object({
    object: z.literal("customer"),
    id: z.string(),
    external_id: z.string().nullable(),
    legal_name: z.string(),
    display_name: z.string().nullable(),
    emails: z.array(z.string()),
    contacts: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        email: z.string(),
        role: z.enum(CONTACT_ROLES),
        phone: z.string().nullable(),
      }),
    ),
    billing_address: address.nullable(),
    shipping_address: address.nullable(),
    tax_ids: z.array(z.object({ type: z.enum(TAX_ID_TYPES), value: z.string(), country: z.string().nullable() })),
    currency: z.string(),
    time_zone: z.string(),
    locale: z.string(),
    payment_terms: z.discriminatedUnion("type", [
      z.object({ type: z.literal("due_on_receipt") }),
      z.object({ type: z.literal("net"), days: z.number().int() }),
      z.object({ type: z.literal("day_of_month"), day: z.number().int() }),
    ]),
    invoice_delivery: z.object({
      emails: z.array(z.string()),
      postal: z.boolean(),
      portal_name: z.string().nullable(),
      portal_id: z.string().nullable(),
    }),
    po_required: z.boolean(),
    credit_limit: z.string().nullable(),
    billing_hold: hold,
    credit_hold: hold,
    tags: z.array(z.string()),
    metadata: z.record(z.string(), z.string()),
    tax_exemption: z.object({ certificate_reference: z.string(), expires_on: z.string().nullable() }).nullable(),
    archived: z.boolean(),
    archived_at: z.string().nullable(),
    test_clock: z.string().nullable().describe("the test clock the customer lives on; null: real time"),
    legal_entity: z.string().describe("the legal entity that bills the customer"),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .describe("Customer");

export const noteSchema = z
  .object({
    object: z.literal("customer_note"),
    id: z.string(),
    customer_id: z.string(),
    body: z.string(),
    pinned: z.boolean(),
    author: z.object({ type: z.string(), id: z.string(), name: z.string().nullable() }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .describe("CustomerNote");

export const purchaseOrderSchema = z
  .object({
    object: z.literal("purchase_order"),
    id: z.string(),
    customer_id: z.string(),
    number: z.string(),
    description: z.string().nullable(),
    valid_from: z.string().nullable(),
    valid_to: z.string().nullable(),
    currency: z.string(),
    amount_cap: z.string().nullable(),
    amount_consumed: z.string(),
    amount_remaining: z.string().nullable(),
    active: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .describe("PurchaseOrder");

export const historyEventSchema = z.object({
  id: z.string(),
  seq: z.string(),
  actor_type: z.string(),
  actor_id: z.string(),
  actor_name: z.string().nullable(),
  action: z.string(),
  object_type: z.string(),
  object_id: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  reason: z.string().nullable(),
  request_id: z.string().nullable(),
  occurred_at: z.string(),
  prev_hash: z.string(),
  hash: z.string(),
});
