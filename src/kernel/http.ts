import { z } from "zod";
import { parseAmount } from "./money.js";

/**
 * The API conventions every module's routes.ts follows (docs/api.md):
 * strict request objects (unknown fields are rejected), snake_case, amounts as
 * canonical decimal strings beside their currency, TypeIDs, cursor pages, and
 * one error shape.
 */

/** Declared on every route: the permission the caller's role needs (src/access/permissions.ts). */
export interface RouteConfig {
  permission: string;
  /** Routes that are reachable without credentials: /health, login. */
  public?: boolean;
}

export const errorBody = z.object({
  error: z.object({
    type: z.string(),
    code: z.string(),
    message: z.string(),
    param: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
    request_id: z.string().optional(),
  }),
});

export const errorResponses = {
  400: errorBody,
  401: errorBody,
  403: errorBody,
  404: errorBody,
  409: errorBody,
  422: errorBody,
};

export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  starting_after: z.string().max(64).optional(),
  ending_before: z.string().max(64).optional(),
});

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ object: z.literal("list"), data: z.array(item), has_more: z.boolean() });
}

/** `"12.50"`: canonical decimal strings only (kernel/money parseAmount); a bad one is `invalid_amount`. */
export const amountString = z
  .string()
  .max(45)
  .superRefine((value, context) => {
    try {
      parseAmount(value);
    } catch (error) {
      context.addIssue({ code: "custom", message: (error as Error).message, params: { code: "invalid_amount" } });
    }
  })
  .describe('a decimal amount as a string, e.g. "12.50"');

export const currencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code such as "USD"')
  .describe("ISO 4217 currency code");

export const isoDate = z.iso.date().describe("a calendar date, YYYY-MM-DD");
export const isoInstant = z.iso.datetime({ offset: true }).describe("an ISO 8601 instant");

/** A TypeID with the given prefix: `idOf("cus")` accepts `cus_01h…` only. */
export function idOf(prefix: string) {
  return z
    .string()
    .regex(new RegExp(`^${prefix}_[0-7][0-9a-hjkmnp-tv-z]{25}$`), `expected an id starting with "${prefix}_"`);
}

/** Free text users type: bounded, no control characters. */
export function text(max = 500) {
  return (
    z
      .string()
      .max(max)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting them is the point
      .regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/, "control characters are not allowed")
  );
}

export const metadata = z
  .record(z.string().max(40), z.string().max(500))
  .refine((value) => Object.keys(value).length <= 50, "at most 50 metadata keys")
  .describe("up to 50 string key/value pairs");
