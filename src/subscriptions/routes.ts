import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Temporal } from "temporal-polyfill";
import type { Deps } from "../kernel/deps.js";
import { errorResponses, listOf, pageQuery, type RouteConfig } from "../kernel/http.js";
import { parseInstant } from "../kernel/time.js";
import { cancelSubscription, changeItems, listChanges, previewChange } from "./changes.js";
import {
  createSubscription,
  getSubscription,
  listSubscriptions,
  pauseSubscription,
  resumeSubscription,
} from "./lifecycle.js";
import {
  cancelBody,
  changeBody,
  changeSchema,
  createBody,
  emptyBody,
  listQuery,
  subscriptionParams as params,
  previewSchema,
  subscriptionSchema,
} from "./schemas.js";

/** The subscriptions HTTP routes: reads need subscriptions:read, changes subscriptions:write. */

const read = { permission: "subscriptions:read" } satisfies RouteConfig;
const write = { permission: "subscriptions:write" } satisfies RouteConfig;
const tags = ["subscriptions"];
const response = { 200: subscriptionSchema, ...errorResponses };

function instant(value: string | undefined, param: string): Temporal.Instant | undefined {
  return value === undefined ? undefined : parseInstant(value, param);
}

export function subscriptionRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/subscriptions",
      {
        config: read,
        schema: {
          tags,
          summary: "List subscriptions",
          querystring: listQuery,
          response: { 200: listOf(subscriptionSchema), ...errorResponses },
        },
      },
      async (request) => ({ object: "list" as const, ...(await listSubscriptions(deps, request.query)) }),
    );

    app.post(
      "/v1/subscriptions",
      { config: write, schema: { tags, summary: "Create a subscription", body: createBody, response } },
      async (request) => {
        const { start_at, trial_end, phases, ...body } = request.body;
        return createSubscription(deps, request.context, {
          ...body,
          start_at: instant(start_at, "start_at"),
          trial_end: instant(trial_end, "trial_end"),
          phases: phases?.map((phase, i) => ({
            ...phase,
            starts_at: parseInstant(phase.starts_at, `phases[${i}].starts_at`),
          })),
        });
      },
    );

    app.get(
      "/v1/subscriptions/:id",
      { config: read, schema: { tags, summary: "Retrieve a subscription", params, response } },
      async (request) => getSubscription(deps, request.params.id),
    );

    app.post(
      "/v1/subscriptions/:id",
      {
        config: write,
        schema: { tags, summary: "Change items or quantities, with proration", params, body: changeBody, response },
      },
      async (request) => changeItems(deps, request.context, request.params.id, request.body),
    );

    app.post(
      "/v1/subscriptions/:id/preview_change",
      {
        config: write,
        schema: {
          tags,
          summary: "Preview a change's proration lines without making it",
          params,
          body: changeBody,
          response: { 200: previewSchema, ...errorResponses },
        },
      },
      async (request) => previewChange(deps, request.params.id, request.body),
    );

    app.post(
      "/v1/subscriptions/:id/cancel",
      { config: write, schema: { tags, summary: "Cancel now or at period end", params, body: cancelBody, response } },
      async (request) => cancelSubscription(deps, request.context, request.params.id, request.body ?? {}),
    );

    app.post(
      "/v1/subscriptions/:id/pause",
      { config: write, schema: { tags, summary: "Pause billing", params, body: emptyBody, response } },
      async (request) => pauseSubscription(deps, request.context, request.params.id),
    );

    app.post(
      "/v1/subscriptions/:id/resume",
      { config: write, schema: { tags, summary: "Resume billing", params, body: emptyBody, response } },
      async (request) => resumeSubscription(deps, request.context, request.params.id),
    );

    app.get(
      "/v1/subscriptions/:id/changes",
      {
        config: read,
        schema: {
          tags,
          summary: "A subscription's changes, newest first",
          params,
          querystring: pageQuery,
          response: { 200: listOf(changeSchema), ...errorResponses },
        },
      },
      async (request) => ({
        object: "list" as const,
        ...(await listChanges(deps, request.params.id, request.query)),
      }),
    );
  };
}
