import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../kernel/deps.js";
import { amountString, currencyCode, errorResponses, idOf, listOf, type RouteConfig, text } from "../kernel/http.js";
import { CHECKLIST_RULES } from "./checklist.js";
import { getInvoiceReview, overrideFinding, reviewQueue } from "./review-service.js";
import {
  GRACE_HOURS_MAX,
  getCustomerReviewSettings,
  getReviewSettings,
  updateCustomerReviewSettings,
  updateReviewSettings,
} from "./review-settings-service.js";
import { invoiceSchema } from "./routes.js";

const read = { permission: "invoices:read" } satisfies RouteConfig;
const finalize = { permission: "invoices:finalize" } satisfies RouteConfig;
const configure = { permission: "invoices:configure" } satisfies RouteConfig;
const tags = ["invoice review"];

const severity = z.enum(["blocking", "warning", "info"]);
const ruleSetting = z.strictObject({ enabled: z.boolean(), severity });
const rulesPatch = z
  .partialRecord(z.enum(CHECKLIST_RULES), ruleSetting.nullable())
  .describe("per rule; a rule left out keeps its setting, null puts it back");
const graceHours = z.number().int().min(0).max(GRACE_HOURS_MAX);
const percent = amountString.describe('a percentage, "50" for 50 %');

const companyBody = z.strictObject({
  rules: rulesPatch.optional(),
  deviation_percent_max: percent.nullable().optional(),
  enforce_checklist: z
    .boolean()
    .optional()
    .describe("blocking findings stop finalizing unless overridden; on unless turned off"),
  approval_amount_by_currency: z
    .record(currencyCode, amountString.nullable())
    .optional()
    .describe("finalizing above this total needs a second person; null removes a currency"),
  auto_finalize_grace_hours: graceHours
    .nullable()
    .optional()
    .describe("null: clean drafts never finalize on their own"),
});

const customerBody = z.strictObject({
  rules: rulesPatch.optional(),
  deviation_percent_max: percent.nullable().optional(),
  auto_finalize_grace_hours: z
    .union([graceHours, z.literal("off")])
    .nullable()
    .optional()
    .describe('"off": never for this customer; null: the company\'s'),
});

const rulesSchema = z.record(z.string(), z.object({ enabled: z.boolean(), severity }));
const effectiveFields = {
  rules: rulesSchema,
  deviation_percent_max: z.string(),
  enforce_checklist: z.boolean(),
  approval_amount_by_currency: z.record(z.string(), z.string()),
  auto_finalize_grace_hours: z.number().nullable(),
};
const settingsSchema = z.object({
  object: z.literal("review_settings"),
  ...effectiveFields,
  updated_at: z.string().nullable(),
});
const customerSettingsSchema = z.object({
  object: z.literal("customer_review_settings"),
  customer: z.string(),
  overrides: z.object({
    rules: rulesSchema.optional(),
    deviation_percent_max: z.string().optional(),
    auto_finalize_grace_hours: z.union([z.number(), z.literal("off")]).optional(),
  }),
  effective: z.object(effectiveFields),
  updated_at: z.string().nullable(),
});

const findingSchema = z.object({
  rule: z.enum(CHECKLIST_RULES),
  severity,
  message: z.string(),
  details: z.object({ param: z.string().nullable(), fingerprint: z.string() }),
  override: z.object({ reason: z.string(), overridden_by: z.string(), overridden_at: z.string() }).nullable(),
});
const reviewSchema = z.object({
  invoice_id: z.string(),
  findings: z.array(findingSchema),
  blocking: z.number().describe("blocking findings without an override"),
  warnings: z.number().describe("warnings without an override"),
  can_finalize: z.boolean(),
  approval_required: z.boolean(),
  auto_finalize_at: z.string().nullable(),
});
const queueRowSchema = z.object({
  invoice: invoiceSchema,
  blocking: z.number(),
  warnings: z.number(),
  auto_finalize_at: z.string().nullable(),
});

const customerParams = z.strictObject({
  id: z.string().min(1).max(128).describe("the customer's id (cus_…) or your external id"),
});
const invoiceParams = z.strictObject({ id: idOf("inv") });
const one = <T extends z.ZodType>(item: T) => ({ 200: item, ...errorResponses });

function settingsRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/review_settings",
      {
        config: read,
        schema: {
          tags,
          summary: "The company's draft review settings",
          querystring: z.strictObject({}),
          response: one(settingsSchema),
        },
      },
      async () => getReviewSettings(deps),
    );
    app.post(
      "/v1/review_settings",
      {
        config: configure,
        schema: {
          tags,
          summary: "Change the company's draft review settings",
          description: "A patch: fields left out keep their value. Audited.",
          body: companyBody,
          response: one(settingsSchema),
        },
      },
      async (request) => updateReviewSettings(deps, request.context, request.body),
    );
    app.get(
      "/v1/customers/:id/review_settings",
      {
        config: read,
        schema: {
          tags,
          summary: "A customer's own review settings and those in effect",
          params: customerParams,
          response: one(customerSettingsSchema),
        },
      },
      async (request) => getCustomerReviewSettings(deps, request.params.id),
    );
    app.post(
      "/v1/customers/:id/review_settings",
      {
        config: configure,
        schema: {
          tags,
          summary: "Change a customer's own review settings",
          description: "A patch: null clears a field back to the company's value. Audited.",
          params: customerParams,
          body: customerBody,
          response: one(customerSettingsSchema),
        },
      },
      async (request) => updateCustomerReviewSettings(deps, request.context, request.params.id, request.body),
    );
  };
}

/** The draft review checklist, overrides, the review queue and the review settings. */
export function reviewRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    await settingsRoutes(deps)(app, {});
    app.get(
      "/v1/invoices/:id/review",
      {
        config: read,
        schema: {
          tags,
          summary: "A draft's review: checklist findings, overrides, whether it may be finalized",
          params: invoiceParams,
          response: one(reviewSchema),
        },
      },
      async (request) => getInvoiceReview(deps, request.params.id),
    );
    app.post(
      "/v1/invoices/:id/findings/:rule/override",
      {
        config: finalize,
        schema: {
          tags,
          summary: "Override a finding with a reason",
          description:
            "Holds while the finding reads the same; an edit that changes it needs a new override. Audited with the reason.",
          params: z.strictObject({ id: idOf("inv"), rule: z.enum(CHECKLIST_RULES) }),
          body: z.strictObject({ reason: text(1000).regex(/\S/, "say why") }),
          response: one(reviewSchema),
        },
      },
      async (request) =>
        overrideFinding(deps, request.context, request.params.id, request.params.rule, request.body.reason),
    );
    app.get(
      "/v1/review_queue",
      {
        config: read,
        schema: {
          tags,
          summary: "Drafts waiting for a person, oldest first",
          description: "Every draft except clean ones whose grace period has passed (those finalize on their own).",
          querystring: z.strictObject({
            limit: z.coerce.number().int().min(1).max(100).default(20),
            starting_after: idOf("inv").optional().describe("the last invoice id of the previous page"),
            customer: idOf("cus").optional(),
          }),
          response: one(listOf(queueRowSchema)),
        },
      },
      async (request) => ({ object: "list" as const, ...(await reviewQueue(deps, request.query)) }),
    );
  };
}
