import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../kernel/deps.js";
import {
  amountString,
  errorResponses,
  idOf,
  isoDate,
  listOf,
  pageQuery,
  type RouteConfig,
  text,
} from "../kernel/http.js";
import { createTaxRate, getTaxRate, listTaxRates, updateTaxRate } from "./tax-rate-service.js";

const read = { permission: "catalog:read" } satisfies RouteConfig;
const write = { permission: "catalog:write" } satisfies RouteConfig;
const tags = ["tax rates"];

const countryCode = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as "FR"');

const createBody = z.strictObject({
  country: countryCode,
  region: z
    .string()
    .regex(/^[A-Z0-9]{1,3}$/, 'the ISO 3166-2 subdivision after the country, e.g. "CA" for US-CA')
    .nullable()
    .optional(),
  percentage: amountString.describe('percent, "20" for 20 %'),
  name: text(60).min(1).describe('printed beside the tax: "VAT", "GST"'),
  inclusive: z.boolean().optional().describe("prices billed under this rate already include the tax; default false"),
  effective_from: isoDate.describe("first day in force, inclusive"),
  effective_to: isoDate.nullable().optional().describe("the day the rate stops (exclusive); null while in force"),
});

const updateBody = z.strictObject({
  name: text(60).min(1).optional(),
  effective_to: isoDate.nullable().optional().describe("end the rate: the day the next one starts"),
});

const listQuery = pageQuery.extend({
  country: countryCode.optional(),
  active_on: isoDate.optional().describe("only rates in force on this day"),
});

const taxRateSchema = z
  .object({
    object: z.literal("tax_rate"),
    id: z.string(),
    country: z.string(),
    region: z.string().nullable(),
    percentage: z.string(),
    name: z.string(),
    inclusive: z.boolean(),
    effective_from: z.string(),
    effective_to: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .describe("TaxRate");

const params = z.strictObject({ id: idOf("txr") });
const one = <T extends z.ZodType>(item: T) => ({ 200: item, ...errorResponses });

/** The tax rate table: one row per rate and period; a rate change is a new row. */
export function taxRateRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/v1/tax_rates",
      {
        config: write,
        schema: {
          tags,
          summary: "Create a tax rate",
          description:
            "Refused with tax_rate_overlap when another rate of the same place is in force on any of its days.",
          body: createBody,
          response: one(taxRateSchema),
        },
      },
      async (request) => createTaxRate(deps, request.context, request.body),
    );
    app.get(
      "/v1/tax_rates",
      {
        config: read,
        schema: { tags, summary: "List tax rates", querystring: listQuery, response: one(listOf(taxRateSchema)) },
      },
      async (request) => {
        const { country, active_on, ...page } = request.query;
        return { object: "list" as const, ...(await listTaxRates(deps, { country, active_on }, page)) };
      },
    );
    app.get(
      "/v1/tax_rates/:id",
      { config: read, schema: { tags, summary: "A tax rate", params, response: one(taxRateSchema) } },
      async (request) => getTaxRate(deps, request.params.id),
    );
    app.post(
      "/v1/tax_rates/:id",
      {
        config: write,
        schema: {
          tags,
          summary: "Rename or end a tax rate",
          description: "The percentage and dates a rate started with never change: a new rate is a new row.",
          params,
          body: updateBody,
          response: one(taxRateSchema),
        },
      },
      async (request) => updateTaxRate(deps, request.context, request.params.id, request.body),
    );
  };
}
