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
import { createAccount, getAccount, getAccountBalance, listAccounts, trialBalance } from "./accounts.js";
import { getEntry, listEntries, postManualEntry, reverseEntry } from "./entries.js";
import { accountJson, balanceJson, journalEntryJson, periodLockJson, trialBalanceJson } from "./json.js";
import { ACCOUNT_TYPES, ENTRY_LINES_MAX, MEMO_LENGTH_MAX, PARTY_TYPES } from "./model.js";
import { closePeriod, listPeriodLocks, reopenPeriod } from "./periods.js";

/** The ledger's HTTP routes: reads need ledger:read, posting ledger:write, period locks ledger:close. */

const read = { permission: "ledger:read" } satisfies RouteConfig;
const write = { permission: "ledger:write" } satisfies RouteConfig;
const close = { permission: "ledger:close" } satisfies RouteConfig;
const tags = ["ledger"];

/** Reports show the company's live book; a test clock's book only when asked for. */
const testClockParam = idOf("clock").optional().describe("a test clock's book (clock_…) instead of the live book");

const accountSchema = z.object({
  id: z.string(),
  object: z.literal("ledger_account"),
  code: z.string(),
  name: z.string(),
  type: z.enum(ACCOUNT_TYPES),
  normal_balance: z.enum(["debit", "credit"]),
  currency: z.string(),
  party_type: z.enum(PARTY_TYPES).nullable(),
  party_id: z.string().nullable(),
  archived: z.boolean(),
  created_at: z.string(),
});

const entrySchema = z.object({
  id: z.string(),
  object: z.literal("journal_entry"),
  effective_date: z.string(),
  memo: z.string(),
  source_type: z.string(),
  source_id: z.string(),
  idempotency_key: z.string(),
  reverses_entry_id: z.string().nullable(),
  reversed_by_entry_id: z.string().nullable(),
  posted_at: z.string(),
  posted_by: z.string(),
  lines: z.array(
    z.object({
      account_id: z.string(),
      account_code: z.string(),
      account_name: z.string(),
      currency: z.string(),
      debit: z.string(),
      credit: z.string(),
    }),
  ),
});

const balanceSchema = z.object({
  object: z.literal("account_balance"),
  account_id: z.string(),
  code: z.string(),
  type: z.enum(ACCOUNT_TYPES),
  normal_balance: z.enum(["debit", "credit"]),
  currency: z.string(),
  as_of: z.string().nullable().describe("null: every posting, whatever its date"),
  debit: z.string(),
  credit: z.string(),
  balance: z.string().describe("on the account's normal side: positive means debit for assets, credit for revenue"),
});

const trialBalanceSchema = z.object({
  object: z.literal("trial_balance"),
  as_of: z.string().nullable(),
  accounts: z.array(
    z.object({
      account_id: z.string(),
      code: z.string(),
      name: z.string(),
      type: z.enum(ACCOUNT_TYPES),
      currency: z.string(),
      debit: z.string(),
      credit: z.string(),
      balance: z.string(),
    }),
  ),
  totals: z.array(z.object({ currency: z.string(), debit: z.string(), credit: z.string() })),
});

const periodLockSchema = z.object({
  id: z.string(),
  object: z.literal("period_lock"),
  action: z.enum(["close", "reopen"]),
  through: z.string().describe("close: the date closed through; reopen: the date of the close it undid"),
  closed_through: z.string().nullable().describe("the books were closed through this date after the action"),
  reopened_lock_id: z.string().nullable(),
  reason: z.string().nullable(),
  created_by: z.string(),
  created_at: z.string(),
});

const idParams = (prefix: string) => z.strictObject({ id: idOf(prefix) });

export function ledgerRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(accountRoutes(deps));
    await app.register(entryRoutes(deps));
    await app.register(reportRoutes(deps));
  };
}

function accountRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/ledger/accounts",
      {
        config: read,
        schema: {
          tags,
          summary: "List ledger accounts",
          querystring: pageQuery.extend({
            type: z.enum(ACCOUNT_TYPES).optional(),
            currency: currencyCode.optional(),
            party_id: z.string().max(100).optional(),
            code_prefix: z.string().max(90).optional().describe('e.g. "1100" for every customer receivable'),
            test_clock: testClockParam,
          }),
          response: { 200: listOf(accountSchema), ...errorResponses },
        },
      },
      async (request) => {
        const { limit, starting_after, ending_before, ...filter } = request.query;
        const page = await listAccounts(deps, filter, { limit, starting_after, ending_before });
        return { object: "list" as const, data: page.data.map(accountJson), has_more: page.has_more };
      },
    );

    app.post(
      "/v1/ledger/accounts",
      {
        config: write,
        schema: {
          tags,
          summary: "Create a ledger account",
          description:
            'A code is unique per currency. A subledger account carries its control account\'s code, a colon and a qualifier, e.g. "1100:cus_…".',
          body: z.strictObject({
            code: z.string().max(90),
            name: text(200),
            type: z.enum(ACCOUNT_TYPES),
            currency: currencyCode,
            party_type: z.enum(PARTY_TYPES).optional(),
            party_id: z.string().max(100).optional(),
          }),
          response: { 200: accountSchema, ...errorResponses },
        },
      },
      async (request) => accountJson(await createAccount(deps, request.context, request.body)),
    );

    app.get(
      "/v1/ledger/accounts/:id",
      {
        config: read,
        schema: {
          tags,
          summary: "Get a ledger account",
          params: idParams("acct"),
          response: { 200: accountSchema, ...errorResponses },
        },
      },
      async (request) => accountJson(await getAccount(deps, request.params.id)),
    );

    app.get(
      "/v1/ledger/accounts/:id/balance",
      {
        config: read,
        schema: {
          tags,
          summary: "An account's balance, now or as of a date",
          description: "Without as_of: every posting. With as_of: lines dated on or before it.",
          params: idParams("acct"),
          querystring: z.strictObject({ as_of: isoDate.optional() }),
          response: { 200: balanceSchema, ...errorResponses },
        },
      },
      async (request) => balanceJson(await getAccountBalance(deps, request.params.id, request.query.as_of)),
    );
  };
}

function entryRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/ledger/entries",
      {
        config: read,
        schema: {
          tags,
          summary: "List journal entries, newest first",
          querystring: pageQuery.extend({
            account: idOf("acct").optional(),
            source_type: z.string().max(40).optional(),
            source_id: z.string().max(100).optional(),
            effective_from: isoDate.optional(),
            effective_to: isoDate.optional(),
            test_clock: testClockParam,
          }),
          response: { 200: listOf(entrySchema), ...errorResponses },
        },
      },
      async (request) => {
        const { limit, starting_after, ending_before, account, ...filter } = request.query;
        const page = await listEntries(
          deps,
          { ...filter, account_id: account },
          { limit, starting_after, ending_before },
        );
        return { object: "list" as const, data: page.data.map(journalEntryJson), has_more: page.has_more };
      },
    );

    app.get(
      "/v1/ledger/entries/:id",
      {
        config: read,
        schema: {
          tags,
          summary: "Get a journal entry",
          params: idParams("je"),
          response: { 200: entrySchema, ...errorResponses },
        },
      },
      async (request) => journalEntryJson(await getEntry(deps, request.params.id)),
    );

    app.post(
      "/v1/ledger/entries",
      {
        config: write,
        schema: {
          tags,
          summary: "Post a manual journal entry",
          description:
            "Two or more lines, each with a debit or a credit in its account's currency; debits equal credits per currency. Recorded in the audit log.",
          body: z.strictObject({
            effective_date: isoDate,
            memo: text(MEMO_LENGTH_MAX).optional(),
            source: z.strictObject({ type: z.string().max(40), id: z.string().max(100) }).optional(),
            lines: z
              .array(
                z.strictObject({
                  account: idOf("acct"),
                  debit: amountString.optional(),
                  credit: amountString.optional(),
                }),
              )
              .max(ENTRY_LINES_MAX),
          }),
          response: { 200: entrySchema, ...errorResponses },
        },
      },
      async (request) => journalEntryJson(await postManualEntry(deps, request.context, request.body)),
    );

    app.post(
      "/v1/ledger/entries/:id/reverse",
      {
        config: write,
        schema: {
          tags,
          summary: "Reverse a journal entry",
          description:
            "Posts the mirror image, dated effective_date. An entry is reversed once; a reversal is not reversible.",
          params: idParams("je"),
          body: z.strictObject({ effective_date: isoDate, memo: text(MEMO_LENGTH_MAX).optional() }),
          response: { 200: entrySchema, ...errorResponses },
        },
      },
      async (request) => journalEntryJson(await reverseEntry(deps, request.context, request.params.id, request.body)),
    );
  };
}

function reportRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/ledger/trial_balance",
      {
        config: read,
        schema: {
          tags,
          summary: "Trial balance",
          description: "Every account's debit and credit totals and balance, with totals per currency (which balance).",
          querystring: z.strictObject({
            as_of: isoDate.optional(),
            currency: currencyCode.optional(),
            test_clock: testClockParam,
          }),
          response: { 200: trialBalanceSchema, ...errorResponses },
        },
      },
      async (request) => trialBalanceJson(await trialBalance(deps, request.query)),
    );

    app.get(
      "/v1/ledger/period_locks",
      {
        config: read,
        schema: {
          tags,
          summary: "Period closes and reopenings, newest first",
          querystring: pageQuery,
          response: { 200: listOf(periodLockSchema), ...errorResponses },
        },
      },
      async (request) => {
        const page = await listPeriodLocks(deps, request.query);
        return { object: "list" as const, data: page.data.map(periodLockJson), has_more: page.has_more };
      },
    );

    app.post(
      "/v1/ledger/period_locks",
      {
        config: close,
        schema: {
          tags,
          summary: "Close the books through a date",
          description: "No entry dated on or before `through` can be posted until the period is reopened.",
          body: z.strictObject({ through: isoDate }),
          response: { 200: periodLockSchema, ...errorResponses },
        },
      },
      async (request) => periodLockJson(await closePeriod(deps, request.context, request.body)),
    );

    app.post(
      "/v1/ledger/period_locks/reopen",
      {
        config: close,
        schema: {
          tags,
          summary: "Reopen the latest closed period",
          description: "Steps back to the close before it. The reason is kept with the lock and in the audit log.",
          body: z.strictObject({ reason: text(500) }),
          response: { 200: periodLockSchema, ...errorResponses },
        },
      },
      async (request) => periodLockJson(await reopenPeriod(deps, request.context, request.body)),
    );
  };
}
