import { Temporal } from "temporal-polyfill";
import {
  type Approval,
  recordAudit,
  registerApprovalHandler,
  registerRejectionHandler,
  requestApproval,
} from "../access/index.js";
import { getCustomer } from "../customers/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { parseId } from "../kernel/ids.js";
import { nextStatus } from "./script-model.js";
import { loadVersion, scriptNotFound, versionView } from "./script-service.js";
import {
  deleteAssignment,
  findAssignment,
  findDefaultScript,
  findScriptRow,
  listTestCaseRows,
  liveVersionRows,
  updateVersionRow,
  upsertAssignment,
  versionAtRow,
} from "./script-store.js";
import { runTestCases } from "./script-tests.js";
import { type ScriptVersionJson, testCaseOf } from "./script-views.js";

/**
 * Publishing a script version: its test cases must pass, then someone other
 * than its author approves (access's maker-checker). On approval the version
 * is published, effective from the instant asked for (or the approval), and
 * the version published before it becomes superseded: it still rates the
 * events before the new version's effective_from.
 */

export const PUBLISH_APPROVAL_ACTION = "script_version.publish";

export async function requestPublish(
  deps: Deps,
  ctx: RequestContext,
  scriptId: string,
  versionId: string,
  input: { effective_from?: string | undefined } = {},
): Promise<{ version: ScriptVersionJson; approval: Approval }> {
  const current = await loadVersion(deps.db, scriptId, versionId);
  nextStatus(current.status, "request_publish");
  const cases = (await listTestCaseRows(deps.db, current.id)).map(testCaseOf);
  const summary = await runTestCases(current.source, cases);
  if (summary.status === "failing") {
    throw new DomainError(
      "script_tests_failing",
      `${summary.failed} of ${cases.length} test cases fail; fix them before publishing`,
      {
        param: "version",
        details: {
          failing: summary.results.filter((r) => !r.passed).map((r) => ({ name: r.name, differences: r.differences })),
        },
      },
    );
  }
  const effectiveFrom = input.effective_from === undefined ? null : Temporal.Instant.from(input.effective_from);
  return inTransaction(deps.db, async (tx) => {
    const row = await loadVersion(tx, scriptId, versionId, true);
    nextStatus(row.status, "request_publish");
    if (row.updated_at.getTime() !== current.updated_at.getTime()) {
      throw new DomainError("script_version_changed", "the version changed while its tests ran; publish again", {
        param: "version",
      });
    }
    const script = await findScriptRow(tx, row.script_id);
    const approval = await requestApproval({ ...deps, db: tx }, ctx, {
      action: PUBLISH_APPROVAL_ACTION,
      object_type: "script_version",
      object_id: row.id,
      payload: { script_id: row.script_id, version_id: row.id, effective_from: effectiveFrom?.toString() ?? null },
      summary: `Publish version ${row.number} of charge script ${script?.name ?? row.script_id}${effectiveFrom ? `, effective from ${effectiveFrom.toString()}` : ""}`,
    });
    const at = deps.clock.now();
    const before = await versionView(tx, row);
    const pending = {
      ...row,
      status: nextStatus(row.status, "request_publish"),
      approval_id: approval.id,
      effective_from: effectiveFrom === null ? null : toDate(effectiveFrom),
      updated_at: toDate(at),
    };
    await updateVersionRow(tx, row.id, {
      status: pending.status,
      approval_id: approval.id,
      effective_from: pending.effective_from,
      updated_at: pending.updated_at,
    });
    const after = await versionView(tx, pending);
    await recordAudit(
      tx,
      ctx,
      { action: "script_version.publish_requested", object_type: "script_version", object_id: row.id, before, after },
      at,
    );
    return { version: after, approval };
  });
}

