import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { Temporal } from "temporal-polyfill";
import { z } from "zod";
import type { Deps } from "../kernel/deps.js";
import { errorResponses, isoInstant, listOf, metadata, pageQuery, type RouteConfig, text } from "../kernel/http.js";
import { METER_AGGREGATIONS } from "./meter-model.js";
import { archiveMeter, backfillMeter, createMeter, getMeter, listMeters, updateMeter } from "./meter-service.js";
import { customerUsage } from "./meter-usage.js";

const read = { permission: "usage:read" } satisfies RouteConfig;
const write = { permission: "usage:write" } satisfies RouteConfig;
const tags = ["meters and usage"];

const property = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "a top-level property name such as warehouse");
const filter = z.discriminatedUnion("operator", [
  z.strictObject({ property, operator: z.literal("equals"), value: z.string().min(1).max(200) }),
  z.strictObject({ property, operator: z.literal("in"), values: z.array(z.string().min(1).max(200)).min(1).max(100) }),
]);
const definition = {
  event_type: z.string().min(1).max(100).describe("the events this meter reads, such as inventory.snapshot"),
  filters: z.array(filter).max(20).optional().describe("every filter must match; values compare as text"),
  aggregation: z.enum(METER_AGGREGATIONS),
  value_property: property.nullable().optional().describe("the number aggregated; none for count"),
  group_by: z.array(property).max(5).optional().describe("usage is reported per combination of these properties"),
};
const code = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, "lower case letters, digits and _, such as pallet_days")
  .describe("what metered prices name as their billable_metric");

const createBody = z.strictObject({
  code,
  name: text(200).min(1),
  description: text(2000).nullable().optional(),
  ...definition,
  metadata: metadata.optional(),
});
const updateBody = z.strictObject({
  name: text(200).min(1).optional(),
  description: text(2000).nullable().optional(),
  ...definition,
  event_type: definition.event_type.optional(),
  aggregation: definition.aggregation.optional(),
  metadata: metadata.optional(),
  reproject_from: isoInstant
    .optional()
    .describe("with a change of definition: rebuild values from here on (default all)"),
});
const backfillBody = z.strictObject({ from: isoInstant.optional(), to: isoInstant.optional() });

const meterSchema = z
  .object({
    object: z.literal("meter"),
    id: z.string(),
    code: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    event_type: z.string(),
    filters: z.array(z.record(z.string(), z.unknown())),
    aggregation: z.enum(METER_AGGREGATIONS),
    value_property: z.string().nullable(),
    group_by: z.array(z.string()),
    version: z.number(),
    status: z.enum(["active", "archived"]),
    metadata: z.record(z.string(), z.string()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .describe("Meter");

const backfillSchema = z.object({
  object: z.literal("meter_backfill"),
  meter: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  values_removed: z.number(),
  values_written: z.number(),
});

const usageSchema = z
  .object({
    object: z.literal("usage"),
    customer: z.string(),
    period: z.object({
      start: z.string(),
      end: z.string(),
      source: z.enum(["range", "subscription_period", "calendar_month"]),
      subscription: z.string().nullable(),
    }),
    data: z.array(
      z.object({
        meter: z.string(),
        code: z.string(),
        name: z.string(),
        aggregation: z.enum(METER_AGGREGATIONS),
        quantity: z.string(),
        groups: z.array(z.object({ group: z.record(z.string(), z.string().nullable()), quantity: z.string() })),
      }),
    ),
  })
  .describe("Usage");

const params = z.strictObject({ id: z.string().min(1).max(64).describe("the meter's id (mtr_…) or code") });
const customerParams = z.strictObject({
  id: z.string().min(1).max(255).describe("the customer's cus_ id or external id"),
});
const usageQuery = z.strictObject({
  meter: z.string().min(1).max(64).optional().describe("a meter's id or code; default every active meter"),
  from: isoInstant.optional(),
  to: isoInstant.optional(),
  period: z.literal("current").optional().describe("this period so far, instead of from and to"),
});
const one = <T extends z.ZodType>(item: T) => ({ 200: item, ...errorResponses });
const instant = (value: string | undefined) => (value === undefined ? undefined : Temporal.Instant.from(value));

function definitionOf<T extends { filters?: unknown; value_property?: unknown; group_by?: unknown }>(body: T) {
  return { ...body, filters: body.filters as never, group_by: body.group_by as never };
}

/** Meters (/v1/meters) and a customer's usage (/v1/customers/{id}/usage). */
export function meterRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/meters",
      {
        config: read,
        schema: {
          tags,
          summary: "List meters",
          querystring: pageQuery.extend({
            status: z.enum(["active", "archived"]).optional(),
            event_type: z.string().max(100).optional(),
          }),
          response: one(listOf(meterSchema)),
        },
      },
      async (request) => listMeters(deps, request.query),
    );
    app.post(
      "/v1/meters",
      {
        config: write,
        schema: {
          tags,
          summary: "Create a meter",
          description: "The events already stored are projected onto the new meter in the same request.",
          body: createBody,
          response: one(meterSchema),
        },
      },
      async (request) => createMeter(deps, request.context, definitionOf(request.body)),
    );
    app.get(
      "/v1/meters/:id",
      { config: read, schema: { tags, summary: "A meter", params, response: one(meterSchema) } },
      async (request) => getMeter(deps, request.params.id),
    );
    app.post(
      "/v1/meters/:id",
      {
        config: write,
        schema: {
          tags,
          summary: "Update a meter",
          description:
            "A change to what the meter measures (event type, filters, aggregation, value property, groups) is a new version: its values from `reproject_from` on (default: all) are rebuilt from the stored events.",
          params,
          body: updateBody,
          response: one(meterSchema),
        },
      },
      async (request) =>
        updateMeter(deps, request.context, request.params.id, {
          ...definitionOf(request.body),
          reproject_from: instant(request.body.reproject_from),
        }),
    );
    app.post(
      "/v1/meters/:id/archive",
      {
        config: write,
        schema: {
          tags,
          summary: "Archive a meter",
          params,
          body: z.strictObject({}).optional(),
          response: one(meterSchema),
        },
      },
      async (request) => archiveMeter(deps, request.context, request.params.id),
    );
    app.post(
      "/v1/meters/:id/backfill",
      {
        config: write,
        schema: {
          tags,
          summary: "Re-project stored events onto a meter",
          description: "Rebuilds the meter's values in [from, to) (default: all) from the stored events.",
          params,
          body: backfillBody,
          response: one(backfillSchema),
        },
      },
      async (request) =>
        backfillMeter(deps, request.context, request.params.id, {
          from: instant(request.body.from),
          to: instant(request.body.to),
        }),
    );
    app.get(
      "/v1/customers/:id/usage",
      {
        config: read,
        schema: {
          tags,
          summary: "A customer's usage per meter",
          description:
            "Over [from, to), or `period=current`: the current period of the customer's subscription, else the calendar month in the customer's time zone.",
          params: customerParams,
          querystring: usageQuery,
          response: one(usageSchema),
        },
      },
      async (request) =>
        customerUsage(deps, request.params.id, {
          ...request.query,
          from: instant(request.query.from),
          to: instant(request.query.to),
        }),
    );
  };
}
