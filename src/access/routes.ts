import type {} from "@fastify/cookie";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { toDate } from "../kernel/clock.js";
import type { Deps } from "../kernel/deps.js";
import { errorResponses, idOf, listOf, pageQuery, type RouteConfig, text } from "../kernel/http.js";
import { createApiKey, listApiKeys, revokeApiKey } from "./api-keys.js";
import { approvalRoutes } from "./approval-routes.js";
import { auditRoutes } from "./audit-routes.js";
import { createUser, disableUser, listUsers } from "./service.js";
import { currentSession, login, logout, SESSION_COOKIE } from "./sessions.js";

/** Access routes: sign-in, users, API keys; approvals and the audit log in their own files. */

const publicRoute = { permission: "public", public: true } satisfies RouteConfig;

const sessionUserSchema = z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.string() });
const sessionSchema = z.object({ user: sessionUserSchema, csrf_token: z.string() });

const userSchema = z.object({
  id: z.string(),
  object: z.literal("user"),
  email: z.string(),
  name: z.string(),
  role: z.string(),
  disabled: z.boolean(),
  last_login_at: z.string().nullable(),
  created_at: z.string(),
});

const apiKeySchema = z.object({
  id: z.string(),
  object: z.literal("api_key"),
  name: z.string(),
  role: z.string(),
  last_four: z.string(),
  hint: z.string().describe("the key's prefix and last four characters, e.g. sk_live_…abcd"),
  created_by: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable().describe("updated at most once a minute"),
  revoked_at: z.string().nullable(),
});

const roleField = z
  .string()
  .max(40)
  .describe("a role: admin, billing_analyst, ar_specialist, support_agent, approver, auditor, developer");

const booleanQuery = z
  .enum(["true", "false"])
  .transform((value) => value === "true")
  .optional();

export function accessRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(authRoutes(deps));
    await app.register(userRoutes(deps));
    await app.register(apiKeyRoutes(deps));
    await app.register(approvalRoutes(deps));
    await app.register(auditRoutes(deps));
  };
}

function sessionToken(request: FastifyRequest): string | undefined {
  return request.cookies?.[SESSION_COOKIE];
}

function csrfHeader(request: FastifyRequest): string | undefined {
  const value = request.headers["x-csrf-token"];
  return Array.isArray(value) ? value[0] : value;
}

function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, {
    path: "/",
    httpOnly: true,
    sameSite: "strict",
    secure: request.protocol === "https",
  });
}

/** Sign-in routes are public at the API layer and check the session cookie themselves. */
function authRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/v1/auth/login",
      {
        config: publicRoute,
        schema: {
          tags: ["access"],
          summary: "Sign in to the web app",
          description:
            "Sets the httpOnly `accrue_session` cookie and returns the CSRF token to send as `X-CSRF-Token` on writes.",
          security: [],
          body: z.strictObject({ email: z.string().max(254), password: z.string().max(1024) }),
          response: { 200: sessionSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const signedIn = await login(deps, { ...request.body, request_id: String(request.id), address: request.ip });
        reply.setCookie(SESSION_COOKIE, signedIn.session_token, {
          httpOnly: true,
          sameSite: "strict",
          path: "/",
          // Browsers drop Secure cookies on plain http, which would break a local install.
          secure: request.protocol === "https",
          expires: toDate(signedIn.expires_at),
        });
        return { user: signedIn.user, csrf_token: signedIn.csrf_token };
      },
    );

    app.post(
      "/v1/auth/logout",
      {
        config: publicRoute,
        schema: {
          tags: ["access"],
          summary: "Sign out",
          description: "Ends the session behind the cookie (needs `X-CSRF-Token`) and clears the cookie.",
          body: z.strictObject({}).nullish(),
          response: { 200: z.object({ signed_out: z.literal(true) }), ...errorResponses },
        },
      },
      async (request, reply) => {
        await logout(deps, {
          session_token: sessionToken(request),
          csrf_token: csrfHeader(request),
          request_id: String(request.id),
        });
        clearSessionCookie(request, reply);
        return { signed_out: true as const };
      },
    );

    app.get(
      "/v1/auth/me",
      {
        config: publicRoute,
        schema: {
          tags: ["access"],
          summary: "The signed-in user",
          description: "Returns the user and the session's CSRF token; 401 when not signed in.",
          response: { 200: sessionSchema, ...errorResponses },
        },
      },
      async (request) => currentSession(deps, sessionToken(request)),
    );
  };
}

function userRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/users",
      {
        config: { permission: "users:manage" } satisfies RouteConfig,
        schema: {
          tags: ["access"],
          summary: "List users",
          querystring: z.strictObject({}),
          response: { 200: listOf(userSchema), ...errorResponses },
        },
      },
      async () => ({ object: "list" as const, data: await listUsers(deps), has_more: false }),
    );

    app.post(
      "/v1/users",
      {
        config: { permission: "users:manage" } satisfies RouteConfig,
        schema: {
          tags: ["access"],
          summary: "Create a user",
          description: "Passwords have at least 12 characters. Nobody can create a user more powerful than themselves.",
          body: z.strictObject({
            email: z.string().max(254),
            name: text(200),
            role: roleField,
            password: z.string().max(1024),
          }),
          response: { 200: userSchema, ...errorResponses },
        },
      },
      async (request) => createUser(deps, request.context, request.body),
    );

    app.post(
      "/v1/users/:id/disable",
      {
        config: { permission: "users:manage" } satisfies RouteConfig,
        schema: {
          tags: ["access"],
          summary: "Disable a user",
          description: "The user is signed out everywhere and can no longer sign in.",
          params: z.strictObject({ id: idOf("usr") }),
          response: { 200: userSchema, ...errorResponses },
        },
      },
      async (request) => disableUser(deps, request.context, request.params.id),
    );
  };
}

function apiKeyRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    const config = { permission: "api_keys:manage" } satisfies RouteConfig;
    app.get(
      "/v1/api_keys",
      {
        config,
        schema: {
          tags: ["access"],
          summary: "List API keys",
          description: "Active keys, newest first; `include_revoked=true` adds revoked ones. Secrets are never listed.",
          querystring: pageQuery.extend({ include_revoked: booleanQuery }),
          response: { 200: listOf(apiKeySchema), ...errorResponses },
        },
      },
      async (request) => ({ object: "list" as const, ...(await listApiKeys(deps, request.query)) }),
    );

    app.post(
      "/v1/api_keys",
      {
        config,
        schema: {
          tags: ["access"],
          summary: "Create an API key",
          description:
            "Returns the `secret` once; it is stored hashed and never shown again. The key's role cannot be more powerful than the caller's.",
          body: z.strictObject({ name: text(100).optional(), role: roleField }),
          response: { 200: apiKeySchema.extend({ secret: z.string() }), ...errorResponses },
        },
      },
      async (request) => createApiKey(deps, request.context, request.body),
    );

    app.post(
      "/v1/api_keys/:id/revoke",
      {
        config,
        schema: {
          tags: ["access"],
          summary: "Revoke an API key",
          description: "The key stops working on its next request.",
          params: z.strictObject({ id: idOf("key") }),
          response: { 200: apiKeySchema, ...errorResponses },
        },
      },
      async (request) => revokeApiKey(deps, request.context, request.params.id),
    );
  };
}
