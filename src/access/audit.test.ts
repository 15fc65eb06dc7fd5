import { sql } from "kysely";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import type { RequestContext } from "../kernel/actor.js";
import { TestClock, toDate } from "../kernel/clock.js";
import { type Executor, inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { listAuditEvents, recordAudit, recordAuditMany, verifyAuditChain } from "./audit.js";

const { db, url } = await freshDatabase();
const clock = new TestClock("2026-01-05T09:00:00Z");
const deps: Deps = { db, clock };
const ctx: RequestContext = {
  actor: { type: "user", id: "usr_ana", role: "billing_analyst", user_id: "usr_ana", display_name: "Ana" },
  request_id: "req_1",
  reason: "customer asked",
};

async function append(count: number, objectType = "invoice", executor: Executor = db) {
  const events = [];
  for (let index = 0; index < count; index++) {
    clock.advance({ seconds: 1 });
    const event = await recordAudit(
      executor,
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
    events.push(event);
  }
  return events;
}

/** Tampering as someone with database access would: around the triggers. */
async function tamper(statements: ReturnType<typeof sql>[]) {
  await db.transaction().execute(async (tx) => {
    await sql`set local session_replication_role = replica`.execute(tx);
    for (const statement of statements) await statement.execute(tx);
  });
}

describe("the audit log", () => {
  it("appends rows that link within their chain and verify", async () => {
    await append(12);
    const report = await verifyAuditChain(deps);
    expect(report).toMatchObject({ ok: true, checked: 12, problems: [], head: { seq: "12" } });
    const { data } = await listAuditEvents(deps, { limit: 100 });
    expect(data.map((event) => event.seq)).toEqual(
      Array.from({ length: 12 }, (_, index) => String(12 - index)), // newest first
    );
    for (const [index, event] of data.entries()) {
      const older = data.slice(index + 1).find((candidate) => candidate.chain === event.chain);
      if (older !== undefined) expect(event.prev_hash).toBe(older.hash); // linked within its chain
      if (older !== undefined) expect(BigInt(event.chain_seq)).toBe(BigInt(older.chain_seq) + 1n);
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

  it("masks secrets in a batch, at any depth, and leaves text that only mentions them", async () => {
    await recordAuditMany(
      db,
      ctx,
      [
        { action: "note.created", object_type: "note", object_id: "note_1", after: { text: 'a "token" is fine here' } },
        {
          action: "webhook_endpoint.created",
          object_type: "webhook_endpoint",
          object_id: "we_2",
          after: { url: "https://y", auth: { Token: "t_1", kind: "bearer" } },
        },
      ],
      clock.now(),
    );
    const { data } = await listAuditEvents(deps, { limit: 2 });
    expect(data.map((event) => event.after)).toEqual([
      { url: "https://y", auth: { Token: "[redacted]", kind: "bearer" } },
      { text: 'a "token" is fine here' },
    ]);
  });

  it("refuses updates, deletes, truncation and rows that do not extend the head", async () => {
    const refused = [
      sql`update audit_events set after = '{}' where seq = 1`,
      sql`delete from audit_events where seq = 1`,
      sql`truncate audit_events`,
      sql`update audit_chain_heads set seq = 1`,
      sql`delete from audit_chain_heads`,
      sql`truncate audit_chain_heads`,
      sql`insert into audit_events (chain, chain_seq, id, actor_type, actor_id, action, object_type, object_id, occurred_at, prev_hash, hash)
          values (0, 1000, 'aud_x', 'user', 'usr_x', 'x.y', 'x', 'x', now(), 'bad', 'bad')`,
      // At the head of its chain, but with a hash that is not its content's.
      sql`insert into audit_events (chain, chain_seq, id, actor_type, actor_id, action, object_type, object_id, occurred_at, prev_hash, hash)
          select chain, seq + 1, 'aud_x', 'user', 'usr_x', 'x.y', 'x', 'x', now(), hash, hash from audit_chain_heads where chain = 0`,
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

  it("keeps every chain one line under concurrent appends, also from repeatable-read transactions", async () => {
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

  it("hashes in the database exactly the bytes the verifier hashes", async () => {
    const awkward = {
      text: 'café ☕ 😀 "quoted" back\\slash\nnew line\ttab \u0001 \u007f \u2028 </script>',
      numbers: [0, -0, 1.5, 0.1, 1e21, 1e-7, 2 ** 60, -42], // 2 ** 60 is past 2^53: jsonb keeps every digit JSON.stringify writes
      keys: { bb: 1, a: 2, ccc: { é: true, e: false, "": null } },
      empty: [{}, []],
    };
    await recordAudit(
      db,
      { ...ctx, reason: "line one\nline two", request_id: "req_ü" },
      {
        action: "customer.updated",
        object_type: "customer",
        object_id: "cus_ü",
        before: "just a string",
        after: awkward,
      },
      clock.now(),
    );
    await recordAudit(
      db,
      ctx,
      { action: "customer.updated", object_type: "customer", object_id: "cus_2", before: 7 },
      clock.now(),
    );
    expect(await verifyAuditChain(deps)).toMatchObject({ ok: true, problems: [] });
  });

  it("lets transactions on different connections append without waiting for each other", async () => {
    // Connections until two of them append to different chains (15 in 16 on the first try).
    const clients: pg.Client[] = [];
    const chains = new Map<number, pg.Client>();
    try {
      while (chains.size < 2) {
        const client = new pg.Client(url);
        await client.connect();
        clients.push(client);
        const { rows } = await client.query<{ chain: number }>("select (pg_backend_pid() % 16)::int as chain");
        chains.set(rows[0]?.chain ?? -1, client);
      }
      const [first, second] = [...chains.values()] as [pg.Client, pg.Client];
      const appendOn = (client: pg.Client, objectId: string) =>
        client.query(
          `select chain, chain_seq from audit_append($1, 'user', 'usr_ana', 'Ana', 'case.updated', 'case', $2, null, '{"n": 1}', null, null, now())`,
          [`aud_${objectId}`, objectId],
        );
      await first.query("begin");
      await second.query("begin");
      await second.query("set local lock_timeout = '2s'");
      // Interleaved, each transaction holding its chain's head until the end.
      for (let index = 0; index < 3; index++) {
        await appendOn(first, `case_a${index}`);
        await appendOn(second, `case_b${index}`); // would time out if it waited for the first transaction
      }
      await second.query("commit");
      await first.query("commit");
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
    expect(await verifyAuditChain(deps)).toMatchObject({ ok: true, problems: [] });
  });

  it("reports an edited, a deleted and an inserted row, with its chain", async () => {
    // One connection: these rows are consecutive in one chain.
    const events = await db.connection().execute((connection) => append(8, "refund", connection));
    const chain = events[0]?.chain;
    expect(events.every((event) => event.chain === chain)).toBe(true);
    const at = (index: number) => events[index] as (typeof events)[number];
    const last = at(7);
    await tamper([
      sql`update audit_events set after = '{"amount": "1.00"}' where seq = ${at(2).seq}`,
      sql`delete from audit_events where seq = ${at(5).seq}`,
      sql`insert into audit_events (chain, chain_seq, id, actor_type, actor_id, actor_name, action, object_type, object_id, before, after, occurred_at, prev_hash, hash)
          select chain, chain_seq + 1, 'aud_forged', actor_type, actor_id, actor_name, 'refund.voided', object_type, object_id, before, after, occurred_at, hash, hash
          from audit_events where seq = ${last.seq}`,
    ]);
    const report = await verifyAuditChain(deps);
    expect(report.ok).toBe(false);
    expect(report.problems.map((problem) => [problem.chain, problem.chain_seq, problem.kind])).toEqual([
      [chain, at(2).chain_seq, "edited"],
      [chain, at(5).chain_seq, "deleted"],
      [chain, String(BigInt(last.chain_seq) + 1n), "inserted"],
    ]);
    expect(report.problems[0]?.seq).toBe(at(2).seq);
    expect(report.problems[0]?.detail).toContain(
      `hash mismatch at seq ${at(2).seq} (chain ${chain} seq ${at(2).chain_seq})`,
    );
    // Reading in small chunks finds the same problems.
    expect((await verifyAuditChain(deps, { chunkRows: 4 })).problems).toEqual(report.problems);
  });
});
