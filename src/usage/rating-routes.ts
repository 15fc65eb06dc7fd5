import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { Temporal } from "temporal-polyfill";
import { z } from "zod";
import type { Deps } from "../kernel/deps.js";
import { errorResponses, isoInstant, type RouteConfig } from "../kernel/http.js";
import { explainInvoiceLine } from "./explain-service.js";
import { rateEveryCustomer } from "./rating-all.js";
import { rateCustomerPeriod } from "./rating-service.js";
import { usageReconciliation } from "./reconciliation-service.js";

const read = { permission: "usage:read" } satisfies RouteConfig;
const write = { permission: "usage:write" } satisfies RouteConfig;
const tags = ["usage rating"];

const runSchema = z
  .object({
    object: z.literal("usage_rating_run"),
    id: z.string(),
    customer: z.string(),
    period_start: z.string(),
    period_end: z.string(),
    reason: z
      .enum(["billing", "rerate", "late_event", "rate_card_change", "adjustment"])
      .describe(
        "billing (a billing run), rerate (a person), late_event (late events), rate_card_change (a backdated rate card version approved over the period's draft), adjustment (a finalized period's difference)",
      ),
    rate_card_versions: z.array(z.string()).describe("the rate card versions (rcv_…) whose approval asked for it"),
    late_events: z.boolean().describe("late events asked for it (with rate_card_change: owed for both)"),
    status: z.string(),
    events_rated: z.number(),
    events_unrated: z.number(),
    charges: z.number(),
    amount: z.string(),
    currency: z.string(),
    draft_invoice: z.string().nullable(),
    created_at: z.string(),
  })
  .describe("UsageRatingRun");
const skippedSchema = z
  .object({ object: z.literal("usage_rating_skipped"), customer: z.string(), code: z.string(), message: z.string() })
  .describe("UsageRatingSkipped");
const explanationSchema = z
  .looseObject({ object: z.literal("invoice_line_explanation"), kind: z.string(), line: z.looseObject({}) })
  .describe("InvoiceLineExplanation");
const reconciliationSchema = z
  .looseObject({
    object: z.literal("usage_reconciliation"),
    customer: z.string(),
    events: z.looseObject({}),
    amounts: z.looseObject({}),
    differences: z.looseObject({}),
    balanced: z.boolean(),
  })
  .describe("UsageReconciliation");

const rateBody = z.strictObject({
  customer: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe("cus_ id or external id; every rated customer of the period when left out"),
  period_start: isoInstant,
  period_end: isoInstant,
});
const explainQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  starting_after: z
    .string()
    .regex(/^\d{1,19}$/, "a charge id")
    .optional()
    .describe("the last charge id of the previous page"),
});
const reconciliationQuery = z.strictObject({
  customer: z.string().min(1).max(255).optional(),
  period_start: isoInstant,
  period_end: isoInstant,
});
const one = <T extends z.ZodType>(item: T) => ({ 200: item, ...errorResponses });

/** Re-rating (/v1/usage/rate), explanations (/v1/invoice_lines/{id}/explain), reconciliations. */
export function ratingRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/v1/usage/rate",
      {
        config: write,
        schema: {
          tags,
          summary: "Rate or re-rate a usage period",
          description:
            "Rates the customer's events in [period_start, period_end) with the charge script and rate card in effect at each event, replacing the period's charges not yet invoiced. A draft holding the period's usage is rebuilt and repriced in the same transaction; a finalized one is refused with usage_period_finalized.",
          body: rateBody,
          response: one(z.object({ object: z.literal("list"), data: z.array(z.union([runSchema, skippedSchema])) })),
        },
      },
      async (request) => {
        const range = {
          start: Temporal.Instant.from(request.body.period_start),
          end: Temporal.Instant.from(request.body.period_end),
        };
        if (request.body.customer !== undefined) {
          const run = await rateCustomerPeriod(deps, request.context, request.body.customer, range);
          return { object: "list" as const, data: [run] };
        }
        return { object: "list" as const, data: await rateEveryCustomer(deps, request.context, range) };
      },
    );
    app.get(
      "/v1/invoice_lines/:id/explain",
      {
        config: read,
        schema: {
          tags,
          summary: "Explain an invoice line",
          description:
            "A usage line's charges (paged), their events, the script and rate card versions used, and the arithmetic; a metered line's meter, aggregation and quantity.",
          params: z.strictObject({ id: z.string().min(1).max(64) }),
          querystring: explainQuery,
          response: one(explanationSchema),
        },
      },
      async (request) => explainInvoiceLine(deps, request.params.id, request.query),
    );
    app.get(
      "/v1/usage_reconciliations",
      {
        config: read,
        schema: {
          tags,
          summary: "Reconcile usage for a period",
          description:
            "Events received = rated + unrated + not rated yet + duplicates; rated amount = invoiced + on drafts + adjustments + not invoiced; every difference listed. For one customer, or every customer with events or ratings in the period.",
          querystring: reconciliationQuery,
          response: one(
            z.object({ object: z.literal("list"), data: z.array(reconciliationSchema), has_more: z.boolean() }),
          ),
        },
      },
      async (request) =>
        usageReconciliation(deps, {
          customer: request.query.customer,
          period_start: Temporal.Instant.from(request.query.period_start),
          period_end: Temporal.Instant.from(request.query.period_end),
        }),
    );
  };
}
