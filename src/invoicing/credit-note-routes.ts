import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../kernel/deps.js";
import {
  amountString,
  currencyCode,
  errorResponses,
  idOf,
  listOf,
  pageQuery,
  type RouteConfig,
  text,
} from "../kernel/http.js";
import {
  creditNotePdf,
  getCreditNote,
  getCreditNoteSettings,
  listCreditNotes,
  updateCreditNoteSettings,
} from "./credit-note-queries.js";
import { createCreditNote, previewCreditNote } from "./credit-note-service.js";
import { voidCreditNote } from "./credit-note-void.js";
import { CREDIT_NOTE_OUTCOMES, CREDIT_NOTE_REASONS } from "./credit-notes.js";
import { CREDIT_NOTE_STATUSES } from "./lifecycle.js";

const read = { permission: "invoices:read" } satisfies RouteConfig;
const write = { permission: "credit_notes:write" } satisfies RouteConfig;
// Whoever decides approvals sets what needs one: a maker cannot raise their own threshold.
const settings = { permission: "approvals:decide" } satisfies RouteConfig;
const tags = ["credit notes"];

const lineRequest = z.strictObject({
  line: idOf("il").describe("the invoice line credited"),
  quantity: amountString
    .optional()
    .describe("units of the line to credit; leave out quantity and amount for all of it"),
  amount: amountString.optional().describe("net amount (without tax) of the line to credit"),
});
const createBody = z.strictObject({
  invoice: idOf("inv"),
  scope: z.enum(["whole_invoice", "lines"]),
  lines: z.array(lineRequest).max(500).optional().describe('required when scope is "lines"'),
  reason: z.enum(CREDIT_NOTE_REASONS),
  outcome: z.enum(CREDIT_NOTE_OUTCOMES),
  memo: text(2000).nullable().optional(),
});

const noteLine = z.object({
  invoice_line_id: z.string(),
  product_id: z.string().nullable(),
  description: z.string(),
  net_amount: z.string(),
  tax_amount: z.string(),
  amount: z.string(),
});
const creditNoteSchema = z.object({
  object: z.literal("credit_note"),
  id: z.string(),
  number: z.string().nullable(),
  legal_entity: z.string().describe("the invoice's legal entity: the seller printed and the number series"),
  invoice_id: z.string(),
  invoice_number: z.string().nullable(),
  customer_id: z.string(),
  currency: z.string(),
  status: z.enum(CREDIT_NOTE_STATUSES),
  reason: z.enum(CREDIT_NOTE_REASONS),
  outcome: z.enum(CREDIT_NOTE_OUTCOMES),
  memo: z.string().nullable(),
  lines: z.array(noteLine),
  subtotal: z.string(),
  tax: z.string(),
  total: z.string(),
  issue_date: z.string().nullable(),
  issued_at: z.string().nullable(),
  refund: z.object({ status: z.string(), amount: z.string() }).nullable(),
  approval_id: z.string().nullable(),
  ledger_entry_id: z.string().nullable(),
  created_at: z.string(),
  voided_at: z.string().nullable(),
  void_reason: z.string().nullable().describe("why an issued note was voided; printed on its PDF"),
  void_ledger_entry_id: z.string().nullable().describe("the reversal of the note's entry, posted by the void"),
});
const voidBody = z.strictObject({ reason: text(500).describe("why the note is voided; printed on its PDF") });
const previewSchema = z.object({
  object: z.literal("credit_note_preview"),
  invoice_id: z.string(),
  customer_id: z.string(),
  currency: z.string(),
  reason: z.enum(CREDIT_NOTE_REASONS),
  outcome: z.enum(CREDIT_NOTE_OUTCOMES),
  memo: z.string().nullable(),
  lines: z.array(noteLine),
  subtotal: z.string(),
  tax: z.string(),
  total: z.string(),
  approval_required: z.boolean(),
  invoice_amount_due_after: z.string(),
});
const settingsSchema = z.object({
  object: z.literal("credit_note_settings"),
  approval_thresholds: z.record(z.string(), z.string()),
});
const settingsBody = z.strictObject({
  approval_thresholds: z
    .record(currencyCode, amountString.nullable())
    .describe('per currency, e.g. {"USD": "500.00"}; null removes the threshold'),
});

