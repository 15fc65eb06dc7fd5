import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { loadConfig } from "../kernel/config.js";
import type { Deps } from "../kernel/deps.js";
import { errorResponses, idOf, listOf, metadata, pageQuery, type RouteConfig, text } from "../kernel/http.js";
import { getWebhookDelivery, listWebhookDeliveries, resendWebhookDelivery, sendTestWebhook } from "./delivery.js";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookEndpoints,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  type WebhookSettings,
} from "./service.js";

const eventTypes = z
  .array(z.string().max(100))
  .min(1)
  .max(100)
  .describe('event types such as "invoice.finalized", or ["*"] for all');

const endpointSchema = z
  .object({
    object: z.literal("webhook_endpoint"),
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    enabled_events: z.array(z.string()),
    status: z.enum(["enabled", "disabled"]),
    metadata: z.record(z.string(), z.string()),
    signing_secrets: z.array(
      z.object({ last_four: z.string(), created_at: z.string(), expires_at: z.string().nullable() }),
    ),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .describe("WebhookEndpoint");

const endpointWithSecret = endpointSchema
  .extend({ secret: z.string().describe("whsec_…: shown only now; keep it to verify signatures") })
  .describe("WebhookEndpointWithSecret");

const deliverySchema = z
  .object({
    object: z.literal("webhook_delivery"),
    id: z.string(),
    endpoint_id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    state: z.enum(["pending", "succeeded", "failed", "exhausted"]),
    attempt_count: z.number().int(),
    first_attempt_at: z.string().nullable(),
    last_attempt_at: z.string().nullable(),
    next_attempt_at: z.string().nullable(),
    created_at: z.string(),
    attempts: z.array(
      z.object({
        attempt: z.number().int(),
        attempted_at: z.string(),
        status_code: z.number().int().nullable(),
        response_excerpt: z.string().nullable().describe("the first KiB of the response body"),
        duration_ms: z.number().int(),
        error: z.string().nullable(),
        succeeded: z.boolean(),
      }),
    ),
  })
  .describe("WebhookDelivery");

const endpointParams = z.strictObject({ id: idOf("we") });
const deliveryParams = z.strictObject({ id: idOf("whd") });
const manage = { permission: "webhooks:manage" } satisfies RouteConfig;
const tags = ["webhooks"];

const endpointFields = {
  url: z.string().max(2048).describe("https://… (http only outside production, or to loopback when allowed)"),
  enabled_events: eventTypes,
  description: text(500).optional(),
  status: z.enum(["enabled", "disabled"]).optional(),
  metadata: metadata.optional(),
};

export function webhookRoutes(
  deps: Deps,
  settings: WebhookSettings = { http: loadConfig().webhookHttp },
): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/webhook_endpoints",
      {
        config: manage,
        schema: {
          tags,
          summary: "List webhook endpoints",
          querystring: pageQuery,
          response: { 200: listOf(endpointSchema), ...errorResponses },
        },
      },
      async (request) => ({ object: "list" as const, ...(await listWebhookEndpoints(deps, request.query)) }),
    );

    app.post(
      "/v1/webhook_endpoints",
      {
        config: manage,
        schema: {
          tags,
          summary: "Create a webhook endpoint",
          description: "The response carries the signing secret; it is not shown again (rotate it to get a new one).",
          body: z.strictObject(endpointFields),
          response: { 200: endpointWithSecret, ...errorResponses },
        },
      },
      async (request) => createWebhookEndpoint(deps, request.context, request.body, settings),
    );

    app.get(
      "/v1/webhook_endpoints/:id",
      {
        config: manage,
        schema: {
          tags,
          summary: "Retrieve a webhook endpoint",
          params: endpointParams,
          response: { 200: endpointSchema, ...errorResponses },
        },
      },
      async (request) => getWebhookEndpoint(deps, request.params.id),
    );

    app.post(
      "/v1/webhook_endpoints/:id",
      {
        config: manage,
        schema: {
          tags,
          summary: "Update a webhook endpoint",
          description: "Fields left out stay as they are; `metadata` replaces the whole set.",
          params: endpointParams,
          body: z.strictObject({
            ...endpointFields,
            url: endpointFields.url.optional(),
            enabled_events: eventTypes.optional(),
          }),
          response: { 200: endpointSchema, ...errorResponses },
        },
      },
      async (request) => updateWebhookEndpoint(deps, request.context, request.params.id, request.body, settings),
    );

    app.delete(
      "/v1/webhook_endpoints/:id",
      {
        config: manage,
        schema: {
          tags,
          summary: "Delete a webhook endpoint",
          params: endpointParams,
          response: {
            200: z.object({ object: z.literal("webhook_endpoint"), id: z.string(), deleted: z.literal(true) }),
            ...errorResponses,
          },
        },
      },
      async (request) => deleteWebhookEndpoint(deps, request.context, request.params.id),
    );

    app.post(
      "/v1/webhook_endpoints/:id/rotate_secret",
      {
        config: manage,
        schema: {
          tags,
          summary: "Rotate the signing secret",
          description:
            "Returns the new secret. The previous secrets keep signing for `expire_previous_in_hours` (default 24; 0 stops them at once), so each delivery meanwhile carries one v1 signature per active secret.",
          params: endpointParams,
          body: z
            .strictObject({ expire_previous_in_hours: z.number().int().min(0).max(168).default(24) })
            .default({ expire_previous_in_hours: 24 }),
          response: { 200: endpointWithSecret, ...errorResponses },
        },
      },
      async (request) =>
        rotateWebhookSecret(deps, request.context, request.params.id, request.body.expire_previous_in_hours),
    );

    app.get(
      "/v1/webhook_endpoints/:id/deliveries",
      {
        config: manage,
        schema: {
          tags,
          summary: "The endpoint's delivery log",
          description:
            "Newest first; each delivery lists its attempts with status code, the first KiB of the response, duration and error.",
          params: endpointParams,
          querystring: pageQuery,
          response: { 200: listOf(deliverySchema), ...errorResponses },
        },
      },
      async (request) => ({
        object: "list" as const,
        ...(await listWebhookDeliveries(deps, request.params.id, request.query)),
      }),
    );

    app.post(
      "/v1/webhook_endpoints/:id/test",
      {
        config: manage,
        schema: {
          tags,
          summary: "Send a ping event now",
          params: endpointParams,
          response: { 200: deliverySchema, ...errorResponses },
        },
      },
      async (request) => sendTestWebhook(deps, request.context, request.params.id),
    );

    app.get(
      "/v1/webhook_deliveries/:id",
      {
        config: manage,
        schema: {
          tags,
          summary: "Retrieve a webhook delivery",
          params: deliveryParams,
          response: { 200: deliverySchema, ...errorResponses },
        },
      },
      async (request) => getWebhookDelivery(deps, request.params.id),
    );

    app.post(
      "/v1/webhook_deliveries/:id/resend",
      {
        config: manage,
        schema: {
          tags,
          summary: "Send a delivery again now",
          description: "Works in any state, exhausted included; the attempt is added to the log.",
          params: deliveryParams,
          response: { 200: deliverySchema, ...errorResponses },
        },
      },
      async (request) => resendWebhookDelivery(deps, request.context, request.params.id),
    );
  };
}
