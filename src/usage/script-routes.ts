import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { Temporal } from "temporal-polyfill";
import { z } from "zod";
import type { Deps } from "../kernel/deps.js";
import {
  currencyCode,
  errorResponses,
  idOf,
  isoInstant,
  listOf,
  pageQuery,
  type RouteConfig,
  text,
} from "../kernel/http.js";
import { assignScript, customerScript, requestPublish, scriptVersionAt } from "./script-publishing.js";
import {
  scriptSchema,
  scriptWithVersionsSchema,
  sourceInput,
  testCasesInput,
  testRunSchema,
  versionSchema,
} from "./script-schemas.js";
import {
  createScript,
  createVersion,
  deleteVersion,
  getScript,
  getVersion,
  listScripts,
  listVersions,
  testVersion,
  updateScript,
  updateVersion,
} from "./script-service.js";

const read = { permission: "scripts:read" } satisfies RouteConfig;
const write = { permission: "scripts:write" } satisfies RouteConfig;
const publish = { permission: "scripts:publish" } satisfies RouteConfig;
const tags = ["charge scripts"];

const scriptParams = z.strictObject({ id: idOf("scr") });
const versionParams = z.strictObject({ id: idOf("scr"), version: idOf("scrv") });
const one = <T extends z.ZodType>(item: T) => ({ 200: item, ...errorResponses });

const scriptFields = {
  description: text(2000).nullable().optional(),
  currency: currencyCode.nullable().optional().describe("the currency its rate cards price in, when only one"),
  is_default: z
    .boolean()
    .optional()
    .describe("rates customers that have no script assigned; at most one script is the default"),
};
const createBody = z.strictObject({ name: text(100).min(1), ...scriptFields });
const versionBody = z.strictObject({
  source: sourceInput,
  notes: text(2000).nullable().optional(),
  test_cases: testCasesInput.optional(),
});
const versionChanges = versionBody.partial();

const assignmentSchema = z
  .object({
    object: z.literal("charge_script_assignment"),
    customer: z.string(),
    script: z.string().nullable(),
    source: z.enum(["assigned", "default", "none"]),
  })
  .describe("ChargeScriptAssignment");

const publishResult = z
  .object({
    object: z.literal("script_publish_request"),
    version: versionSchema,
    approval: z.object({ object: z.literal("approval"), id: z.string(), status: z.string(), summary: z.string() }),
  })
  .describe("ScriptPublishRequest");

function scriptRoutesOf(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/scripts",
      {
        config: read,
        schema: { tags, summary: "List charge scripts", querystring: pageQuery, response: one(listOf(scriptSchema)) },
      },
      async (request) => listScripts(deps, request.query),
    );
    app.post(
      "/v1/scripts",
      {
        config: write,
        schema: { tags, summary: "Create a charge script", body: createBody, response: one(scriptSchema) },
      },
      async (request) => createScript(deps, request.context, request.body),
    );
    app.get(
      "/v1/scripts/:id",
      {
        config: read,
        schema: {
          tags,
          summary: "A charge script and its versions",
          params: scriptParams,
          response: one(scriptWithVersionsSchema),
        },
      },
      async (request) => getScript(deps, request.params.id),
    );
    app.post(
      "/v1/scripts/:id",
      {
        config: write,
        schema: {
          tags,
          summary: "Update a charge script",
          params: scriptParams,
          body: z.strictObject(scriptFields),
          response: one(scriptSchema),
        },
      },
      async (request) => updateScript(deps, request.context, request.params.id, request.body),
    );
    app.get(
      "/v1/scripts/:id/version_at",
      {
        config: read,
        schema: {
          tags,
          summary: "The version in effect at an instant",
          description:
            "The published or superseded version with the latest effective_from at or before `at`: the one that rates an event with that timestamp.",
          params: scriptParams,
          querystring: z.strictObject({ at: isoInstant }),
          response: one(versionSchema),
        },
      },
      async (request) => scriptVersionAt(deps, request.params.id, Temporal.Instant.from(request.query.at)),
    );
  };
}

