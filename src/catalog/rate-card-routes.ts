import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../kernel/deps.js";
import { currencyCode, errorResponses, listOf, pageQuery, type RouteConfig, text } from "../kernel/http.js";
import { parseInstant } from "../kernel/time.js";
import { approveRateCardVersion, requestRateCardApproval } from "./rate-card-approval.js";
import { resolvedRatesAt } from "./rate-card-resolve.js";
import {
  rateCardDiffSchema,
  rateCardFields,
  rateCardParams,
  rateCardSchema,
  rateCardVersionFields,
  rateCardVersionParams,
  rateCardVersionSchema,
  resolvedRatesSchema,
} from "./rate-card-schemas.js";
import {
  createRateCard,
  createRateCardVersion,
  getRateCard,
  getRateCardVersion,
  listRateCards,
  listRateCardVersions,
  rateCardDiff,
  updateRateCardDraft,
} from "./rate-card-service.js";

/** /v1/rate_cards: reads need catalog:read, drafts catalog:write, approving approvals:decide. */

const read = { permission: "catalog:read" } satisfies RouteConfig;
const write = { permission: "catalog:write" } satisfies RouteConfig;
const tags = ["rate cards"];

const startOf = (value: string | null | undefined) =>
  value === undefined ? undefined : value === null ? null : parseInstant(value, "effective_from");

export function rateCardRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/rate_cards",
      {
        config: read,
        schema: {
          tags,
          summary: "List rate cards",
          querystring: pageQuery.extend({
            kind: z.enum(["default", "customer"]).optional(),
            currency: currencyCode.optional(),
            customer: z.string().max(64).optional(),
          }),
          response: { 200: listOf(rateCardSchema), ...errorResponses },
        },
      },
      async (request) => ({ object: "list" as const, ...(await listRateCards(deps, request.query)) }),
    );

    app.post(
      "/v1/rate_cards",
      {
        config: write,
        schema: {
          tags,
          summary: "Create a rate card",
          description:
            "A default card (one per currency) or a customer's card holding only the codes it overrides. Its rates are version 1, a draft until approved.",
          body: z.strictObject(rateCardFields),
          response: { 200: z.object({ card: rateCardSchema, version: rateCardVersionSchema }), ...errorResponses },
        },
      },
      async (request) =>
        createRateCard(deps, request.context, {
          ...request.body,
          effective_from: startOf(request.body.effective_from) ?? undefined,
          note: request.body.note ?? undefined,
        }),
    );

    app.get(
      "/v1/rate_cards/resolved",
      {
        config: read,
        schema: {
          tags,
          summary: "The rates a customer is charged at an instant",
          description: "The default card's version in force, overlaid with the customer's, with the version ids used.",
          querystring: z.strictObject({
            customer: z.string().min(1).max(64),
            at: z.string().max(40).optional().describe("an ISO 8601 instant; default now"),
          }),
          response: { 200: resolvedRatesSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { customer, at } = request.query;
        return resolvedRatesAt(deps, customer, at === undefined ? deps.clock.now() : parseInstant(at, "at"));
      },
    );

    app.get(
      "/v1/rate_cards/:id",
      {
        config: read,
        schema: {
          tags,
          summary: "Retrieve a rate card",
          params: rateCardParams,
          response: { 200: rateCardSchema, ...errorResponses },
        },
      },
      async (request) => getRateCard(deps, request.params.id),
    );

    app.get(
      "/v1/rate_cards/:id/versions",
      {
        config: read,
        schema: {
          tags,
          summary: "A rate card's history",
          description: "Every version, oldest first: drafts, those waiting for approval, approved and rejected.",
          params: rateCardParams,
          response: { 200: listOf(rateCardVersionSchema), ...errorResponses },
        },
      },
      async (request) => ({
        object: "list" as const,
        data: await listRateCardVersions(deps, request.params.id),
        has_more: false,
      }),
    );

    app.post(
      "/v1/rate_cards/:id/versions",
      {
        config: write,
        schema: {
          tags,
          summary: "Start a new version (a draft)",
          description:
            "`set` and `remove` edit the latest approved version; `rates` replaces the whole set. One draft at a time per card.",
          params: rateCardParams,
          body: z.strictObject(rateCardVersionFields),
          response: { 200: rateCardVersionSchema, ...errorResponses },
        },
      },
      async (request) =>
        createRateCardVersion(deps, request.context, request.params.id, {
          ...request.body,
          effective_from: startOf(request.body.effective_from),
        }),
    );

    app.get(
      "/v1/rate_cards/:id/versions/:version",
      {
        config: read,
        schema: {
          tags,
          summary: "Retrieve a version",
          params: rateCardVersionParams,
          response: { 200: rateCardVersionSchema, ...errorResponses },
        },
      },
      async (request) => getRateCardVersion(deps, request.params.id, request.params.version),
    );

    app.post(
      "/v1/rate_cards/:id/versions/:version",
      {
        config: write,
        schema: {
          tags,
          summary: "Change a draft",
          description: "`set` and `remove` edit the draft's rates; only a draft changes.",
          params: rateCardVersionParams,
          body: z.strictObject(rateCardVersionFields),
          response: { 200: rateCardVersionSchema, ...errorResponses },
        },
      },
      async (request) =>
        updateRateCardDraft(deps, request.context, request.params.id, request.params.version, {
          ...request.body,
          effective_from: startOf(request.body.effective_from),
        }),
    );

    app.post(
      "/v1/rate_cards/:id/versions/:version/request_approval",
      {
        config: write,
        schema: {
          tags,
          summary: "Send a draft for approval",
          description:
            "Freezes the draft and asks for an approval; someone who did not edit it approves at /v1/approvals/{id}/approve.",
          params: rateCardVersionParams,
          response: {
            200: z.object({
              version: rateCardVersionSchema,
              approval: z.object({
                id: z.string(),
                object: z.literal("approval"),
                status: z.string(),
                summary: z.string(),
                requested_by: z.string(),
              }),
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => requestRateCardApproval(deps, request.context, request.params.id, request.params.version),
    );

    app.post(
      "/v1/rate_cards/:id/versions/:version/approve",
      {
        config: { permission: "approvals:decide" } satisfies RouteConfig,
        schema: {
          tags,
          summary: "Approve a version sent for approval",
          description:
            "Decides the version's pending approval (as /v1/approvals/{id}/approve does) and answers with the version: a backdated one lists in affected_periods the finalized periods it covers, left as invoiced, and the draft periods whose re-rating is queued.",
          params: rateCardVersionParams,
          body: z.strictObject({ comment: text(2000).optional() }).nullish(),
          response: {
            200: z.object({
              version: rateCardVersionSchema,
              approval: z.object({ id: z.string(), object: z.literal("approval"), status: z.string() }),
            }),
            ...errorResponses,
          },
        },
      },
      async (request) =>
        approveRateCardVersion(deps, request.context, request.params.id, request.params.version, request.body ?? {}),
    );

    app.get(
      "/v1/rate_cards/:id/diff",
      {
        config: read,
        schema: {
          tags,
          summary: "What changed between two versions",
          description:
            "`from` and `to` are version ids or numbers; default: the latest version against the one before it.",
          params: rateCardParams,
          querystring: z.strictObject({
            from: z.string().max(64).optional(),
            to: z.string().max(64).optional(),
          }),
          response: { 200: rateCardDiffSchema, ...errorResponses },
        },
      },
      async (request) => rateCardDiff(deps, request.params.id, request.query),
    );
  };
}
