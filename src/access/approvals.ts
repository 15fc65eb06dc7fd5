import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId, parseId } from "../kernel/ids.js";
import { type Page, paginate } from "../kernel/pagination.js";
import { recordAudit } from "./audit.js";
import { toJsonValue } from "./audit-chain.js";
import { type ApprovalDecision, type ApprovalStatus, checkApprovalDecision, requirePermission } from "./model.js";
import { type ApprovalRow, approvalsQuery, findApproval, insertApproval, saveApprovalDecision } from "./store.js";

/**
 * Maker-checker. A module that wants a second person to sign off on an action
 * (a large refund, a write-off, a period reopening) registers a handler for the
 * action and asks for an approval instead of acting. When someone else with
 * `approvals:decide` approves, the handler runs inside the approving
 * transaction: the action and the approval commit together, or neither does.
 */

export interface Approval {
  id: string;
  object: "approval";
  action: string;
  object_type: string;
  object_id: string;
  payload: unknown;
  summary: string;
  status: ApprovalStatus;
  requested_by: string;
  requested_by_name: string | null;
  decided_by: string | null;
  decided_by_name: string | null;
  comment: string | null;
  created_at: string;
  decided_at: string | null;
}

/** Runs the approved action. Throw a DomainError to refuse: the approval then stays pending. */
export type ApprovalHandler = (tx: Tx, approval: Approval, ctx: RequestContext) => Promise<void>;

const handlers = new Map<string, ApprovalHandler>();

/** Called once per action by the module that owns it, when that module is loaded. */
export function registerApprovalHandler(action: string, handler: ApprovalHandler): void {
  const existing = handlers.get(action);
  if (existing !== undefined && existing !== handler) {
    throw new Error(`an approval handler for ${action} is already registered`);
  }
  handlers.set(action, handler);
}

const rejectionHandlers = new Map<string, ApprovalHandler>();

/**
 * Optional: runs inside the rejecting transaction, for an action that left
 * something waiting on the decision (a credit note held for approval is voided).
 */
export function registerRejectionHandler(action: string, handler: ApprovalHandler): void {
  const existing = rejectionHandlers.get(action);
  if (existing !== undefined && existing !== handler) {
    throw new Error(`a rejection handler for ${action} is already registered`);
  }
  rejectionHandlers.set(action, handler);
}

function handlerFor(action: string): ApprovalHandler {
  const handler = handlers.get(action);
  if (handler === undefined) {
    throw new DomainError("approval_handler_missing", `no module handles approvals for the action "${action}"`, {
      param: "action",
    });
  }
  return handler;
}

function toApproval(row: ApprovalRow): Approval {
  return {
    id: row.id,
    object: "approval",
    action: row.action,
    object_type: row.object_type,
    object_id: row.object_id,
    payload: row.payload,
    summary: row.summary,
    status: row.status,
    requested_by: row.requested_by,
    requested_by_name: row.requested_by_name,
    decided_by: row.decided_by,
    decided_by_name: row.decided_by_name,
    comment: row.comment,
    created_at: fromDate(row.created_at).toString(),
    decided_at: row.decided_at === null ? null : fromDate(row.decided_at).toString(),
  };
}

export interface ApprovalRequest {
  action: string;
  object_type: string;
  object_id: string;
  payload: unknown;
  /** One line a person reads before deciding: "Refund 120.00 USD on inv_… to Acme". */
  summary: string;
}

export async function requestApproval(deps: Deps, ctx: RequestContext, input: ApprovalRequest): Promise<Approval> {
  requirePermission(ctx.actor, "approvals:request");
  handlerFor(input.action); // refuse now rather than leave a request nobody can carry out
  const now = deps.clock.now();
  const row: ApprovalRow = {
    id: newId("approval"),
    action: input.action,
    object_type: input.object_type,
    object_id: input.object_id,
    payload: toJsonValue(input.payload),
    summary: input.summary,
    status: "pending",
    requested_by: ctx.actor.id,
    requested_by_user_id: ctx.actor.user_id ?? null,
    requested_by_name: ctx.actor.display_name ?? null,
    decided_by: null,
    decided_by_name: null,
    comment: null,
    request_id: ctx.request_id,
    created_at: toDate(now),
    decided_at: null,
  };
  return inTransaction(deps.db, async (tx) => {
    await insertApproval(tx, row);
    const approval = toApproval(row);
    await recordAudit(
      tx,
      ctx,
      { action: "approval.requested", object_type: "approval", object_id: row.id, after: approval },
      now,
    );
    return approval;
  });
}

export async function approve(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  input: { comment?: string | undefined } = {},
) {
  return decide(deps, ctx, id, "approved", input.comment);
}

export async function reject(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  input: { comment?: string | undefined } = {},
) {
  return decide(deps, ctx, id, "rejected", input.comment);
}

async function decide(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  decision: ApprovalDecision,
  comment: string | undefined,
): Promise<Approval> {
  const approvalId = parseId("approval", id, "id");
  return inTransaction(deps.db, async (tx) => {
    // The row lock makes two people deciding at once take turns: the second sees approval_not_pending.
    const row = await findApproval(tx, approvalId, true);
    if (row === undefined) throw new DomainError("approval_not_found", `no approval ${approvalId}`, { param: "id" });
    checkApprovalDecision(row, ctx.actor);
    const now = deps.clock.now();
    const decided: ApprovalRow = {
      ...row,
      status: decision,
      decided_by: ctx.actor.id,
      decided_by_name: ctx.actor.display_name ?? null,
      comment: comment ?? null,
      decided_at: toDate(now),
    };
    await saveApprovalDecision(tx, approvalId, decided);
    const approval = toApproval(decided);
    if (decision === "approved") await handlerFor(row.action)(tx, approval, ctx);
    if (decision === "rejected") await rejectionHandlers.get(row.action)?.(tx, approval, ctx);
    await recordAudit(
      tx,
      ctx,
      {
        action: `approval.${decision}`,
        object_type: "approval",
        object_id: approvalId,
        before: { status: row.status },
        after: { status: decision, comment: approval.comment, action: row.action, object_id: row.object_id },
      },
      now,
    );
    return approval;
  });
}

export async function getApproval(deps: Deps, id: string): Promise<Approval> {
  const row = await findApproval(deps.db, parseId("approval", id, "id"));
  if (row === undefined) throw new DomainError("approval_not_found", `no approval ${id}`, { param: "id" });
  return toApproval(row);
}

export async function listApprovals(
  deps: Deps,
  query: {
    limit: number;
    starting_after?: string | undefined;
    ending_before?: string | undefined;
    status?: ApprovalStatus | undefined;
    action?: string | undefined;
  },
): Promise<Page<Approval>> {
  const page = await paginate(approvalsQuery(deps.db, query), "id", query);
  return { data: page.data.map(toApproval), has_more: page.has_more };
}
