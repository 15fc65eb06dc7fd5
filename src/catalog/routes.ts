import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../kernel/deps.js";
import { currencyCode, errorResponses, idOf, listOf, pageQuery, type RouteConfig } from "../kernel/http.js";
import { archiveCommitment, createCommitment, getCommitment, listCommitments } from "./commitment-service.js";
import { priceRoutes } from "./price-routes.js";
import { rateCardRoutes } from "./rate-card-routes.js";
import {
  commitmentFields,
  commitmentParams,
  commitmentSchema,
  planChanges,
  planFields,
  planParams,
  planSchema,
  productFields,
  productParams,
  productSchema,
} from "./schemas.js";
import {
  archivePlan,
  archiveProduct,
  createPlan,
  createProduct,
  getPlan,
  getProduct,
  listPlans,
  listProducts,
  updatePlan,
  updateProduct,
} from "./service.js";

/** The catalog's HTTP routes: reads need catalog:read, changes catalog:write. */

const read = { permission: "catalog:read" } satisfies RouteConfig;
const write = { permission: "catalog:write" } satisfies RouteConfig;
const tags = ["catalog"];
const status = z.enum(["active", "archived"]).optional();

function productRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/products",
      {
        config: read,
        schema: {
          tags,
          summary: "List products",
          querystring: pageQuery.extend({ status }),
          response: { 200: listOf(productSchema), ...errorResponses },
        },
      },
      async (request) => ({ object: "list" as const, ...(await listProducts(deps, request.query)) }),
    );

    app.post(
      "/v1/products",
      {
        config: write,
        schema: {
          tags,
          summary: "Create a product",
          body: z.strictObject(productFields),
          response: { 200: productSchema, ...errorResponses },
        },
      },
      async (request) => createProduct(deps, request.context, request.body),
    );

    app.get(
      "/v1/products/:id",
      {
        config: read,
        schema: {
          tags,
          summary: "Retrieve a product",
          params: productParams,
          response: { 200: productSchema, ...errorResponses },
        },
      },
      async (request) => getProduct(deps, request.params.id),
    );

    app.post(
      "/v1/products/:id",
      {
        config: write,
        schema: {
          tags,
          summary: "Update a product",
          description: "Fields left out stay as they are; null clears one; `metadata` replaces the whole set.",
          params: productParams,
          body: z.strictObject({ ...productFields, name: productFields.name.optional() }),
          response: { 200: productSchema, ...errorResponses },
        },
      },
      async (request) => updateProduct(deps, request.context, request.params.id, request.body),
    );

    app.post(
      "/v1/products/:id/archive",
      {
        config: write,
        schema: {
          tags,
          summary: "Archive a product",
          description: "It takes no new prices; its prices keep billing.",
          params: productParams,
          response: { 200: productSchema, ...errorResponses },
        },
      },
      async (request) => archiveProduct(deps, request.context, request.params.id),
    );
  };
}

function planRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/plans",
      {
        config: read,
        schema: {
          tags,
          summary: "List plans",
          querystring: pageQuery.extend({ status, currency: currencyCode.optional() }),
          response: { 200: listOf(planSchema), ...errorResponses },
        },
      },
      async (request) => ({ object: "list" as const, ...(await listPlans(deps, request.query)) }),
    );

    app.post(
      "/v1/plans",
      {
        config: write,
        schema: {
          tags,
          summary: "Create a plan",
          description: "Interval, currency and billing timing are fixed once the plan exists.",
          body: z.strictObject(planFields),
          response: { 200: planSchema, ...errorResponses },
        },
      },
      async (request) => createPlan(deps, request.context, request.body),
    );

    app.get(
      "/v1/plans/:id",
      {
        config: read,
        schema: {
          tags,
          summary: "Retrieve a plan",
          params: planParams,
          response: { 200: planSchema, ...errorResponses },
        },
      },
      async (request) => getPlan(deps, request.params.id),
    );

    app.post(
      "/v1/plans/:id",
      {
        config: write,
        schema: {
          tags,
          summary: "Update a plan",
          description: "Name, description, trial length (for subscriptions started from now on) and metadata.",
          params: planParams,
          body: z.strictObject(planChanges),
          response: { 200: planSchema, ...errorResponses },
        },
      },
      async (request) => updatePlan(deps, request.context, request.params.id, request.body),
    );

    app.post(
      "/v1/plans/:id/archive",
      {
        config: write,
        schema: {
          tags,
          summary: "Archive a plan",
          description: "It takes no new prices or subscriptions; running subscriptions keep it.",
          params: planParams,
          response: { 200: planSchema, ...errorResponses },
        },
      },
      async (request) => archivePlan(deps, request.context, request.params.id),
    );
  };
}

function commitmentRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/commitments",
      {
        config: read,
        schema: {
          tags,
          summary: "List commitments",
          querystring: pageQuery.extend({ plan: idOf("plan").optional(), customer: idOf("cus").optional(), status }),
          response: { 200: listOf(commitmentSchema), ...errorResponses },
        },
      },
      async (request) => ({ object: "list" as const, ...(await listCommitments(deps, request.query)) }),
    );

    app.post(
      "/v1/commitments",
      {
        config: write,
        schema: {
          tags,
          summary: "Create a minimum-spend commitment",
          description:
            "For everyone on a plan (`plan`), one customer (`customer`), or one customer on one plan (both). Invoicing bills the shortfall as a true-up line.",
          body: z.strictObject(commitmentFields),
          response: { 200: commitmentSchema, ...errorResponses },
        },
      },
      async (request) => createCommitment(deps, request.context, request.body),
    );

    app.get(
      "/v1/commitments/:id",
      {
        config: read,
        schema: {
          tags,
          summary: "Retrieve a commitment",
          params: commitmentParams,
          response: { 200: commitmentSchema, ...errorResponses },
        },
      },
      async (request) => getCommitment(deps, request.params.id),
    );

    app.post(
      "/v1/commitments/:id/archive",
      {
        config: write,
        schema: {
          tags,
          summary: "Archive a commitment",
          description: "No true-up from the next invoice on.",
          params: commitmentParams,
          response: { 200: commitmentSchema, ...errorResponses },
        },
      },
      async (request) => archiveCommitment(deps, request.context, request.params.id),
    );
  };
}

export function catalogRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(productRoutes(deps));
    await app.register(planRoutes(deps));
    await app.register(priceRoutes(deps));
    await app.register(commitmentRoutes(deps));
    await app.register(rateCardRoutes(deps));
  };
}
