import { z } from "zod";
import { RATING_STATUSES } from "./rating-status-model.js";

/** Request and response shapes of the event routes (also the OpenAPI document's). */

/** Types only: lengths, the timestamp and the rest are checked by event-model.ts, the same for every path in. */
export const singleEventBody = z.strictObject({
  transaction_id: z.string().describe("your unique id for this event, 1-255 characters; sending it again is a no-op"),
  customer: z.string().describe("the customer's `cus_…` id or your external id for it"),
  type: z.string().describe("what happened, e.g. `order.shipped`"),
  timestamp: z.string().describe("when it happened: ISO 8601 with an offset, e.g. 2026-11-02T14:05:00Z"),
  properties: z.record(z.string(), z.unknown()).optional().describe("the event's data; {} when left out"),
});

export const eventResultSchema = z.object({
  index: z.number().int(),
  line: z.number().int().optional(),
  status: z.enum(["accepted", "duplicate", "rejected"]),
  id: z.string().optional().describe("uev_…: the stored event (accepted, or the one a duplicate repeats)"),
  code: z.string().optional(),
  message: z.string().optional(),
  field: z.string().optional(),
});

export const eventSchema = z.object({
  object: z.literal("event"),
  id: z.string(),
  customer: z.string(),
  transaction_id: z.string(),
  type: z.string(),
  timestamp: z.string(),
  properties: z.record(z.string(), z.unknown()),
  received_at: z.string(),
  source: z.string(),
  rating_status: z.enum(RATING_STATUSES),
  rating: z.object({
    charges: z.number().int().describe("the event's charges in the latest rating"),
    amount: z.string().nullable().describe("their sum, null without charges"),
    currency: z.string().nullable(),
    error: z
      .object({
        code: z.string(),
        message: z.string(),
        script_line: z.number().int().nullable(),
        script_version: z.string(),
      })
      .nullable()
      .describe("why the script could not rate it (unrated only)"),
  }),
});

export const rejectionSchema = z.object({
  object: z.literal("event_rejection"),
  id: z.string(),
  source: z.enum(["api", "batch", "stream", "import"]),
  import_id: z.string().nullable(),
  line: z.number().int().nullable(),
  raw: z.string(),
  code: z.string(),
  message: z.string(),
  field: z.string().nullable(),
  received_at: z.string(),
  retry_count: z.number().int(),
  status: z.enum(["open", "resolved"]),
  resolved_at: z.string().nullable(),
  event: z.string().nullable(),
});

export const usageSettingsSchema = z.object({
  object: z.literal("usage_settings"),
  max_event_age_days: z.number().int(),
  retention_months: z.number().int().nullable(),
  updated_at: z.string().nullable(),
});
