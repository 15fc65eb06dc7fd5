import { z } from "zod";
import { amountString, currencyCode, idOf, isoInstant, metadata, text } from "../kernel/http.js";

/**
 * Request and response shapes of the catalog's routes. The charge model's
 * shape is checked here; whether it can rate correctly (tiers rising, the
 * last unbounded, percent up to 100) is the model's call (validateChargeModel).
 */

const statusSchema = z.enum(["active", "archived"]);
const minimum = {
  minimum_amount: amountString
    .optional()
    .describe("the least the line bills per period, in the currency's minor units; usage below it is lifted to it"),
};

const tierSchema = z.strictObject({
  up_to: amountString.nullable().describe("inclusive upper bound of the tier; null for the last, unbounded tier"),
  unit_amount: amountString.optional().describe("price of each unit in the tier (up to 12 decimals)"),
  flat_amount: amountString.optional().describe("charged once when the tier is reached"),
});
const tiers = z.array(tierSchema).min(1).max(250);

const chargeModelSchema = z
  .discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("flat"), amount: amountString, ...minimum }),
    z.strictObject({ kind: z.literal("per_unit"), unit_amount: amountString, ...minimum }),
    z.strictObject({ kind: z.literal("graduated"), tiers, ...minimum }),
    z.strictObject({ kind: z.literal("volume"), tiers, ...minimum }),
    z.strictObject({
      kind: z.literal("package"),
      package_amount: amountString.describe("price of one package"),
      package_size: z.number().int().min(1).max(1_000_000_000_000).describe("units in a package"),
      rounding: z.enum(["up", "down"]).optional().describe("partial packages: up (default) bills a whole one"),
      ...minimum,
    }),
    z.strictObject({
      kind: z.literal("percentage"),
      percent: amountString.describe("0 to 100, of each transaction's amount"),
      transaction_minimum_amount: amountString.optional().describe("the least fee per transaction"),
      transaction_maximum_amount: amountString.optional().describe("the most fee per transaction"),
      ...minimum,
    }),
  ])
  .describe("ChargeModel: how a quantity becomes an amount. Amounts are decimal strings.");

const currencyOptionsSchema = z
  .record(currencyCode, chargeModelSchema)
  .describe("the charge model in each other currency the price is sold in, keyed by ISO 4217 code");

const overridePatchSchema = z
  .strictObject({
    amount: amountString.optional(),
    unit_amount: amountString.optional(),
    package_amount: amountString.optional(),
    percent: amountString.optional(),
    transaction_minimum_amount: amountString.nullable().optional(),
    transaction_maximum_amount: amountString.nullable().optional(),
    minimum_amount: amountString.nullable().optional().describe("null removes the minimum for this customer"),
    tiers: z
      .record(
        z.string().regex(/^(0|[1-9][0-9]{0,2})$/, "a tier index counting from 0"),
        z.strictObject({ unit_amount: amountString.optional(), flat_amount: amountString.optional() }),
      )
      .optional()
      .describe('amounts of tiers by index from 0, e.g. {"1": {"unit_amount": "0.70"}}; boundaries stay the plan\'s'),
  })
  .describe("ChargeModelPatch: only the amounts that differ for this customer");

// ---------------------------------------------------------------- requests

export const productParams = z.strictObject({ id: idOf("prod") });
export const planParams = z.strictObject({ id: idOf("plan") });
export const priceParams = z.strictObject({ id: idOf("price") });
export const overrideParams = z.strictObject({ id: idOf("pov") });
export const commitmentParams = z.strictObject({ id: idOf("cmt") });

const name = text(200).min(1);
const optionalText = (max: number) => text(max).nullable().optional();

export const productFields = {
  name,
  description: optionalText(1000),
  unit_label: optionalText(40).describe('what a quantity counts, e.g. "seat" or "GB"'),
  tax_code: optionalText(64).describe("the tax category the tax table knows the product by"),
  metadata: metadata.optional(),
};

export const planFields = {
  name,
  description: optionalText(1000),
  interval: z.strictObject({
    unit: z.enum(["day", "week", "month", "year"]),
    count: z.number().int().min(1).max(1095),
  }),
  currency: currencyCode,
  billing_timing: z.enum(["in_advance", "in_arrears"]).describe("in_advance bills a period at its start"),
  trial_days: z.number().int().min(0).max(730).optional(),
  metadata: metadata.optional(),
};

export const planChanges = {
  name: name.optional(),
  description: planFields.description,
  trial_days: planFields.trial_days,
  metadata: planFields.metadata,
};

const effectiveFrom = isoInstant.optional().describe("when these amounts take effect; default now");

export const priceFields = {
  product: idOf("prod"),
  plan: idOf("plan").optional().describe("leave out for a price sold alone (one-off)"),
  nickname: optionalText(200),
  currency: currencyCode.optional().describe("the main currency; default the plan's"),
  charge_model: chargeModelSchema,
  currency_options: currencyOptionsSchema.optional(),
  billable_metric: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,63}$/, "a metric code: lower case letters, digits and _")
    .nullable()
    .optional()
    .describe("for metered prices: the code of the metric whose usage is the quantity"),
  effective_from: effectiveFrom,
  metadata: metadata.optional(),
};

