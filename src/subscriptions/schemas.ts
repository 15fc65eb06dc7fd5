import { z } from "zod";
import { amountString, idOf, isoInstant, metadata } from "../kernel/http.js";

/** Request and response shapes of the subscriptions routes. */

export const subscriptionParams = z.strictObject({ id: idOf("sub") });

const behavior = z
  .enum(["create_prorations", "always_invoice", "none"])
  .describe("create_prorations: lines join the next invoice; always_invoice: invoiced now; none: no proration");

const itemInput = z.strictObject({
  price: idOf("price"),
  quantity: amountString.optional().describe("units held, e.g. seats; default 1"),
});
const items = z.array(itemInput).min(1).max(20);

const anchor = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("anniversary") }),
  z.strictObject({ kind: z.literal("day_of_month"), day: z.number().int().min(1).max(31) }),
]);

export const createBody = z.strictObject({
  customer: z.string().min(1).max(64).describe("a cus_ id or the customer's external_id"),
  items,
  start_at: isoInstant.optional().describe("default now; in the past for migrated subscriptions"),
  billing_anchor: anchor.optional(),
  trial_days: z.number().int().min(0).max(730).optional().describe("default: the plan's trial"),
  trial_end: isoInstant.optional(),
  phases: z
    .array(z.strictObject({ starts_at: isoInstant, items }))
    .max(12)
    .optional()
    .describe("later phases, each listing every item from its start"),
  term_periods: z.number().int().min(1).max(120).optional(),
  auto_renew: z.boolean().optional(),
  seat_true_up: z.boolean().optional(),
  proration_behavior: behavior.optional(),
  metadata: metadata.optional(),
});

export const changeBody = z.strictObject({
  items,
  proration_behavior: behavior.optional(),
  timing: z.enum(["immediately", "at_period_end"]).optional(),
});

export const cancelBody = z
  .strictObject({
    at_period_end: z.boolean().optional(),
    proration_behavior: behavior.optional().describe("none cancels now without a credit for the unused time"),
  })
  .nullish();

export const emptyBody = z.strictObject({}).nullish();

export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  starting_after: z.string().max(64).optional(),
  ending_before: z.string().max(64).optional(),
  customer: idOf("cus").optional(),
  status: z.enum(["scheduled", "trialing", "active", "paused", "canceled"]).optional(),
});

const itemSchema = z.object({
  id: z.string(),
  price: z.string(),
  price_version: z.string(),
  quantity: z.string(),
  metered: z.boolean(),
  description: z.string(),
});

const intervalSchema = z.object({ unit: z.enum(["day", "week", "month", "year"]), count: z.number().int() });

export const subscriptionSchema = z.object({
  object: z.literal("subscription"),
  id: z.string(),
  customer: z.string(),
  plan: z.string(),
  status: z.enum(["scheduled", "trialing", "active", "paused", "canceled"]),
  currency: z.string(),
  interval: intervalSchema,
  billing_timing: z.enum(["in_advance", "in_arrears"]),
  time_zone: z.string(),
  billing_anchor: z.object({ kind: z.enum(["anniversary", "day_of_month"]), day: z.number().int().nullable() }),
  start_at: z.string(),
  trial_end: z.string().nullable(),
  billing_start: z.string(),
  current_period: z.object({ index: z.number().int(), start: z.string(), end: z.string() }).nullable(),
  term_periods: z.number().int().nullable(),
  current_term_end: z.string().nullable(),
  auto_renew: z.boolean(),
  seat_true_up: z.boolean(),
  proration_behavior: behavior.nullable(),
  ended_at: z.string().nullable(),
  canceled_at: z.string().nullable(),
  paused: z.boolean(),
  last_billed_period_index: z.number().int().nullable(),
  items: z.array(itemSchema),
  phases: z.array(
    z.object({
      id: z.string(),
      starts_at: z.string(),
      interval: intervalSchema.optional().describe("set when the phase moves to another interval"),
      items: z.array(itemSchema),
    }),
  ),
  metadata: z.record(z.string(), z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});

const lineSchema = z.object({
  description: z.string(),
  period_start: z.string(),
  period_end: z.string(),
  quantity: z.string(),
  unit_amount: z.string().nullable(),
  amount: z.string(),
  currency: z.string(),
  price: z.string(),
  price_version: z.string(),
  proration: z.boolean(),
  invoice_now: z.boolean(),
  explanation: z.string(),
});

export const previewSchema = z.object({
  object: z.literal("subscription_change_preview"),
  effective_at: z.string(),
  proration_behavior: behavior,
  items: z.array(itemSchema),
  lines: z.array(lineSchema),
  billing_cycle: z
    .object({
      starts_at: z.string(),
      interval: intervalSchema,
      billing_anchor: z.object({ kind: z.enum(["anniversary", "day_of_month"]), day: z.number().int().nullable() }),
      first_period: z.object({ index: z.number().int(), start: z.string(), end: z.string() }),
      lines: z.array(lineSchema),
    })
    .nullable()
    .describe("an interval change: the new billing cycle and the charge for its first period, billed as usual"),
});

export const changeSchema = z.object({
  object: z.literal("subscription_change"),
  id: z.string(),
  subscription: z.string(),
  kind: z.string(),
  effective_at: z.string(),
  proration_behavior: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  lines: z.unknown(),
  created_at: z.string(),
});
