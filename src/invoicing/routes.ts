import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../kernel/deps.js";
import {
  amountString,
  currencyCode,
  errorResponses,
  idOf,
  isoDate,
  isoInstant,
  listOf,
  pageQuery,
  type RouteConfig,
  text,
} from "../kernel/http.js";
import { markInvoiceUncollectible, voidInvoice } from "./finalization.js";
import { invoicePdf } from "./invoice-pdf.js";
import { legalEntityId } from "./legal-entity-routes.js";
import { INVOICE_STATUSES } from "./lifecycle.js";
import { finalizeWithReview } from "./review-service.js";
import {
  addDraftLine,
  createDraft,
  createInvoiceItem,
  getInvoice,
  getInvoiceItem,
  listInvoiceItems,
  listInvoices,
  removeDraftLine,
  updateDraft,
  updateDraftLine,
} from "./service.js";

const read = { permission: "invoices:read" } satisfies RouteConfig;
const write = { permission: "invoices:write" } satisfies RouteConfig;
const finalize = { permission: "invoices:finalize" } satisfies RouteConfig;
const voiding = { permission: "invoices:void" } satisfies RouteConfig;
const tags = ["invoices"];

const period = z.strictObject({ start: isoInstant, end: isoInstant });
const lineFields = {
  description: text(500).min(1),
  quantity: amountString.optional().describe("defaults to 1"),
  unit_amount: amountString.describe("up to 12 decimals; negative for a credit line"),
  period: period.nullable().optional(),
  product_id: idOf("prod").nullable().optional().describe("revenue is posted to this product's account"),
  tax_rate: amountString
    .optional()
    .describe('percent, "20" for 20 %, for this line only; left out, the line takes the tax of the rate table'),
  tax_name: text(60).min(1).optional(),
};
const lineBody = z.strictObject(lineFields);
const createBody = z.strictObject({
  customer: idOf("cus"),
  currency: currencyCode.optional().describe("defaults to the customer's currency"),
  lines: z.array(lineBody).max(500).optional(),
  po_number: text(64).nullable().optional(),
  memo: text(2000).nullable().optional(),
  legal_entity: legalEntityId
    .optional()
    .describe('the legal entity that bills it (seller printed, number series); defaults to "default"'),
});
const updateBody = z.strictObject({
  po_number: text(64).nullable().optional(),
  memo: text(2000).nullable().optional(),
});
const itemBody = z.strictObject({ customer: idOf("cus"), currency: currencyCode.optional(), ...lineFields });

const lineSchema = z.object({
  object: z.literal("invoice_line"),
  id: z.string(),
  description: z.string(),
  period: z.object({ start: z.string(), end: z.string() }).nullable(),
  quantity: z.string(),
  unit_amount: z.string(),
  amount: z.string(),
  proration: z.boolean(),
  source: z.object({ type: z.string(), id: z.string().nullable() }),
  product_id: z.string().nullable(),
  tax_rate: z.string(),
  tax_name: z.string(),
  tax_amount: z.string(),
  tax_override: z.boolean().describe("the line's tax was typed for it; otherwise it follows the invoice's tax"),
  discount_amount: z.string(),
});
export const invoiceSchema = z.object({
  object: z.literal("invoice"),
  id: z.string(),
  customer_id: z.string(),
  currency: z.string(),
  status: z.enum(INVOICE_STATUSES),
  number: z.string().nullable(),
  legal_entity: z.string().describe("the legal entity that bills it: the seller printed and the number series"),
  issue_date: z.string().nullable(),
  due_date: z.string().nullable(),
  po_number: z.string().nullable(),
  memo: z.string().nullable(),
  subtotal: z.string(),
  discount: z.string(),
  tax: z.string(),
  total: z.string(),
  amount_due: z.string(),
  total_excluding_tax: z.string(),
  credit_applied: z.string().describe("taken from the customer's credit balance at finalization"),
  discounts: z.array(
    z.object({ discount_id: z.string(), coupon_id: z.string(), name: z.string(), amount: z.string() }),
  ),
  tax_breakdown: z.array(
    z.object({
      kind: z.enum(["standard", "exempt", "reverse_charge"]),
      tax_rate_id: z.string().nullable(),
      name: z.string(),
      percentage: z.string(),
      taxable_amount: z.string(),
      tax_amount: z.string(),
    }),
  ),
  credited_total: z.string().describe("what issued credit notes took off the invoice"),
  lines: z.array(lineSchema),
  subscription_id: z.string().nullable(),
  period_index: z.number().nullable(),
  ledger_entry_id: z.string().nullable(),
  created_at: z.string(),
  finalized_at: z.string().nullable(),
  voided_at: z.string().nullable(),
  uncollectible_at: z.string().nullable(),
});
const itemSchema = z.object({
  object: z.literal("invoice_item"),
  id: z.string(),
  customer_id: z.string(),
  currency: z.string(),
  description: z.string(),
  quantity: z.string(),
  unit_amount: z.string(),
  product_id: z.string().nullable(),
  period: z.object({ start: z.string(), end: z.string() }).nullable(),
  tax_rate: z.string(),
  tax_name: z.string(),
  invoice_id: z.string().nullable(),
  created_at: z.string(),
});

