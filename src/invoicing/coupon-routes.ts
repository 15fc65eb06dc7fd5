import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../kernel/deps.js";
import {
  amountString,
  currencyCode,
  errorResponses,
  idOf,
  isoDate,
  listOf,
  pageQuery,
  type RouteConfig,
  text,
} from "../kernel/http.js";
import {
  applyCoupon,
  archiveCoupon,
  createCoupon,
  endDiscount,
  getCoupon,
  listCoupons,
  listCustomerDiscounts,
} from "./coupon-service.js";
import { adjustCreditBalance, creditBalances } from "./credit-balance.js";

const catalogRead = { permission: "catalog:read" } satisfies RouteConfig;
const catalogWrite = { permission: "catalog:write" } satisfies RouteConfig;
const invoicesRead = { permission: "invoices:read" } satisfies RouteConfig;
const invoicesWrite = { permission: "invoices:write" } satisfies RouteConfig;
// A goodwill credit gives money away: the same people who may issue credit notes.
const creditWrite = { permission: "credit_notes:write" } satisfies RouteConfig;

const createBody = z.strictObject({
  name: text(100).min(1).describe("printed beside the discount on invoices"),
  percent_off: amountString.optional().describe('"25" for 25 % off; or give amount_off'),
  amount_off: amountString.optional().describe("a fixed amount off, with currency"),
  currency: currencyCode.optional(),
  duration: z.enum(["once", "repeating", "forever"]),
  duration_in_periods: z.number().int().min(1).max(1200).optional().describe("repeating: how many invoices"),
  max_redemptions: z.number().int().min(1).nullable().optional(),
  redeem_by: isoDate.nullable().optional().describe("last day it can be redeemed, inclusive"),
});

