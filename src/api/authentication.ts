import type { FastifyInstance } from "fastify";
import { authenticateRequest, can } from "../access/index.js";
import type { RequestContext } from "../kernel/actor.js";
import type { Deps } from "../kernel/deps.js";
import type { RouteConfig } from "../kernel/http.js";
import { errorPayload, sendError } from "./errors.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Who is asking; set for every authenticated route before its handler runs. */
    context: RequestContext;
  }
  interface FastifyContextConfig {
    permission?: string;
    public?: boolean;
  }
}

const REASON_MAX = 500;

/**
 * Every /v1 route is authenticated (Bearer API key or session cookie) and
 * authorised against the permission its route declares, before the body is
 * even parsed: an unauthenticated caller learns nothing about validation.
 * A route without a declared permission is refused, so forgetting one fails closed.
 */
export function registerAuthentication(app: FastifyInstance, deps: Deps): void {
  app.decorateRequest("context", undefined as unknown as RequestContext);
  app.addHook("onRequest", async (request, reply) => {
    const config = request.routeOptions.config as Partial<RouteConfig> | undefined;
    if (config?.public === true) return;
    const url = request.routeOptions.url;
    if (url === undefined) return; // unmatched: the not-found handler answers
    // Only the API is behind credentials; /health, /metrics, /docs and the web app's files are not.
    if (!url.startsWith("/v1/")) return;
    const result = await authenticateRequest(deps, {
      authorization: request.headers.authorization,
      session_token: request.cookies?.accrue_session,
      csrf_token: headerValue(request.headers["x-csrf-token"]),
      method: request.method,
    });
    if (!result.ok) {
      const kind = result.code === "unauthenticated" ? "unauthenticated" : "forbidden";
      return sendError(reply, errorPayload(result.code, kind, result.message));
    }
    const permission = config?.permission;
    if (permission === undefined || !can(result.actor.role, permission)) {
      return sendError(
        reply,
        errorPayload(
          "permission_denied",
          "forbidden",
          `the ${result.actor.role} role may not do this (needs ${permission ?? "a declared permission"})`,
        ),
      );
    }
    const reason = headerValue(request.headers["accrue-reason"]);
    request.context = {
      actor: result.actor,
      request_id: String(request.id),
      ...(reason === undefined ? {} : { reason: reason.slice(0, REASON_MAX) }),
    };
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
