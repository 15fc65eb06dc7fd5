import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../kernel/deps.js";
import { errorResponses, idOf, listOf, pageQuery, type RouteConfig, text } from "../kernel/http.js";
import { approve, getApproval, listApprovals, reject, requestApproval } from "./approvals.js";

const approvalSchema = z.object({
  id: z.string(),
  object: z.literal("approval"),
  action: z.string(),
  object_type: z.string(),
  object_id: z.string(),
  payload: z.unknown(),
  summary: z.string(),
  status: z.enum(["pending", "approved", "rejected"]),
  requested_by: z.string(),
  requested_by_name: z.string().nullable(),
  decided_by: z.string().nullable(),
  decided_by_name: z.string().nullable(),
  comment: z.string().nullable(),
  created_at: z.string(),
  decided_at: z.string().nullable(),
});

// A decision may come without a body at all (Fastify then hands over null).
const decisionBody = z.strictObject({ comment: text(2000).optional() }).nullish();
const approvalParams = z.strictObject({ id: idOf("apr") });
const actionName = z
  .string()
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'an action name such as "payments.refund"')
  .max(100);

/** Maker-checker: request, list, approve, reject. */
export function approvalRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/v1/approvals",
      {
        config: { permission: "approvals:read" } satisfies RouteConfig,
        schema: {
          tags: ["approvals"],
          summary: "List approvals",
          querystring: pageQuery.extend({
            status: z.enum(["pending", "approved", "rejected"]).optional(),
            action: z.string().max(100).optional(),
          }),
          response: { 200: listOf(approvalSchema), ...errorResponses },
        },
      },
      async (request) => ({ object: "list" as const, ...(await listApprovals(deps, request.query)) }),
    );

    app.get(
      "/v1/approvals/:id",
      {
        config: { permission: "approvals:read" } satisfies RouteConfig,
        schema: {
          tags: ["approvals"],
          summary: "Retrieve an approval",
          params: approvalParams,
          response: { 200: approvalSchema, ...errorResponses },
        },
      },
      async (request) => getApproval(deps, request.params.id),
    );

    app.post(
      "/v1/approvals",
      {
        config: { permission: "approvals:request" } satisfies RouteConfig,
        schema: {
          tags: ["approvals"],
          summary: "Request an approval",
          description:
            "Asks a second person to approve an action. The action must be one a module handles (`approval_handler_missing` otherwise); most approvals are requested by the module itself, e.g. a large refund.",
          body: z.strictObject({
            action: actionName,
            object_type: z.string().max(64),
            object_id: z.string().max(64),
            payload: z.record(z.string(), z.unknown()).default({}),
            summary: text(500).min(1),
          }),
          response: { 200: approvalSchema, ...errorResponses },
        },
      },
      async (request) => requestApproval(deps, request.context, request.body),
    );

    for (const decision of ["approve", "reject"] as const) {
      app.post(
        `/v1/approvals/:id/${decision}`,
        {
          config: { permission: "approvals:decide" } satisfies RouteConfig,
          schema: {
            tags: ["approvals"],
            summary: decision === "approve" ? "Approve: the action runs now" : "Reject: the action never runs",
            description:
              "Someone other than the requester decides (`approval_self_decision`); a decided approval cannot be decided again (`approval_not_pending`).",
            params: approvalParams,
            body: decisionBody,
            response: { 200: approvalSchema, ...errorResponses },
          },
        },
        async (request) =>
          (decision === "approve" ? approve : reject)(deps, request.context, request.params.id, request.body ?? {}),
      );
    }
  };
}
