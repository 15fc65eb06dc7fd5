import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Temporal } from "temporal-polyfill";
import { z } from "zod";
import type { Deps } from "../kernel/deps.js";
import { errorResponses, idOf, listOf, pageQuery, type RouteConfig } from "../kernel/http.js";
import { parseInstant } from "../kernel/time.js";
import { parseQuantity } from "./model.js";
import {
  createPriceOverride,
  endPriceOverride,
  getPriceOverride,
  listPriceOverrides,
  previewPrice,
} from "./override-service.js";
import { archivePrice, createPrice, getPrice, listPrices, listPriceVersions, updatePrice } from "./price-service.js";
import {
  overrideFields,
  overrideParams,
  previewFields,
  priceChanges,
  priceFields,
  priceOverrideSchema,
  priceParams,
  pricePreviewSchema,
  priceSchema,
  priceVersionSchema,
} from "./schemas.js";

/** Prices, their versions, per-customer overrides and the preview. */

const read = { permission: "catalog:read" } satisfies RouteConfig;
const write = { permission: "catalog:write" } satisfies RouteConfig;
const tags = ["catalog"];

function instant(value: string | undefined, param: string): Temporal.Instant | undefined {
  return value === undefined ? undefined : parseInstant(value, param);
}

export function priceRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/prices",
      {
        config: read,
        schema: {
          tags,
          summary: "List prices",
          querystring: pageQuery.extend({
            product: idOf("prod").optional(),
            plan: idOf("plan").optional(),
            status: z.enum(["active", "archived"]).optional(),
            type: z.enum(["recurring", "one_off"]).optional(),
          }),
          response: { 200: listOf(priceSchema), ...errorResponses },
        },
      },
      async (request) => ({ object: "list" as const, ...(await listPrices(deps, request.query)) }),
    );

    app.post(
      "/v1/prices",
      {
        config: write,
        schema: {
          tags,
          summary: "Create a price",
          description:
            "A price belongs to a product and, when billed each period, to a plan; without a plan it is sold alone. Its charge model is in the main currency, with `currency_options` for others.",
          body: z.strictObject(priceFields),
          response: { 200: priceSchema, ...errorResponses },
        },
      },
      async (request) =>
        createPrice(deps, request.context, {
          ...request.body,
          effective_from: instant(request.body.effective_from, "effective_from"),
        }),
    );

    app.get(
      "/v1/prices/:id",
      {
        config: read,
        schema: {
          tags,
          summary: "Retrieve a price",
          params: priceParams,
          response: { 200: priceSchema, ...errorResponses },
        },
      },
      async (request) => getPrice(deps, request.params.id),
    );

    app.post(
      "/v1/prices/:id",
      {
        config: write,
        schema: {
          tags,
          summary: "Update a price",
          description:
            "New amounts (`charge_model`, `currency_options`) never change a version: they append one, effective from `effective_from` (default now, never earlier, and after the latest version). Subscriptions keep the version they were sold on.",
          params: priceParams,
          body: z.strictObject(priceChanges),
          response: { 200: priceSchema, ...errorResponses },
        },
      },
      async (request) =>
        updatePrice(deps, request.context, request.params.id, {
          ...request.body,
          effective_from: instant(request.body.effective_from, "effective_from"),
        }),
    );

    app.post(
      "/v1/prices/:id/archive",
      {
        config: write,
        schema: {
          tags,
          summary: "Archive a price",
          description: "Offered to no one new; subscriptions on it keep billing.",
          params: priceParams,
          response: { 200: priceSchema, ...errorResponses },
        },
      },
      async (request) => archivePrice(deps, request.context, request.params.id),
    );

    app.get(
      "/v1/prices/:id/versions",
      {
        config: read,
        schema: {
          tags,
          summary: "List a price's versions",
          description: "Newest first. Versions are immutable.",
          params: priceParams,
          querystring: pageQuery,
          response: { 200: listOf(priceVersionSchema), ...errorResponses },
        },
      },
      async (request) => ({
        object: "list" as const,
        ...(await listPriceVersions(deps, request.params.id, request.query)),
      }),
    );

    app.post(
      "/v1/prices/:id/preview",
      {
        config: write,
        schema: {
          tags,
          summary: "Preview what a quantity costs",
          description:
            "Rates a quantity with the version in effect (or the one named) and the customer's override, and explains the amount tier by tier. Writes nothing; needs catalog:write because it is a configuration tool.",
          params: priceParams,
          body: z.strictObject(previewFields),
          response: { 200: pricePreviewSchema, ...errorResponses },
        },
      },
      async (request) =>
        previewPrice(deps, request.params.id, {
          ...request.body,
          quantity: parseQuantity(request.body.quantity),
          at: instant(request.body.at, "at"),
        }),
    );

    app.post(
      "/v1/prices/:id/overrides",
      {
        config: write,
        schema: {
          tags,
          summary: "Give a customer their own amounts for a price",
          description:
            "A sparse patch over the price's amounts in one currency; the plan is not copied. From `effective_from` (default now) it replaces the customer's previous override of this price.",
          params: priceParams,
          body: z.strictObject(overrideFields),
          response: { 200: priceOverrideSchema, ...errorResponses },
        },
      },
      async (request) =>
        createPriceOverride(deps, request.context, request.params.id, {
          ...request.body,
          effective_from: instant(request.body.effective_from, "effective_from"),
        }),
    );

    app.get(
      "/v1/price_overrides",
      {
        config: read,
        schema: {
          tags,
          summary: "List price overrides",
          querystring: pageQuery.extend({ customer: idOf("cus").optional(), price: idOf("price").optional() }),
          response: { 200: listOf(priceOverrideSchema), ...errorResponses },
        },
      },
      async (request) => ({ object: "list" as const, ...(await listPriceOverrides(deps, request.query)) }),
    );

    app.get(
      "/v1/price_overrides/:id",
      {
        config: read,
        schema: {
          tags,
          summary: "Retrieve a price override",
          params: overrideParams,
          response: { 200: priceOverrideSchema, ...errorResponses },
        },
      },
      async (request) => getPriceOverride(deps, request.params.id),
    );

    app.post(
      "/v1/price_overrides/:id/end",
      {
        config: write,
        schema: {
          tags,
          summary: "End a price override",
          description: "From now on the customer pays the price's own amounts. The override stays in the history.",
          params: overrideParams,
          response: { 200: priceOverrideSchema, ...errorResponses },
        },
      },
      async (request) => endPriceOverride(deps, request.context, request.params.id),
    );
  };
}
