import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../kernel/deps.js";
import { errorResponses, idOf, isoInstant, listOf, pageQuery, type RouteConfig, text } from "../kernel/http.js";
import { advanceTestClock } from "./advance.js";
import { createTestClock, deleteTestClock, getTestClock, listTestClocks } from "./service.js";

const read = { permission: "customers:read" } satisfies RouteConfig;
const manage = { permission: "clocks:manage" } satisfies RouteConfig;
const tags = ["test clocks"];

const clockSchema = z
  .object({
    object: z.literal("test_clock"),
    id: z.string(),
    name: z.string(),
    frozen_time: z.string().describe("the clock's current time; its customers live at this instant"),
    status: z.enum(["ready", "advancing", "deleted"]),
    customer_count: z.number().int(),
    created_at: z.string(),
  })
  .describe("TestClock");

const one = { 200: clockSchema, ...errorResponses };
const params = z.strictObject({ id: idOf("clock") });

/** Test clocks: frozen time for a set of customers, advanced on demand. */
export function testClockRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/v1/test_clocks",
      {
        config: manage,
        schema: {
          tags,
          summary: "Create a test clock at a frozen time",
          body: z.strictObject({
            name: text(200).min(1),
            frozen_time: isoInstant.describe("where the clock starts, e.g. 2026-01-01T08:00:00Z"),
          }),
          response: one,
        },
      },
      async (request) => createTestClock(deps, request.context, request.body),
    );
    app.get(
      "/v1/test_clocks",
      {
        config: read,
        schema: {
          tags,
          summary: "List test clocks, newest first",
          querystring: pageQuery,
          response: { 200: listOf(clockSchema), ...errorResponses },
        },
      },
      async (request) => ({ object: "list" as const, ...(await listTestClocks(deps, request.query)) }),
    );
    app.get(
      "/v1/test_clocks/:id",
      { config: read, schema: { tags, summary: "A test clock", params, response: one } },
      async (request) => getTestClock(deps, request.params.id),
    );
    app.post(
      "/v1/test_clocks/:id/advance",
      {
        config: manage,
        schema: {
          tags,
          summary: "Advance a test clock, running everything due in between in order",
          description:
            "Forward only, and at most two intervals of the shortest subscription on the clock's customers (two years without one).",
          params,
          body: z.strictObject({ frozen_time: isoInstant.describe("the clock's new time") }),
          response: one,
        },
      },
      async (request) => advanceTestClock(deps, request.context, request.params.id, request.body),
    );
    app.delete(
      "/v1/test_clocks/:id",
      {
        config: manage,
        schema: {
          tags,
          summary: "Delete a test clock with its customers and everything tied to them",
          params,
          response: one,
        },
      },
      async (request) => deleteTestClock(deps, request.context, request.params.id),
    );
  };
}
