import type { Readable } from "node:stream";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { errorBody, errorResponses, isoInstant, listOf, pageQuery, type RouteConfig } from "../kernel/http.js";
import { listEvents } from "./event-explorer.js";
import { eventApiId } from "./event-ids.js";
import { lineBatches, ndjsonLines } from "./event-ndjson.js";
import { listRejections, retryRejection } from "./event-rejections.js";
import {
  eventResultSchema,
  eventSchema,
  rejectionSchema,
  singleEventBody,
  usageSettingsSchema,
} from "./event-schemas.js";
import { getUsageSettings, updateUsageSettings } from "./event-settings.js";
import { findStoredEventId } from "./event-store.js";
import { ingestEvents, ingestItems } from "./ingest-service.js";
import { RATING_STATUSES } from "./rating-status-model.js";

const read = { permission: "usage:read" } satisfies RouteConfig;
const write = { permission: "usage:write" } satisfies RouteConfig;
const tags = ["usage"];

const BATCH_EVENTS_MAX = 10_000;
const STREAM_BATCH_SIZE = 2_000;
/** Rejected lines listed in a stream's response; all of them are kept in the rejections list. */
const STREAM_REJECTIONS_LISTED_MAX = 1_000;

const counts = z.object({
  received: z.number().int(),
  accepted: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.number().int(),
});

const batchResult = z.object({ object: z.literal("event_batch_result"), counts, results: z.array(eventResultSchema) });
const streamResult = z.object({
  object: z.literal("event_stream_result"),
  counts,
  rejected: z.array(
    z.object({ line: z.number().int(), code: z.string(), message: z.string(), field: z.string().optional() }),
  ),
  rejected_listed_all: z.boolean(),
});

