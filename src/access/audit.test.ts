import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import type { RequestContext } from "../kernel/actor.js";
import { TestClock, toDate } from "../kernel/clock.js";
import { inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { listAuditEvents, recordAudit, verifyAuditChain } from "./audit.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-01-05T09:00:00Z");
const deps: Deps = { db, clock };
const ctx: RequestContext = {
  actor: { type: "user", id: "usr_ana", role: "billing_analyst", user_id: "usr_ana", display_name: "Ana" },
  request_id: "req_1",
  reason: "customer asked",
};

async function append(count: number, objectType = "invoice") {
  for (let index = 0; index < count; index++) {
    clock.advance({ seconds: 1 });
    await recordAudit(
      db,
      ctx,
      {
        action: `${objectType}.updated`,
        object_type: objectType,
        object_id: `${objectType}_${index}`,
        before: { amount: "10.00", n: index },
        after: { amount: "12.50", n: index, nested: { z: 1, a: [1, 2] } },
      },
      clock.now(),
    );
  }
}

/** Tampering as someone with database access would: around the triggers. */
async function tamper(statements: ReturnType<typeof sql>[]) {
  await db.transaction().execute(async (tx) => {
    await sql`set local session_replication_role = replica`.execute(tx);
    for (const statement of statements) await statement.execute(tx);
  });
}

describe("the audit log", () => {
  it("appends rows that link into one chain and verify", async () => {
    await append(12);
    const report = await verifyAuditChain(deps);
    expect(report).toMatchObject({ ok: true, checked: 12, problems: [], head: { seq: "12" } });
    const { data } = await listAuditEvents(deps, { limit: 100 });
    expect(data.map((event) => event.seq)).toEqual(
      Array.from({ length: 12 }, (_, index) => String(12 - index)), // newest first
    );
    for (const [index, event] of data.entries()) {
      const older = data[index + 1];
      if (older !== undefined) expect(event.prev_hash).toBe(older.hash);
    }
    expect(data[0]).toMatchObject({
      actor_type: "user",
      actor_id: "usr_ana",
      actor_name: "Ana",
      reason: "customer asked",
      request_id: "req_1",
      after: { amount: "12.50", n: 11, nested: { z: 1, a: [1, 2] } },
    });
  });

  it("masks secrets even when a caller passes them", async () => {
    const event = await recordAudit(
      db,
      ctx,
      {
        action: "webhook_endpoint.created",
        object_type: "webhook_endpoint",
        object_id: "we_1",
        after: { url: "https://x", secret: "whsec_1" },
      },
      clock.now(),
    );
    expect(event.after).toEqual({ url: "https://x", secret: "[redacted]" });
  });

  it("refuses updates, deletes, truncation and rows that do not extend the head", async () => {
    const refused = [
      sql`update audit_events set after = '{}' where seq = 1`,
      sql`delete from audit_events where seq = 1`,
      sql`truncate audit_events`,
      sql`update audit_chain_head set seq = 1`,
      sql`delete from audit_chain_head`,
      sql`insert into audit_events (seq, id, actor_type, actor_id, action, object_type, object_id, occurred_at, prev_hash, hash)
          values (1000, 'aud_x', 'user', 'usr_x', 'x.y', 'x', 'x', now(), 'bad', 'bad')`,
    ];
    for (const statement of refused) await expect(statement.execute(db)).rejects.toThrow();
    expect((await verifyAuditChain(deps)).ok).toBe(true);
  });

  it("leaves no gap when the audited transaction rolls back", async () => {
    await expect(
      inTransaction(db, async (tx) => {
        await recordAudit(
          tx,
          ctx,
          { action: "invoice.voided", object_type: "invoice", object_id: "inv_x" },
          clock.now(),
        );
        throw new Error("the change failed after its audit row");
      }),
    ).rejects.toThrow("the change failed");
    await append(1);
    expect(await verifyAuditChain(deps)).toMatchObject({ ok: true, problems: [] });
  });

  it("keeps one line under concurrent appends, also from repeatable-read transactions", async () => {
    const before = Number((await verifyAuditChain(deps)).head.seq);
    await Promise.all(
      Array.from({ length: 16 }, (_, index) =>
        inTransaction(
          db,
          async (tx) => {
            await sql`select count(*) from audit_events`.execute(tx); // takes the snapshot early
            await recordAudit(
              tx,
              ctx,
              { action: "case.updated", object_type: "case", object_id: `case_${index}` },
              clock.now(),
            );
          },
          { isolation: index % 2 === 0 ? "repeatable read" : "read committed", retries: 30 },
        ),
      ),
    );
    const report = await verifyAuditChain(deps);
    expect(report).toMatchObject({ ok: true, problems: [] });
    expect(Number(report.head.seq)).toBe(before + 16);
  });

  it("filters and pages", async () => {
    await append(5, "payment");
    const firstPage = await listAuditEvents(deps, { object_type: "payment", limit: 2 });
    expect(firstPage.data.map((event) => event.object_id)).toEqual(["payment_4", "payment_3"]);
    expect(firstPage.has_more).toBe(true);
    const secondPage = await listAuditEvents(deps, {
      object_type: "payment",
      limit: 2,
      starting_after: firstPage.data[1]?.id,
    });
    expect(secondPage.data.map((event) => event.object_id)).toEqual(["payment_2", "payment_1"]);
    const back = await listAuditEvents(deps, {
      object_type: "payment",
      limit: 2,
      ending_before: secondPage.data[0]?.id,
    });
    expect(back.data.map((event) => event.object_id)).toEqual(["payment_4", "payment_3"]);
    const one = await listAuditEvents(deps, {
      object_type: "payment",
      object_id: "payment_1",
      action: "payment.updated",
      limit: 10,
    });
    expect(one.data).toHaveLength(1);
    const byActor = await listAuditEvents(deps, { actor_id: "usr_nobody", limit: 10 });
    expect(byActor.data).toHaveLength(0);
    const recent = await listAuditEvents(deps, {
      object_type: "payment",
      occurred_from: toDate(clock.now().subtract({ seconds: 1 })),
      occurred_to: toDate(clock.now()),
      limit: 10,
    });
    expect(recent.data.map((event) => event.object_id)).toEqual(["payment_3"]); // [now - 1 s, now): one second apart
  });

  it("reports an edited, a deleted and an inserted row", async () => {
    const { head } = await verifyAuditChain(deps);
    const last = Number(head.seq);
    await tamper([
      sql`update audit_events set after = '{"amount": "1.00"}' where seq = 3`,
      sql`delete from audit_events where seq = 6`,
      sql`insert into audit_events (seq, id, actor_type, actor_id, actor_name, action, object_type, object_id, before, after, occurred_at, prev_hash, hash)
          select seq + 1, 'aud_forged', actor_type, actor_id, actor_name, 'invoice.voided', object_type, object_id, before, after, occurred_at, hash, hash
          from audit_events where seq = ${String(last)}`,
    ]);
    const report = await verifyAuditChain(deps);
    expect(report.ok).toBe(false);
    expect(report.problems.map((problem) => [problem.seq, problem.kind])).toEqual([
      ["3", "edited"],
      ["6", "deleted"],
      [String(last + 1), "inserted"],
    ]);
    expect(report.problems[0]?.detail).toContain("hash mismatch at seq 3");
    // Reading in small chunks finds the same problems.
    expect((await verifyAuditChain(deps, { chunkRows: 4 })).problems).toEqual(report.problems);
  });
});
