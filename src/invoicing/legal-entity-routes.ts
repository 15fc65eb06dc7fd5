import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { addressInput, TAX_ID_TYPES, taxIdInput } from "../customers/index.js";
import type { Deps } from "../kernel/deps.js";
import { errorResponses, listOf, type RouteConfig, text } from "../kernel/http.js";
import { createLegalEntity, getLegalEntity, listLegalEntities, updateLegalEntity } from "./legal-entity-service.js";

const read = { permission: "invoices:read" } satisfies RouteConfig;
const write = { permission: "invoices:configure" } satisfies RouteConfig;
const tags = ["legal entities"];

export const legalEntityId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "1 to 40 lower-case letters, digits and dashes, such as acme-uk")
  .describe('a legal entity\'s id, such as "default"');

const prefix = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,19}$/, "1 to 20 letters, digits or dashes")
  .describe('a number series prefix: "INV" gives INV-2026-000123');

const fields = {
  legal_name: text(256).describe("printed as the seller on invoices and credit notes"),
  address: addressInput.nullable().optional(),
  tax_ids: z.array(taxIdInput).max(10).optional().describe("the seller's VAT and other tax ids, printed on documents"),
  country: text(10).describe("ISO 3166-1 alpha-2: where the entity is established for VAT (reverse charge)"),
  email: text(254).nullable().optional(),
  phone: text(40).nullable().optional(),
  payment_instructions: text(2000).nullable().optional().describe("printed on every invoice under the totals"),
  invoice_prefix: prefix.optional().describe("defaults to INV; a new prefix starts its own series"),
  credit_note_prefix: prefix.optional().describe("defaults to CN; must differ from the invoice prefix"),
};

const createBody = z.strictObject({ id: legalEntityId, ...fields });
const updateBody = z.strictObject({
  ...fields,
  legal_name: fields.legal_name.optional(),
  country: fields.country.optional(),
});

const address = z.object({
  line1: z.string().nullable(),
  line2: z.string().nullable(),
  city: z.string().nullable(),
  region: z.string().nullable(),
  postal_code: z.string().nullable(),
  country: z.string(),
});

const legalEntitySchema = z
  .object({
    object: z.literal("legal_entity"),
    id: z.string(),
    legal_name: z.string(),
    address: address.nullable(),
    tax_ids: z.array(z.object({ type: z.enum(TAX_ID_TYPES), value: z.string(), country: z.string().nullable() })),
    country: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    payment_instructions: z.string().nullable(),
    invoice_prefix: z.string(),
    credit_note_prefix: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .describe("LegalEntity");

const params = z.strictObject({ id: legalEntityId });
const one = <T extends z.ZodType>(item: T) => ({ 200: item, ...errorResponses });

/** The companies that sell: the seller on documents and the owner of number series. */
export function legalEntityRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/legal_entities",
      {
        config: read,
        schema: {
          tags,
          summary: "List legal entities",
          description: "Every entity, by id, on one page: a company has a handful.",
          querystring: z.strictObject({}),
          response: one(listOf(legalEntitySchema)),
        },
      },
      async () => listLegalEntities(deps),
    );
    app.post(
      "/v1/legal_entities",
      {
        config: write,
        schema: {
          tags,
          summary: "Create a legal entity",
          description: "Refused with legal_entity_prefix_taken when another entity numbers with one of its prefixes.",
          body: createBody,
          response: one(legalEntitySchema),
        },
      },
      async (request) => createLegalEntity(deps, request.context, request.body),
    );
    app.get(
      "/v1/legal_entities/:id",
      { config: read, schema: { tags, summary: "A legal entity", params, response: one(legalEntitySchema) } },
      async (request) => getLegalEntity(deps, request.params.id),
    );
    app.post(
      "/v1/legal_entities/:id",
      {
        config: write,
        schema: {
          tags,
          summary: "Update a legal entity",
          description:
            "Drafts and previews show the change at once; finalized invoices and issued credit notes keep the seller they were issued with.",
          params,
          body: updateBody,
          response: one(legalEntitySchema),
        },
      },
      async (request) => updateLegalEntity(deps, request.context, request.params.id, request.body),
    );
  };
}