const noteParams = z.strictObject({ id: idOf("cn") });
const one = <T extends z.ZodType>(item: T) => ({ 200: item, ...errorResponses });

function writeRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/v1/credit_notes",
      {
        config: write,
        schema: {
          tags,
          summary: "Issue a credit note against a finalized invoice",
          description:
            "Issued at once, or created pending_approval when its total is above the approval threshold of its currency.",
          body: createBody,
          response: one(creditNoteSchema),
        },
      },
      async (request) => createCreditNote(deps, request.context, request.body),
    );
    app.post(
      "/v1/credit_notes/preview",
      {
        config: write,
        schema: {
          tags,
          summary: "Preview a credit note",
          description: "The figures the same request would issue, and whether it needs approval; writes nothing.",
          body: createBody,
          response: one(previewSchema),
        },
      },
      async (request) => previewCreditNote(deps, request.body),
    );
    app.post(
      "/v1/credit_notes/:id/void",
      {
        config: write,
        schema: {
          tags,
          summary: "Void an issued credit note",
          description:
            "Posts the reversal of its entry, keeps its number and makes the invoice owe again what the note took off. Refused with credit_note_credit_applied when its credit was spent on another invoice, credit_note_refund_executed when its refund was paid out.",
          params: noteParams,
          body: voidBody,
          response: one(creditNoteSchema),
        },
      },
      async (request) => voidCreditNote(deps, request.context, request.params.id, request.body),
    );
    app.get(
      "/v1/credit_note_settings",
      {
        config: read,
        schema: {
          tags,
          summary: "Credit note approval thresholds",
          querystring: z.strictObject({}),
          response: one(settingsSchema),
        },
      },
      async () => getCreditNoteSettings(deps),
    );
    app.post(
      "/v1/credit_note_settings",
      {
        config: settings,
        schema: {
          tags,
          summary: "Set credit note approval thresholds",
          description: "Currencies left out keep their threshold.",
          body: settingsBody,
          response: one(settingsSchema),
        },
      },
      async (request) => updateCreditNoteSettings(deps, request.context, request.body),
    );
  };
}

function readRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/credit_notes",
      {
        config: read,
        schema: {
          tags,
          summary: "List credit notes",
          querystring: pageQuery.extend({ invoice: idOf("inv").optional(), customer: idOf("cus").optional() }),
          response: { 200: listOf(creditNoteSchema), ...errorResponses },
        },
      },
      async (request) => {
        const { invoice, customer, ...page } = request.query;
        const found = await listCreditNotes(deps, { invoice_id: invoice, customer_id: customer }, page);
        return { object: "list" as const, ...found };
      },
    );
    app.get(
      "/v1/credit_notes/:id",
      {
        config: read,
        schema: { tags, summary: "Retrieve a credit note", params: noteParams, response: one(creditNoteSchema) },
      },
      async (request) => getCreditNote(deps, request.params.id),
    );
    app.get(
      "/v1/credit_notes/:id/pdf",
      {
        config: read,
        schema: { tags, summary: "Download the credit note PDF", params: noteParams },
      },
      async (request, reply) => {
        const { number, pdf } = await creditNotePdf(deps, request.params.id);
        return reply
          .type("application/pdf")
          .header("content-disposition", `inline; filename="${number}.pdf"`)
          .send(pdf);
      },
    );
  };
}

/** Credit notes under /v1/credit_notes and their approval thresholds under /v1/credit_note_settings. */
export function creditNoteRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    await writeRoutes(deps)(app, {});
    await readRoutes(deps)(app, {});
  };
}
