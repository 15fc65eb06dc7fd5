import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import type { RequestContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError, registerErrorCodes } from "../kernel/errors.js";
import { approve, getApproval, listApprovals, registerApprovalHandler, reject, requestApproval } from "./approvals.js";
import { listAuditEvents, verifyAuditChain } from "./audit.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-01-05T09:00:00Z");
const deps: Deps = { db, clock };

registerErrorCodes({ refund_exceeds_payment: "conflict" });

const person = (id: string, role: string): RequestContext => ({
  actor: { type: "user", id, role, user_id: id, display_name: id },
  request_id: `req_${id}`,
});
const maker = person("usr_maker", "billing_analyst");
const checker = person("usr_checker", "approver");

beforeAll(async () => {
  await sql`create table refunds_done (approval_id text primary key, amount text not null, in_transaction boolean not null, status_seen text not null)`.execute(
    db,
  );
  // The handler a payments module would register: it writes with the approving transaction.
  registerApprovalHandler("payments.refund", async (tx, approval) => {
    const payload = approval.payload as { amount: string; fail?: boolean };
    const seen = await sql<{ status: string }>`select status from approvals where id = ${approval.id}`.execute(tx);
    await sql`insert into refunds_done values (${approval.id}, ${payload.amount}, ${tx.isTransaction}, ${seen.rows[0]?.status ?? "none"})`.execute(
      tx,
    );
    if (payload.fail === true) throw new DomainError("refund_exceeds_payment", "the refund exceeds what was paid");
  });
});

const refund = (amount: string, fail = false) =>
  requestApproval(deps, maker, {
    action: "payments.refund",
    object_type: "payment",
    object_id: "pay_1",
    payload: { amount, currency: "USD", ...(fail ? { fail } : {}) },
    summary: `Refund ${amount} USD on pay_1`,
  });

async function refundsDone() {
  return (
    await sql<{
      approval_id: string;
      in_transaction: boolean;
      status_seen: string;
    }>`select * from refunds_done`.execute(db)
  ).rows;
}

describe("approvals", () => {
  it("run the action in the approving transaction", async () => {
    const requested = await refund("120.00");
    expect(requested).toMatchObject({ status: "pending", requested_by: "usr_maker", decided_by: null });
    expect(await refundsDone()).toEqual([]); // requesting does nothing yet

    clock.advance({ minutes: 5 });
    const approved = await approve(deps, checker, requested.id, { comment: "checked against the bank" });
    expect(approved).toMatchObject({
      status: "approved",
      decided_by: "usr_checker",
      comment: "checked against the bank",
      decided_at: clock.now().toString(),
    });
    expect(await refundsDone()).toEqual([
      expect.objectContaining({ approval_id: requested.id, in_transaction: true, status_seen: "approved" }),
    ]);
    const { data } = await listAuditEvents(deps, { object_id: requested.id, limit: 10 });
    expect(data.map((event) => [event.action, event.actor_id])).toEqual([
      ["approval.approved", "usr_checker"],
      ["approval.requested", "usr_maker"],
    ]);
  });

  it("stay pending when the action refuses, and nothing of it is kept", async () => {
    const requested = await refund("9999.00", true);
    await expect(approve(deps, checker, requested.id)).rejects.toMatchObject({ code: "refund_exceeds_payment" });
    expect((await getApproval(deps, requested.id)).status).toBe("pending");
    expect((await refundsDone()).map((row) => row.approval_id)).not.toContain(requested.id);
    const rejected = await reject(deps, checker, requested.id, { comment: "more than was paid" });
    expect(rejected.status).toBe("rejected");
  });

  it("are never decided by their requester, even through the requester's API key", async () => {
    const requested = await refund("10.00");
    // The same person, even holding a role that decides: an admin who asked cannot approve.
    const makerAsAdmin = person("usr_maker", "admin");
    await expect(approve(deps, makerAsAdmin, requested.id)).rejects.toMatchObject({ code: "approval_self_decision" });
    const makersKey: RequestContext = {
      actor: { type: "api_key", id: "key_makers", role: "admin", user_id: "usr_maker" },
      request_id: "req_key",
    };
    await expect(approve(deps, makersKey, requested.id)).rejects.toMatchObject({ code: "approval_self_decision" });
    await expect(reject(deps, makerAsAdmin, requested.id)).rejects.toMatchObject({ code: "approval_self_decision" });
  });

  it("are decided only by roles with approvals:decide, and only once", async () => {
    const requested = await refund("20.00");
    await expect(approve(deps, person("usr_ar", "ar_specialist"), requested.id)).rejects.toMatchObject({
      code: "permission_denied",
    });
    await reject(deps, person("usr_admin", "admin"), requested.id);
    await expect(approve(deps, checker, requested.id)).rejects.toMatchObject({ code: "approval_not_pending" });
    await expect(reject(deps, checker, requested.id)).rejects.toMatchObject({ code: "approval_not_pending" });
    expect((await refundsDone()).map((row) => row.approval_id)).not.toContain(requested.id);
  });

  it("run once when two people approve at the same moment", async () => {
    const requested = await refund("30.00");
    const results = await Promise.allSettled([
      approve(deps, checker, requested.id),
      approve(deps, person("usr_admin", "admin"), requested.id),
    ]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    expect(results.find((result) => result.status === "rejected")).toMatchObject({
      reason: expect.objectContaining({ code: "approval_not_pending" }),
    });
    expect((await refundsDone()).filter((row) => row.approval_id === requested.id)).toHaveLength(1);
  });

  it("need a registered action and the approvals:request permission", async () => {
    const input = { action: "ledger.unknown_thing", object_type: "x", object_id: "x", payload: {}, summary: "x" };
    await expect(requestApproval(deps, maker, input)).rejects.toMatchObject({ code: "approval_handler_missing" });
    await expect(
      requestApproval(deps, person("usr_aud", "auditor"), { ...input, action: "payments.refund" }),
    ).rejects.toMatchObject({ code: "permission_denied" });
    await expect(approve(deps, checker, "apr_01jh0000000000000000000000")).rejects.toMatchObject({
      code: "approval_not_found",
    });
  });

  it("are listed by status and action, and every step is in an intact audit chain", async () => {
    const pending = await listApprovals(deps, { limit: 100, status: "pending" });
    expect(pending.data.length).toBeGreaterThan(0);
    expect(pending.data.every((approval) => approval.status === "pending")).toBe(true);
    const byAction = await listApprovals(deps, { limit: 100, action: "payments.refund" });
    expect(byAction.data.length).toBe(5);
    expect(await listApprovals(deps, { limit: 100, action: "nothing.here" })).toEqual({ data: [], has_more: false });
    expect((await verifyAuditChain(deps)).ok).toBe(true);
  });
});
