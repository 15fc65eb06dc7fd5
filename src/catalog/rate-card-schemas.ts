import { z } from "zod";
import { currencyCode, idOf, isoInstant, text } from "../kernel/http.js";

/** Request and response shapes of /v1/rate_cards. Codes and values are checked by the model, which names the field. */

const rateInput = z
  .union([
    z.string().max(45),
    z.strictObject({
      value: z.string().max(45),
      unit: text(200).nullable().optional(),
      description: text(200).nullable().optional(),
    }),
  ])
  .describe('a decimal string ("2.75") or { value, unit, description }');

const ratesInput = z
  .record(z.string().max(64), rateInput)
  .describe("code → rate; codes are snake_case (pick_first_unit), values decimal strings with up to 12 decimals");

const versionFields = {
  effective_from: isoInstant
    .nullable()
    .optional()
    .describe(
      "when the version takes effect once approved; absent or null: the moment it is approved. May be in the past (after the version it replaces started): the response's affected_periods lists the rated periods it covers",
    ),
  note: text(1000).nullable().optional().describe("why the rates change, for the approver and the history"),
};

export const rateCardFields = {
  kind: z.enum(["default", "customer"]),
  currency: currencyCode.optional().describe("a default card's currency; a customer card takes the customer's"),
  customer: z.string().max(64).optional().describe("a customer card's customer: id or external id"),
  name: text(200).min(1).optional(),
  rates: ratesInput,
  ...versionFields,
};

export const rateCardVersionFields = {
  rates: ratesInput.optional().describe("the whole set of the new version's rates"),
  set: ratesInput.optional().describe("codes added or changed, on top of the latest approved version"),
  remove: z
    .array(z.string().max(64))
    .max(500)
    .optional()
    .describe("codes dropped (on a customer card: back to the default)"),
  ...versionFields,
};

export const rateCardParams = z.strictObject({ id: idOf("rc") });
export const rateCardVersionParams = z.strictObject({
  id: idOf("rc"),
  version: z.string().max(64).describe("a version id (rcv_…) or its number"),
});

const rateSchema = z.object({ value: z.string(), unit: z.string().nullable(), description: z.string().nullable() });
const rateSetSchema = z.record(z.string(), rateSchema);

const coveredPeriod = {
  customer: z.string(),
  period_start: z.string(),
  period_end: z.string(),
  invoice: z.string(),
};

const affectedPeriodsSchema = z
  .object({
    effective_from: z.string(),
    assessed_at: z.string(),
    finalized: z
      .array(z.object({ ...coveredPeriod, invoice_number: z.string().nullable(), invoice_status: z.string() }))
      .describe("periods on finalized invoices: never changed by Accrue; a person credits or adjusts them"),
    draft: z
      .array(z.object(coveredPeriod))
      .describe("periods on draft invoices: re-rated when the version is approved"),
  })
  .describe("AffectedPeriods");

export const rateCardVersionSchema = z
  .object({
    object: z.literal("rate_card_version"),
    id: z.string(),
    rate_card: z.string(),
    number: z.number().int(),
    status: z.enum(["draft", "pending_approval", "approved", "rejected"]),
    effective_from: z.string().nullable(),
    rates: rateSetSchema,
    note: z.string().nullable(),
    created_by: z.string(),
    edited_by: z.array(z.string()),
    approval: z.string().nullable(),
    approved_by: z.string().nullable(),
    approved_at: z.string().nullable(),
    affected_periods: affectedPeriodsSchema
      .nullable()
      .describe("a version starting before it was created or approved: the rated periods it covers, as last assessed"),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .describe("RateCardVersion");

export const rateCardSchema = z
  .object({
    object: z.literal("rate_card"),
    id: z.string(),
    kind: z.enum(["default", "customer"]),
    currency: z.string(),
    customer: z.string().nullable(),
    name: z.string(),
    version_in_force: rateCardVersionSchema.nullable(),
    open_version: rateCardVersionSchema.nullable(),
    created_at: z.string(),
  })
  .describe("RateCard");

const versionSummary = z.object({
  id: z.string(),
  number: z.number().int(),
  status: z.string(),
  effective_from: z.string().nullable(),
});

export const rateCardDiffSchema = z
  .object({
    object: z.literal("rate_card_diff"),
    rate_card: z.string(),
    from: versionSummary,
    to: versionSummary,
    added: z.array(z.object({ code: z.string(), rate: rateSchema })),
    removed: z.array(z.object({ code: z.string(), rate: rateSchema })),
    changed: z.array(
      z.object({
        code: z.string(),
        from: rateSchema,
        to: rateSchema,
        fields: z.array(z.enum(["value", "unit", "description"])),
      }),
    ),
    unchanged: z.number().int(),
  })
  .describe("RateCardDiff");

export const resolvedRatesSchema = z
  .object({
    object: z.literal("resolved_rates"),
    customer: z.string(),
    currency: z.string(),
    at: z.string(),
    rates: z.record(z.string(), z.string()),
    source: z.record(z.string(), z.enum(["default", "customer"])),
    details: rateSetSchema,
    versions: z.array(
      z.object({
        rate_card: z.string(),
        kind: z.enum(["default", "customer"]),
        version: z.string(),
        number: z.number().int(),
        effective_from: z.string(),
      }),
    ),
    version_ids: z.array(z.string()),
  })
  .describe("ResolvedRates");