function versionRoutesOf(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/scripts/:id/versions",
      {
        config: read,
        schema: {
          tags,
          summary: "List a script's versions",
          params: scriptParams,
          response: one(listOf(versionSchema)),
        },
      },
      async (request) => listVersions(deps, request.params.id),
    );
    app.post(
      "/v1/scripts/:id/versions",
      {
        config: write,
        schema: {
          tags,
          summary: "Draft a new version",
          description:
            "Compiles the source (a syntax error is script_syntax_error with its line) and runs the test cases; the results are on the version.",
          params: scriptParams,
          body: versionBody,
          response: one(versionSchema),
        },
      },
      async (request) => createVersion(deps, request.context, request.params.id, request.body),
    );
    app.get(
      "/v1/scripts/:id/versions/:version",
      {
        config: read,
        schema: { tags, summary: "A script version", params: versionParams, response: one(versionSchema) },
      },
      async (request) => getVersion(deps, request.params.id, request.params.version),
    );
    app.post(
      "/v1/scripts/:id/versions/:version",
      {
        config: write,
        schema: {
          tags,
          summary: "Edit a draft version",
          description: "Only drafts change; the test cases run again.",
          params: versionParams,
          body: versionChanges,
          response: one(versionSchema),
        },
      },
      async (request) => updateVersion(deps, request.context, request.params.id, request.params.version, request.body),
    );
    app.delete(
      "/v1/scripts/:id/versions/:version",
      {
        config: write,
        schema: {
          tags,
          summary: "Delete a draft version",
          params: versionParams,
          response: one(z.object({ object: z.literal("script_version"), id: z.string(), deleted: z.literal(true) })),
        },
      },
      async (request) => deleteVersion(deps, request.context, request.params.id, request.params.version),
    );
    app.post(
      "/v1/scripts/:id/versions/:version/test",
      {
        // Runs code (in the sandbox) though it stores nothing: for authors, not read-only keys.
        config: write,
        schema: {
          tags,
          summary: "Run a version's test cases",
          description:
            "Runs the stored cases; for a draft, `source` and `test_cases` in the body are tried instead without saving.",
          params: versionParams,
          body: versionChanges.omit({ notes: true }).optional(),
          response: one(testRunSchema),
        },
      },
      async (request) => testVersion(deps, request.params.id, request.params.version, request.body ?? {}),
    );
    app.post(
      "/v1/scripts/:id/versions/:version/publish",
      {
        config: publish,
        schema: {
          tags,
          summary: "Ask to publish a version",
          description:
            "Runs the test cases (refused with script_tests_failing while any fails) and asks for an approval; someone other than the author approves it at POST /v1/approvals/{id}/approve.",
          params: versionParams,
          body: z
            .strictObject({ effective_from: isoInstant.optional().describe("defaults to the moment of approval") })
            .optional(),
          response: one(publishResult),
        },
      },
      async (request) => ({
        object: "script_publish_request" as const,
        ...(await requestPublish(deps, request.context, request.params.id, request.params.version, request.body ?? {})),
      }),
    );
  };
}

function assignmentRoutesOf(deps: Deps): FastifyPluginAsyncZod {
  const params = z.strictObject({ id: idOf("cus") });
  return async (app) => {
    app.get(
      "/v1/customers/:id/charge_script",
      {
        config: read,
        schema: { tags, summary: "The charge script that rates a customer", params, response: one(assignmentSchema) },
      },
      async (request) => customerScript(deps, request.params.id),
    );
    app.post(
      "/v1/customers/:id/charge_script",
      {
        config: write,
        schema: {
          tags,
          summary: "Assign a charge script to a customer",
          description: "`script: null` returns the customer to the default script.",
          params,
          body: z.strictObject({ script: idOf("scr").nullable() }),
          response: one(assignmentSchema),
        },
      },
      async (request) => assignScript(deps, request.context, request.params.id, request.body.script),
    );
  };
}

/** Charge scripts, their versions and test cases, publishing, and which customer uses which. */
export function scriptRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(scriptRoutesOf(deps));
    await app.register(versionRoutesOf(deps));
    await app.register(assignmentRoutesOf(deps));
  };
}
