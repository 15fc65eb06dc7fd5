import { z } from "zod";
import { amountString, currencyCode, isoInstant, text } from "../kernel/http.js";
import type { Plain } from "./lua-marshal.js";

/**
 * Request and response schemas for charge scripts. The test-case schema is
 * also how `accrue scripts test --cases FILE` reads a cases file, so a case
 * written for the CLI can be pasted into the API unchanged.
 */

const jsonValue: z.ZodType<Plain> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

const rateCode = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, "lower-case letters, digits and underscores, such as pick_first_unit");

export const testCaseInput = z.strictObject({
  name: text(200).min(1),
  events: z
    .array(
      z.strictObject({
        transaction_id: text(200).optional(),
        type: text(200).min(1),
        timestamp: isoInstant,
        properties: z.record(z.string().max(100), jsonValue).default({}),
      }),
    )
    .max(1000),
  rates: z.record(rateCode, amountString).default({}),
  context: z
    .strictObject({
      currency: currencyCode.optional(),
      time_zone: text(64).optional(),
      period_start: isoInstant.optional(),
      period_end: isoInstant.optional(),
    })
    .optional(),
  expected: z.strictObject({
    charges: z
      .array(
        z.strictObject({
          transaction_id: text(200).optional(),
          code: text(100).min(1),
          quantity: amountString,
          unit_price: amountString,
          amount: amountString,
          dimensions: z.record(z.string().max(100), z.string().max(500)).optional(),
        }),
      )
      .max(10_000),
    unrated: z.array(z.strictObject({ transaction_id: text(200), code: text(100) })).optional(),
  }),
});

export const testCasesInput = z.array(testCaseInput).max(200);

export const sourceInput = z
  .string()
  .min(1)
  .max(200_000)
  .describe("the Lua source; it must define charge(event, rates, ctx)");

const testResult = z.object({
  name: z.string(),
  passed: z.boolean(),
  differences: z.array(z.string()),
  charges: z.array(z.any()),
  unrated: z.array(z.any()),
});

export const testRunSchema = z
  .object({
    object: z.literal("script_test_run"),
    version: z.string(),
    status: z.enum(["none", "passing", "failing"]),
    passed: z.number(),
    failed: z.number(),
    results: z.array(testResult),
  })
  .describe("ScriptTestRun");

export const scriptSchema = z
  .object({
    object: z.literal("script"),
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    currency: z.string().nullable(),
    is_default: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .describe("Script");

export const scriptWithVersionsSchema = scriptSchema
  .extend({
    versions: z.array(
      z.object({
        id: z.string(),
        number: z.number(),
        status: z.string(),
        tests_status: z.string(),
        effective_from: z.string().nullable(),
      }),
    ),
  })
  .describe("ScriptWithVersions");

export const versionSchema = z
  .object({
    object: z.literal("script_version"),
    id: z.string(),
    script: z.string(),
    number: z.number(),
    status: z.enum(["draft", "pending_approval", "published", "superseded"]),
    source: z.string(),
    notes: z.string().nullable(),
    author: z.string(),
    author_name: z.string().nullable(),
    test_cases: z.array(z.any()),
    tests: z.object({
      status: z.enum(["none", "passing", "failing"]),
      run_at: z.string().nullable(),
      passed: z.number(),
      failed: z.number(),
      results: z.array(testResult),
    }),
    effective_from: z.string().nullable(),
    approval: z.string().nullable(),
    published_at: z.string().nullable(),
    published_by: z.string().nullable(),
    superseded_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .describe("ScriptVersion");