export function eventRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    // The stream endpoint reads its body itself, line by line; nothing buffers it.
    app.addContentTypeParser("application/x-ndjson", (_request, payload, done) => done(null, payload));

    app.post(
      "/v1/events",
      {
        config: write,
        schema: {
          tags,
          summary: "Send one usage event",
          description:
            "201 with the new event's id when stored; 200 with the stored event's id when this customer already sent this `transaction_id` (nothing changes); 400 naming the field otherwise, and nothing is stored.",
          body: singleEventBody,
          response: { 201: eventResultSchema, 200: eventResultSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const outcome = await ingestEvents(deps, request.context, [request.body], { source: "api" });
        const result = outcome.results[0];
        if (result === undefined) throw new Error("ingestion returned no result");
        if (result.status === "rejected") {
          throw new DomainError(
            result.code,
            result.message,
            result.field === undefined ? undefined : { param: result.field },
          );
        }
        if (result.status === "accepted") return reply.code(201).send(result);
        const key = outcome.duplicate_keys.get(0);
        const existing =
          key === undefined ? null : await findStoredEventId(deps.db, key.customer_id, key.transaction_id);
        return reply.code(200).send(existing === null ? result : { ...result, id: eventApiId(existing) });
      },
    );

    app.post(
      "/v1/events/batch",
      {
        config: write,
        bodyLimit: 64 * 1024 * 1024,
        schema: {
          tags,
          summary: "Send up to 10,000 usage events",
          description:
            "Each event is judged on its own: `results` has one entry per event, in order (`index` from 0), accepted, duplicate or rejected with a code, message and field. Rejected events are also kept in the rejections list. More than 10,000 events: 413 and nothing is stored.",
          body: z.strictObject({ events: z.array(z.unknown()).min(1) }),
          response: { 200: batchResult, 413: errorBody, ...errorResponses },
        },
      },
      async (request, reply) => {
        const events = request.body.events;
        if (events.length > BATCH_EVENTS_MAX) {
          throw new DomainError(
            "event_batch_too_large",
            `at most ${BATCH_EVENTS_MAX} events per batch; send more through /v1/events/stream`,
            {
              param: "events",
            },
          );
        }
        const outcome = await ingestEvents(deps, request.context, events, { source: "batch" });
        // Serialized here: ten thousand results through the response schema cost more than the insert.
        return reply
          .code(200)
          .type("application/json")
          .send(
            JSON.stringify({ object: "event_batch_result", counts: outcome.counts, results: outcome.results }) as never,
          );
      },
    );

    app.post(
      "/v1/events/stream",
      {
        config: write,
        // No Idempotency-Key here: the response would need the whole body hashed and stored, and
        // dedup on (customer, transaction_id) already makes sending the same stream again safe.
        onRequest: async (request) => {
          delete request.headers["idempotency-key"];
        },
        schema: {
          tags,
          summary: "Stream usage events as NDJSON",
          description:
            "`Content-Type: application/x-ndjson`, one event per line, any size: read and stored in batches of 2,000 as it arrives. The response counts every line and lists the first 1,000 rejected lines (line number from 1, code); all rejected lines are kept in the rejections list.",
          response: { 200: streamResult, ...errorResponses },
        },
      },
      async (request, reply) => {
        if (request.headers["content-type"]?.split(";")[0]?.trim() !== "application/x-ndjson") {
          throw new DomainError("unsupported_media_type", "send the events as Content-Type: application/x-ndjson", {
            param: "Content-Type",
          });
        }
        const result = {
          object: "event_stream_result" as const,
          counts: { received: 0, accepted: 0, duplicates: 0, rejected: 0 },
          rejected: [] as z.infer<typeof streamResult>["rejected"],
          rejected_listed_all: true,
        };
        for await (const batch of lineBatches(ndjsonLines(request.body as Readable), STREAM_BATCH_SIZE)) {
          const outcome = await ingestItems(deps, request.context, batch.items, { source: "stream" });
          result.counts.received += outcome.counts.received;
          result.counts.accepted += outcome.counts.accepted;
          result.counts.duplicates += outcome.counts.duplicates;
          result.counts.rejected += outcome.counts.rejected;
          for (const entry of outcome.results) {
            if (entry.status !== "rejected") continue;
            if (result.rejected.length >= STREAM_REJECTIONS_LISTED_MAX) {
              result.rejected_listed_all = false;
              continue;
            }
            const listed = { line: entry.line ?? entry.index + 1, code: entry.code, message: entry.message };
            result.rejected.push(entry.field === undefined ? listed : { ...listed, field: entry.field });
          }
        }
        return reply.code(200).send(result);
      },
    );

    app.get(
      "/v1/events",
      {
        config: read,
        schema: {
          tags,
          summary: "Explore stored events",
          description:
            "Newest first by event time. `customer` is a `cus_…` id or external id; `from` (inclusive) and `to` (exclusive) bound the event time. Each event carries its `rating_status` and `rating` (charge count and amount, or the script's error and line). Filtered by `rating_status` rated, no_charge or pending, at most 5,000 events are read per request: a page can come back short with `has_more` true; follow `next_cursor`. Page with `cursor` = the previous page's `next_cursor`.",
          querystring: z.strictObject({
            limit: pageQuery.shape.limit,
            customer: z.string().min(1).max(255).optional(),
            type: z.string().min(1).max(100).optional(),
            from: isoInstant.optional(),
            to: isoInstant.optional(),
            cursor: z.string().max(200).optional(),
            rating_status: z
              .enum(RATING_STATUSES)
              .optional()
              .describe(
                "rated (has charges), unrated (the script failed on it), no_charge (rated, nothing emitted) or pending (not rated yet)",
              ),
          }),
          response: {
            200: listOf(eventSchema).extend({ next_cursor: z.string().nullable() }),
            ...errorResponses,
          },
        },
      },
      async (request) => ({ object: "list" as const, ...(await listEvents(deps, request.query)) }),
    );

    app.get(
      "/v1/events/rejections",
      {
        config: read,
        schema: {
          tags,
          summary: "List rejected events",
          description: "Newest first. Filter by `status` (open or resolved), `source`, `code` or `import_id`.",
          querystring: pageQuery.extend({
            status: z.enum(["open", "resolved"]).optional(),
            source: z.enum(["api", "batch", "stream", "import"]).optional(),
            code: z.string().max(64).optional(),
            import_id: z.string().max(64).optional(),
          }),
          response: { 200: listOf(rejectionSchema), ...errorResponses },
        },
      },
      async (request) => ({ object: "list" as const, ...(await listRejections(deps, request.query)) }),
    );

    app.post(
      "/v1/events/rejections/:id/retry",
      {
        config: write,
        schema: {
          tags,
          summary: "Retry a rejected event",
          description:
            "Ingests the stored event again, e.g. after creating its customer; send `event` to retry a corrected event instead. Stored (or found already stored): the rejection is resolved. Rejected again: it stays open with the new reason.",
          params: z.strictObject({ id: z.string().max(64) }),
          body: z.strictObject({ event: z.record(z.string(), z.unknown()).optional() }).nullish(),
          response: {
            200: z.object({ rejection: rejectionSchema, result: eventResultSchema }),
            ...errorResponses,
          },
        },
      },
      async (request) => retryRejection(deps, request.context, request.params.id, request.body?.event),
    );

    app.get(
      "/v1/usage/settings",
      {
        config: read,
        schema: {
          tags,
          summary: "Usage settings",
          querystring: z.strictObject({}),
          response: { 200: usageSettingsSchema, ...errorResponses },
        },
      },
      async () => getUsageSettings(deps),
    );

    app.post(
      "/v1/usage/settings",
      {
        config: write,
        schema: {
          tags,
          summary: "Change the usage settings",
          description:
            "`max_event_age_days`: older events are rejected with `event_too_old` (default 90). `retention_months`: months of events kept before whole months are dropped; null keeps them forever.",
          body: z.strictObject({
            max_event_age_days: z.number().int().min(1).max(3660).optional(),
            retention_months: z.number().int().min(1).max(1200).nullable().optional(),
          }),
          response: { 200: usageSettingsSchema, ...errorResponses },
        },
      },
      async (request) => updateUsageSettings(deps, request.context, request.body),
    );
  };
}
