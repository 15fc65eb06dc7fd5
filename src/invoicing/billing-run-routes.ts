import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../kernel/deps.js";
import { errorResponses, idOf, isoInstant, listOf, pageQuery, type RouteConfig } from "../kernel/http.js";
import { parseInstant } from "../kernel/time.js";
import { runBilling } from "./billing-run.js";
import { getBillingRun, listBillingRuns } from "./billing-run-queries.js";
import { upcomingInvoice } from "./upcoming.js";

const read = { permission: "invoices:read" } satisfies RouteConfig;
const write = { permission: "invoices:write" } satisfies RouteConfig;
const tags = ["billing runs"];

const runBody = z.strictObject({
  as_of: isoInstant.optional().describe("bill what is due by this instant; now when left out"),
  customer: idOf("cus").optional().describe("bill only this customer"),
  dry_run: z.boolean().optional().describe("compute what would be invoiced and write nothing"),
});

const itemSchema = z.object({
  subscription: z.string(),
  customer: z.string(),
  period_index: z.number().nullable(),
  outcome: z.enum(["invoiced", "skipped_held", "skipped_already_billed", "failed"]),
  invoice: z.string().nullable(),
  finalized: z.boolean().describe("the run finalized the invoice as it wrote it"),
  currency: z.string().nullable(),
  total: z.string().nullable(),
  reason: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

const runSchema = z.object({
  object: z.literal("billing_run"),
  id: z.string().nullable().describe("null for a dry run, which is not stored"),
  dry_run: z.boolean(),
  as_of: z.string(),
  customer: z.string().nullable(),
  status: z.enum(["running", "succeeded", "completed_with_failures", "failed"]),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  duration_ms: z.number().nullable(),
  subscriptions_considered: z.number(),
  invoices_created: z.number(),
  invoices_finalized: z.number().describe("of the invoices created, those the run finalized as it wrote them"),
  skipped_held: z.number(),
  skipped_already_billed: z.number(),
  failed: z.number(),
  totals: z.record(z.string(), z.string()).describe("the totals of the invoices created, per currency"),
  items: z.array(itemSchema).optional(),
});

const upcomingSchema = z.object({
  object: z.literal("upcoming_invoice"),
  customer: z.string(),
  subscription: z.string(),
  currency: z.string(),
  period_index: z.number(),
  period: z.object({ start: z.string(), end: z.string() }),
  lines: z.array(
    z.object({
      id: z.null(),
      description: z.string(),
      period: z.object({ start: z.string(), end: z.string() }).nullable(),
      quantity: z.string(),
      unit_amount: z.string(),
      amount: z.string(),
      proration: z.boolean(),
    }),
  ),
  subtotal: z.string(),
  discount: z.string(),
  tax: z.string(),
  total: z.string(),
  amount_due: z.string(),
});

/** Billing runs and the upcoming-invoice preview. */
export function billingRunRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/v1/billing_runs",
      {
        config: write,
        schema: {
          tags,
          summary: "Run billing: one draft per subscription period due",
          body: runBody,
          response: { 200: runSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { as_of, customer, dry_run } = request.body;
        const asOf = as_of === undefined ? deps.clock.now() : parseInstant(as_of, "as_of");
        return runBilling(deps, request.context, { as_of: asOf, customer, dry_run });
      },
    );
    app.get(
      "/v1/billing_runs",
      {
        config: read,
        schema: {
          tags,
          summary: "List billing runs, newest first",
          querystring: pageQuery,
          response: { 200: listOf(runSchema), ...errorResponses },
        },
      },
      async (request) => listBillingRuns(deps, request.query),
    );
    app.get(
      "/v1/billing_runs/:id",
      {
        config: read,
        schema: {
          tags,
          summary: "A billing run with its items",
          params: z.strictObject({ id: idOf("brun") }),
          response: { 200: runSchema, ...errorResponses },
        },
      },
      async (request) => getBillingRun(deps, request.params.id),
    );
    // A static path: Fastify's router prefers it over /v1/invoices/:id.
    app.get(
      "/v1/invoices/upcoming",
      {
        config: read,
        schema: {
          tags: ["invoices"],
          summary: "The next invoice of a subscription or customer, without writing anything",
          querystring: z.strictObject({ subscription: idOf("sub").optional(), customer: z.string().min(1).optional() }),
          response: { 200: upcomingSchema, ...errorResponses },
        },
      },
      async (request) => upcomingInvoice(deps, request.query),
    );
  };
}