async function publishApproved(tx: Tx, approval: Approval, ctx: RequestContext): Promise<void> {
  const payload = approval.payload as { script_id: string; version_id: string; effective_from: string | null };
  const row = await loadVersion(tx, payload.script_id, payload.version_id, true);
  if (row.status !== "pending_approval" || row.approval_id !== approval.id) {
    throw new DomainError(
      "script_version_changed",
      `version ${row.id} is ${row.status}, no longer waiting on this approval`,
      { param: "id" },
    );
  }
  if ([ctx.actor.id, ctx.actor.user_id].includes(row.author)) {
    throw new DomainError(
      "approval_self_decision",
      "a script version must be approved by someone other than its author",
    );
  }
  const decidedAt = Temporal.Instant.from(approval.decided_at ?? approval.created_at);
  const effectiveFrom = payload.effective_from === null ? decidedAt : Temporal.Instant.from(payload.effective_from);
  const live = await liveVersionRows(tx, row.script_id);
  const latest = live[0];
  if (latest?.effective_from && Temporal.Instant.compare(effectiveFrom, fromDate(latest.effective_from)) <= 0) {
    throw new DomainError(
      "invalid_effective_from",
      `version ${latest.number} is effective from ${fromDate(latest.effective_from).toString()}; a new version must start after it`,
      { param: "effective_from" },
    );
  }
  const before = await versionView(tx, row);
  for (const previous of live.filter((version) => version.status === "published")) {
    await updateVersionRow(tx, previous.id, {
      status: nextStatus(previous.status, "supersede"),
      superseded_at: toDate(effectiveFrom),
      updated_at: toDate(decidedAt),
    });
    await recordAudit(
      tx,
      ctx,
      {
        action: "script_version.superseded",
        object_type: "script_version",
        object_id: previous.id,
        before: { status: previous.status },
        after: { status: "superseded", superseded_by: row.id },
      },
      decidedAt,
    );
  }
  const published = {
    ...row,
    status: nextStatus(row.status, "approve"),
    effective_from: toDate(effectiveFrom),
    published_at: toDate(decidedAt),
    published_by: ctx.actor.user_id ?? ctx.actor.id,
    updated_at: toDate(decidedAt),
  };
  const { id: _id, script_id: _script, ...fields } = published;
  await updateVersionRow(tx, row.id, fields);
  const after = await versionView(tx, published);
  await recordAudit(
    tx,
    ctx,
    { action: "script_version.published", object_type: "script_version", object_id: row.id, before, after },
    decidedAt,
  );
}

async function publishRejected(tx: Tx, approval: Approval, ctx: RequestContext): Promise<void> {
  const payload = approval.payload as { script_id: string; version_id: string };
  const row = await loadVersion(tx, payload.script_id, payload.version_id, true);
  if (row.status !== "pending_approval" || row.approval_id !== approval.id) return;
  const at = Temporal.Instant.from(approval.decided_at ?? approval.created_at);
  await updateVersionRow(tx, row.id, {
    status: nextStatus(row.status, "reject"),
    approval_id: null,
    effective_from: null,
    updated_at: toDate(at),
  });
  await recordAudit(
    tx,
    ctx,
    {
      action: "script_version.publish_rejected",
      object_type: "script_version",
      object_id: row.id,
      before: { status: row.status },
      after: { status: "draft", approval: approval.id },
    },
    at,
  );
}

registerApprovalHandler(PUBLISH_APPROVAL_ACTION, publishApproved);
registerRejectionHandler(PUBLISH_APPROVAL_ACTION, publishRejected);

/** The version that rates an event at `instant`: the published or superseded one with the latest effective_from at or before it. */
export async function scriptVersionAt(
  deps: Deps,
  scriptId: string,
  instant: Temporal.Instant,
): Promise<ScriptVersionJson> {
  const id = parseId("usage_script", scriptId, "id");
  const row = await versionAtRow(deps.db, id, toDate(instant));
  if (row === undefined) {
    throw new DomainError(
      "script_no_version_effective",
      `charge script ${id} has no version in effect at ${instant.toString()}`,
      { param: "at" },
    );
  }
  return versionView(deps.db, row);
}

/** The script that rates a customer's events: their own assignment, else the default script, else none. */
export async function scriptForCustomer(
  deps: Deps,
  customerId: string,
): Promise<{ script: string | null; source: "assigned" | "default" | "none" }> {
  const assignment = await findAssignment(deps.db, customerId);
  if (assignment !== undefined) return { script: assignment.script_id, source: "assigned" };
  const fallback = await findDefaultScript(deps.db);
  return fallback === undefined ? { script: null, source: "none" } : { script: fallback.id, source: "default" };
}

/** GET /v1/customers/{id}/charge_script: the customer must exist (customer_not_found otherwise). */
export async function customerScript(deps: Deps, customerId: string) {
  const customer = (await getCustomer(deps, customerId)).id;
  return { object: "charge_script_assignment" as const, customer, ...(await scriptForCustomer(deps, customer)) };
}

/** Assigns a script to a customer, or with null returns them to the default script. */
export async function assignScript(deps: Deps, ctx: RequestContext, customerId: string, scriptId: string | null) {
  const customer = (await getCustomer(deps, customerId)).id;
  const script = scriptId === null ? null : parseId("usage_script", scriptId, "script");
  return inTransaction(deps.db, async (tx) => {
    if (script !== null && (await findScriptRow(tx, script)) === undefined) throw scriptNotFound(script, "script");
    const before = await findAssignment(tx, customer);
    const at = deps.clock.now();
    if (script === null) await deleteAssignment(tx, customer);
    else await upsertAssignment(tx, { customer_id: customer, script_id: script, assigned_at: toDate(at) });
    await recordAudit(
      tx,
      ctx,
      {
        action: "customer.charge_script_assigned",
        object_type: "customer",
        object_id: customer,
        before: { script: before?.script_id ?? null },
        after: { script },
      },
      at,
    );
    return {
      object: "charge_script_assignment" as const,
      customer,
      ...(await scriptForCustomer({ ...deps, db: tx }, customer)),
    };
  });
}
