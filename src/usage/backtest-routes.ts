import { Readable } from "node:stream";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../kernel/deps.js";
import { errorResponses, idOf, isoInstant, type RouteConfig, text } from "../kernel/http.js";
import { backtestCsv, backtestScriptVersion, getBacktest, ROWS_SHOWN } from "./backtest-service.js";

const read = { permission: "scripts:read" } satisfies RouteConfig;
const write = { permission: "scripts:write" } satisfies RouteConfig;
const tags = ["charge scripts"];

const figures = z.object({ quantity: z.string(), amount: z.string() });
const sideError = z
  .object({ code: z.string(), message: z.string(), line: z.number().nullable(), version: z.number().nullable() })
  .nullable();

const backtestSchema = z
  .object({
    object: z.literal("script_backtest"),
    id: z.string(),
    script: z.string(),
    version: z.string(),
    version_number: z.number().nullable(),
    version_status: z.string().nullable(),
    period_start: z.string(),
    period_end: z.string(),
    customer: z.string().nullable(),
    created_by: z.string(),
    created_at: z.string(),
    summary: z.object({
      customers: z.number(),
      events: z.number(),
      unrated_before: z.number(),
      unrated_after: z.number(),
      rows: z.number(),
      rows_changed: z.number(),
      errors_kept: z.number(),
      totals: z.array(
        z.object({
          currency: z.string(),
          amount_before: z.string(),
          amount_after: z.string(),
          amount_difference: z.string(),
        }),
      ),
    }),
    rows: z.object({
      object: z.literal("list"),
      data: z.array(
        z.object({
          position: z.number(),
          customer: z.string(),
          customer_external_id: z.string().nullable(),
          currency: z.string(),
          code: z.string(),
          dimensions: z.record(z.string(), z.string()),
          before: figures,
          after: figures,
          difference: figures,
        }),
      ),
      has_more: z.boolean(),
    }),
    errors: z.array(
      z.object({
        customer: z.string(),
        transaction_id: z.string().nullable(),
        timestamp: z.string().nullable(),
        before: sideError,
        after: sideError,
      }),
    ),
  })
  .describe("ScriptBacktest");

const runBody = z.strictObject({
  period_start: isoInstant,
  period_end: isoInstant.describe("exclusive"),
  customer: text(100).min(1).optional().describe("our id or the customer's external id; all when absent"),
});
const rowsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(ROWS_SHOWN),
  starting_after: z.coerce.number().int().min(0).optional().describe("the position of the last row seen"),
});

/** Backtests of charge-script versions: run one, page its rows, export them as CSV. */
export function backtestRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/v1/scripts/:id/versions/:version/backtest",
      {
        config: write,
        schema: {
          tags,
          summary: "Backtest a version over a past period",
          description:
            "Rates the period's stored events with this version and with the versions in force at each event's timestamp, each with the rate card in force then, and returns the difference per customer, charge code and dimensions. The result is kept (replacing this version's previous backtest).",
          params: z.strictObject({ id: idOf("scr"), version: idOf("scrv") }),
          body: runBody,
          response: { 200: backtestSchema, ...errorResponses },
        },
      },
      async (request) =>
        backtestScriptVersion(deps, request.context, {
          script: request.params.id,
          version: request.params.version,
          ...request.body,
        }),
    );
    app.get(
      "/v1/scripts/backtests/:id",
      {
        config: read,
        schema: {
          tags,
          summary: "A kept backtest and a page of its rows",
          params: z.strictObject({ id: idOf("btst") }),
          querystring: rowsQuery,
          response: { 200: backtestSchema, ...errorResponses },
        },
      },
      async (request) => getBacktest(deps, request.params.id, request.query),
    );
    app.get(
      "/v1/scripts/backtests/:id.csv",
      {
        config: read,
        schema: {
          tags,
          summary: "Every row of a backtest as CSV",
          params: z.strictObject({ id: idOf("btst") }),
        },
      },
      async (request, reply) => {
        const { id, lines } = await backtestCsv(deps, request.params.id);
        return reply
          .type("text/csv; charset=utf-8")
          .header("content-disposition", `attachment; filename="${id}.csv"`)
          .send(Readable.from(lines));
      },
    );
  };
}