export const priceChanges = {
  nickname: priceFields.nickname,
  metadata: priceFields.metadata,
  charge_model: chargeModelSchema.optional().describe("new amounts in the main currency: appends a version"),
  currency_options: currencyOptionsSchema.optional().describe("the whole set of other currencies: appends a version"),
  effective_from: effectiveFrom,
};

export const previewFields = {
  quantity: amountString.describe("units, or for a percentage price one transaction's amount"),
  currency: currencyCode.optional().describe("default the price's main currency"),
  customer: idOf("cus").optional().describe("apply this customer's override"),
  at: isoInstant.optional().describe("rate with the version and override in effect then; default now"),
  version: idOf("pv").optional().describe("rate with this version instead"),
};

export const overrideFields = {
  customer: idOf("cus"),
  currency: currencyCode.optional().describe("the currency of the patch's amounts; default the price's main one"),
  patch: overridePatchSchema,
  effective_from: effectiveFrom,
};

export const commitmentFields = {
  plan: idOf("plan").optional(),
  customer: idOf("cus").optional(),
  amount: amountString.describe("the committed minimum spend"),
  currency: currencyCode.optional().describe("default the plan's"),
  scope: z.enum(["period", "term"]).describe("per billing period, or over the subscription's whole term"),
  description: optionalText(500),
  metadata: metadata.optional(),
};

// ---------------------------------------------------------------- responses

const timestamps = { created_at: z.string(), updated_at: z.string() };

export const productSchema = z
  .object({
    object: z.literal("product"),
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    unit_label: z.string().nullable(),
    tax_code: z.string().nullable(),
    status: statusSchema,
    metadata: z.record(z.string(), z.string()),
    ...timestamps,
  })
  .describe("Product");

export const planSchema = z
  .object({
    object: z.literal("plan"),
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    interval: z.object({ unit: z.enum(["day", "week", "month", "year"]), count: z.number().int() }),
    currency: z.string(),
    billing_timing: z.enum(["in_advance", "in_arrears"]),
    trial_days: z.number().int(),
    status: statusSchema,
    metadata: z.record(z.string(), z.string()),
    ...timestamps,
  })
  .describe("Plan");

const amounts = {
  charge_model: chargeModelSchema,
  currency_options: z.record(z.string(), chargeModelSchema),
};

export const priceSchema = z
  .object({
    object: z.literal("price"),
    id: z.string(),
    product: z.string(),
    plan: z.string().nullable(),
    type: z.enum(["recurring", "one_off"]),
    nickname: z.string().nullable(),
    currency: z.string(),
    billable_metric: z.string().nullable(),
    status: statusSchema,
    metadata: z.record(z.string(), z.string()),
    version: z
      .object({ id: z.string(), effective_from: z.string() })
      .describe("the version whose amounts are shown: in effect now, or the first when none has started"),
    ...amounts,
    ...timestamps,
  })
  .describe("Price");

export const priceVersionSchema = z
  .object({
    object: z.literal("price_version"),
    id: z.string(),
    price: z.string(),
    effective_from: z.string(),
    currency: z.string(),
    ...amounts,
    created_at: z.string(),
  })
  .describe("PriceVersion");

export const priceOverrideSchema = z
  .object({
    object: z.literal("price_override"),
    id: z.string(),
    price: z.string(),
    customer: z.string(),
    currency: z.string(),
    patch: overridePatchSchema,
    effective_from: z.string(),
    ended_at: z.string().nullable(),
    created_at: z.string(),
  })
  .describe("PriceOverride");

export const commitmentSchema = z
  .object({
    object: z.literal("commitment"),
    id: z.string(),
    plan: z.string().nullable(),
    customer: z.string().nullable(),
    amount: z.string(),
    currency: z.string(),
    scope: z.enum(["period", "term"]),
    description: z.string().nullable(),
    status: statusSchema,
    metadata: z.record(z.string(), z.string()),
    ...timestamps,
  })
  .describe("Commitment");

export const pricePreviewSchema = z
  .object({
    object: z.literal("price_preview"),
    price: z.string(),
    version: z.string(),
    customer: z.string().nullable(),
    price_override: z.string().nullable(),
    currency: z.string(),
    quantity: z.string(),
    charge_model: chargeModelSchema.describe("the model rated, the customer's override included"),
    amount: z.string().describe("the line amount, rounded once to the currency"),
    unit_amount_effective: z.string().nullable(),
    tiers: z.array(
      z.object({
        tier_index: z.number().int(),
        from: z.string(),
        to: z.string().nullable(),
        quantity: z.string(),
        unit_amount: z.string(),
        flat_amount: z.string(),
        amount: z.string().describe("exact, before the line is rounded"),
      }),
    ),
    minimum_applied: z.object({ minimum_amount: z.string(), amount_before_minimum: z.string() }).nullable(),
    explanation: z.string(),
  })
  .describe("PricePreview");