/** Finalizing above the approval threshold: the approval a second person must give (as /v1/approvals shows it). */
const approvalRequestedSchema = z.object({
  approval: z.object({
    id: z.string(),
    object: z.literal("approval"),
    action: z.string(),
    object_type: z.string(),
    object_id: z.string(),
    payload: z.unknown(),
    summary: z.string(),
    status: z.enum(["pending", "approved", "rejected"]),
    requested_by: z.string(),
    requested_by_name: z.string().nullable(),
    decided_by: z.string().nullable(),
    decided_by_name: z.string().nullable(),
    comment: z.string().nullable(),
    created_at: z.string(),
    decided_at: z.string().nullable(),
  }),
});

const invoiceParams = z.strictObject({ id: idOf("inv") });
const lineParams = z.strictObject({ id: idOf("inv"), line_id: idOf("il") });
const one = <T extends z.ZodType>(item: T) => ({ 200: item, ...errorResponses });
const asList = <T>(page: { data: T[]; has_more: boolean }) => ({ object: "list" as const, ...page });
const empty = z.strictObject({}).nullish();

function draftRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/v1/invoices",
      {
        config: write,
        schema: {
          tags,
          summary: "Create a draft invoice",
          description: "Ad-hoc lines plus every pending invoice item of the customer in the invoice's currency.",
          body: createBody,
          response: one(invoiceSchema),
        },
      },
      async (request) => {
        const { customer, ...rest } = request.body;
        return createDraft(deps, request.context, { customer_id: customer, ...rest });
      },
    );
    app.post(
      "/v1/invoices/:id",
      {
        config: write,
        schema: {
          tags,
          summary: "Update a draft's PO number or memo",
          params: invoiceParams,
          body: updateBody,
          response: one(invoiceSchema),
        },
      },
      async (request) => updateDraft(deps, request.context, request.params.id, request.body),
    );
    app.post(
      "/v1/invoices/:id/lines",
      {
        config: write,
        schema: {
          tags,
          summary: "Add a line to a draft",
          params: invoiceParams,
          body: lineBody,
          response: one(invoiceSchema),
        },
      },
      async (request) => addDraftLine(deps, request.context, request.params.id, request.body),
    );
    app.post(
      "/v1/invoices/:id/lines/:line_id",
      {
        config: write,
        schema: {
          tags,
          summary: "Replace a draft's line",
          params: lineParams,
          body: lineBody,
          response: one(invoiceSchema),
        },
      },
      async (request) =>
        updateDraftLine(deps, request.context, request.params.id, request.params.line_id, request.body),
    );
    app.delete(
      "/v1/invoices/:id/lines/:line_id",
      {
        config: write,
        schema: { tags, summary: "Remove a draft's line", params: lineParams, response: one(invoiceSchema) },
      },
      async (request) => removeDraftLine(deps, request.context, request.params.id, request.params.line_id),
    );
  };
}

function lifecycleRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/v1/invoices/:id/finalize",
      {
        config: finalize,
        schema: {
          tags,
          summary: "Finalize a draft",
          description:
            "Numbers it, sets the due date, posts the receivable; the invoice is immutable afterwards. Refused with `invoice_review_blocked` while a blocking review finding stands (when the checklist is enforced); above the approval threshold it answers 202 with the approval a second person must give (docs/guide/invoice-review.md).",
          params: invoiceParams,
          body: empty,
          response: { ...one(invoiceSchema), 202: approvalRequestedSchema },
        },
      },
      async (request, reply) => {
        const outcome = await finalizeWithReview(deps, request.context, request.params.id);
        return "approval" in outcome ? reply.code(202).send(outcome) : outcome.invoice;
      },
    );
    app.post(
      "/v1/invoices/:id/void",
      {
        config: voiding,
        schema: {
          tags,
          summary: "Void an open invoice",
          params: invoiceParams,
          body: empty,
          response: one(invoiceSchema),
        },
      },
      async (request) => voidInvoice(deps, request.context, request.params.id),
    );
    app.post(
      "/v1/invoices/:id/mark_uncollectible",
      {
        config: voiding,
        schema: {
          tags,
          summary: "Mark an open invoice uncollectible",
          params: invoiceParams,
          body: empty,
          response: one(invoiceSchema),
        },
      },
      async (request) => markInvoiceUncollectible(deps, request.context, request.params.id),
    );
  };
}

function readRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/invoices",
      {
        config: read,
        schema: {
          tags,
          summary: "List invoices",
          description:
            "Newest first. `number` finds a part of the invoice number (`000123`, `INV-2026`); `issue_date_from` and `issue_date_to` (inclusive) keep invoices issued in that span, leaving out drafts, which have no issue date yet.",
          querystring: pageQuery.extend({
            customer: idOf("cus").optional(),
            status: z.enum(INVOICE_STATUSES).optional(),
            number: text(40).optional().describe("a part of the invoice number, any case"),
            issue_date_from: isoDate.optional().describe("issued on or after this day"),
            issue_date_to: isoDate.optional().describe("issued on or before this day"),
          }),
          response: { 200: listOf(invoiceSchema), ...errorResponses },
        },
      },
      async (request) => {
        const { customer, status, number, issue_date_from, issue_date_to, ...page } = request.query;
        const filter = { customer_id: customer, status, number, issue_date_from, issue_date_to };
        return asList(await listInvoices(deps, filter, page));
      },
    );
    app.get(
      "/v1/invoices/:id",
      {
        config: read,
        schema: { tags, summary: "Retrieve an invoice", params: invoiceParams, response: one(invoiceSchema) },
      },
      async (request) => getInvoice(deps, request.params.id),
    );
    app.get(
      "/v1/invoices/:id/pdf",
      {
        config: read,
        schema: {
          tags,
          summary: "Download the invoice PDF",
          description: "A draft renders as a preview numbered DRAFT.",
          params: invoiceParams,
        },
      },
      async (request, reply) => {
        const { number, pdf } = await invoicePdf(deps, request.params.id);
        return reply
          .type("application/pdf")
          .header("content-disposition", `inline; filename="${number}.pdf"`)
          .send(pdf);
      },
    );
  };
}

function itemRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/v1/invoice_items",
      {
        config: write,
        schema: {
          tags,
          summary: "Add a pending invoice item",
          description: "It joins the customer's next draft invoice.",
          body: itemBody,
          response: one(itemSchema),
        },
      },
      async (request) => {
        const { customer, ...rest } = request.body;
        return createInvoiceItem(deps, request.context, { customer_id: customer, ...rest });
      },
    );
    app.get(
      "/v1/invoice_items",
      {
        config: read,
        schema: {
          tags,
          summary: "List invoice items",
          querystring: pageQuery.extend({
            customer: idOf("cus").optional(),
            pending: z.enum(["true", "false"]).optional(),
          }),
          response: { 200: listOf(itemSchema), ...errorResponses },
        },
      },
      async (request) => {
        const { customer, pending, ...page } = request.query;
        const filter = { customer_id: customer, pending: pending === undefined ? undefined : pending === "true" };
        return asList(await listInvoiceItems(deps, filter, page));
      },
    );
    app.get(
      "/v1/invoice_items/:id",
      {
        config: read,
        schema: {
          tags,
          summary: "Retrieve an invoice item",
          params: z.strictObject({ id: idOf("ii") }),
          response: one(itemSchema),
        },
      },
      async (request) => getInvoiceItem(deps, request.params.id),
    );
  };
}

/** Invoices and pending invoice items under /v1/invoices and /v1/invoice_items. */
export function invoiceRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    await draftRoutes(deps)(app, {});
    await lifecycleRoutes(deps)(app, {});
    await readRoutes(deps)(app, {});
    await itemRoutes(deps)(app, {});
  };
}