const couponSchema = z
  .object({
    object: z.literal("coupon"),
    id: z.string(),
    name: z.string(),
    percent_off: z.string().nullable(),
    amount_off: z.string().nullable(),
    currency: z.string().nullable(),
    duration: z.enum(["once", "repeating", "forever"]),
    duration_in_periods: z.number().nullable(),
    max_redemptions: z.number().nullable(),
    times_redeemed: z.number(),
    redeem_by: z.string().nullable(),
    archived: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .describe("Coupon");

const discountSchema = z
  .object({
    object: z.literal("discount"),
    id: z.string(),
    coupon: couponSchema,
    customer_id: z.string(),
    subscription_id: z.string().nullable(),
    periods_applied: z.number().describe("invoices (not voided) it has reduced"),
    active: z.boolean().describe("whether it still reduces the next invoice"),
    created_at: z.string(),
    ended_at: z.string().nullable(),
  })
  .describe("Discount");

const creditBalanceSchema = z.object({
  object: z.literal("credit_balance"),
  customer_id: z.string(),
  currency: z.string(),
  balance: z.string().describe("what we owe the customer; applied to their next finalized invoices"),
  ledger_account_id: z.string(),
});

const adjustmentSchema = z.object({
  object: z.literal("credit_balance_adjustment"),
  id: z.string(),
  customer_id: z.string(),
  currency: z.string(),
  amount: z.string(),
  reason: z.string(),
  balance: z.string().describe("the balance after the adjustment"),
  ledger_entry_id: z.string(),
  created_at: z.string(),
});

const couponParams = z.strictObject({ id: idOf("cpn") });
const customerParams = z.strictObject({ id: z.string().min(1).max(128).describe("cus_… or your external id") });
const one = <T extends z.ZodType>(item: T) => ({ 200: item, ...errorResponses });
const empty = z.strictObject({}).nullish();

function couponCatalogRoutes(deps: Deps): FastifyPluginAsyncZod {
  const tags = ["coupons"];
  return async (app) => {
    app.post(
      "/v1/coupons",
      {
        config: catalogWrite,
        schema: { tags, summary: "Create a coupon", body: createBody, response: one(couponSchema) },
      },
      async (request) => createCoupon(deps, request.context, request.body),
    );
    app.get(
      "/v1/coupons",
      {
        config: catalogRead,
        schema: {
          tags,
          summary: "List coupons",
          querystring: pageQuery.extend({ archived: z.enum(["true", "false"]).optional() }),
          response: one(listOf(couponSchema)),
        },
      },
      async (request) => {
        const { archived, ...page } = request.query;
        const filter = { archived: archived === undefined ? undefined : archived === "true" };
        return { object: "list" as const, ...(await listCoupons(deps, filter, page)) };
      },
    );
    app.get(
      "/v1/coupons/:id",
      { config: catalogRead, schema: { tags, summary: "A coupon", params: couponParams, response: one(couponSchema) } },
      async (request) => getCoupon(deps, request.params.id),
    );
    app.post(
      "/v1/coupons/:id/archive",
      {
        config: catalogWrite,
        schema: {
          tags,
          summary: "Archive a coupon",
          description: "It can be redeemed no more; discounts already granted keep running.",
          params: couponParams,
          body: empty,
          response: one(couponSchema),
        },
      },
      async (request) => archiveCoupon(deps, request.context, request.params.id),
    );
  };
}

function discountRoutes(deps: Deps): FastifyPluginAsyncZod {
  const tags = ["discounts"];
  return async (app) => {
    app.post(
      "/v1/customers/:id/discounts",
      {
        config: invoicesWrite,
        schema: {
          tags,
          summary: "Apply a coupon to a customer, or to one of their subscriptions",
          params: customerParams,
          body: z.strictObject({
            coupon: idOf("cpn"),
            subscription: idOf("sub").optional().describe("only this subscription's lines are discounted"),
          }),
          response: one(discountSchema),
        },
      },
      async (request) => applyCoupon(deps, request.context, request.params.id, request.body),
    );
    app.get(
      "/v1/customers/:id/discounts",
      {
        config: invoicesRead,
        schema: {
          tags,
          summary: "A customer's discounts, running and ended",
          params: customerParams,
          querystring: pageQuery,
          response: one(listOf(discountSchema)),
        },
      },
      async (request) => ({
        object: "list" as const,
        ...(await listCustomerDiscounts(deps, request.params.id, request.query)),
      }),
    );
    app.delete(
      "/v1/discounts/:id",
      {
        config: invoicesWrite,
        schema: {
          tags,
          summary: "End a discount",
          description: "Drafts priced from now on no longer carry it; finalized invoices keep theirs.",
          params: z.strictObject({ id: idOf("di") }),
          response: one(discountSchema),
        },
      },
      async (request) => endDiscount(deps, request.context, request.params.id),
    );
  };
}

function creditBalanceRoutes(deps: Deps): FastifyPluginAsyncZod {
  const tags = ["credit balances"];
  return async (app) => {
    app.get(
      "/v1/customers/:id/credit_balance",
      {
        config: invoicesRead,
        schema: {
          tags,
          summary: "A customer's credit balance per currency, from the ledger",
          params: customerParams,
          response: one(z.object({ object: z.literal("list"), data: z.array(creditBalanceSchema) })),
        },
      },
      async (request) => ({ object: "list" as const, ...(await creditBalances(deps, request.params.id)) }),
    );
    app.post(
      "/v1/customers/:id/credit_balance_adjustments",
      {
        config: creditWrite,
        schema: {
          tags,
          summary: "Grant (or take back) goodwill credit",
          description: "Posts Dr 4900 refunds / Cr 2300 customer credit; a negative amount reverses, never below zero.",
          params: customerParams,
          body: z.strictObject({
            amount: amountString.describe("positive grants credit, negative takes it back"),
            currency: currencyCode,
            reason: text(500).min(1),
          }),
          response: one(adjustmentSchema),
        },
      },
      async (request) => adjustCreditBalance(deps, request.context, request.params.id, request.body),
    );
  };
}

/** Coupons, customers' discounts and credit balances. */
export function couponRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    await couponCatalogRoutes(deps)(app, {});
    await discountRoutes(deps)(app, {});
    await creditBalanceRoutes(deps)(app, {});
  };
}
