import { sql } from "kysely";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { systemContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { listAuditEvents, recordAuditMany, verifyAuditChain } from "./audit.js";
import { type AuditLink, auditHash } from "./audit-chain.js";

const { db, url } = await freshDatabase();
const clock = new TestClock("2026-02-01T09:00:00Z");
const deps: Deps = { db, clock };
const ctx = systemContext("billing-run", "req_run");

const invoiceEntries = (count: number, tag: string) =>
  Array.from({ length: count }, (_, index) => ({
    action: "invoice.finalized",
    object_type: "invoice",
    object_id: `inv_${tag}_${index}`,
    after: { number: `INV-${tag}-${index}`, total: "105.00", lines: [{ amount: "50.00" }, { amount: "55.00" }] },
  }));

async function head(chain: number) {
  const { rows } = await sql<{ seq: string; hash: string }>`
    select seq, hash from audit_chain_heads where chain = ${chain}`.execute(db);
  return rows[0] as { seq: string; hash: string };
}

async function rowCount(): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from audit_events`.execute(db);
  return rows[0]?.n ?? -1;
}

/** One row as a person with database access would write it by hand, hashed as Accrue hashes it. */
type HandRow = AuditLink & { after: unknown };

let handSeq = 900_000;

/**
 * `count` rows extending `chain` at its head, each linked to the one before;
 * `change` may alter a row (its position, link or hash) and the rows after it
 * then link to the row as altered, so the one change is the only break.
 */
async function handRows(
  chain: number,
  count: number,
  change: (row: HandRow, index: number) => void = () => {},
): Promise<HandRow[]> {
  const start = await head(chain);
  const rows: HandRow[] = [];
  let previous = { chain_seq: BigInt(start.seq), hash: start.hash };
  for (let index = 0; index < count; index++) {
    const row: HandRow = {
      chain,
      chain_seq: String(previous.chain_seq + 1n),
      seq: String(handSeq++),
      id: `aud_hand_${handSeq}`,
      actor_type: "user",
      actor_id: "usr_mallory",
      actor_name: null,
      action: "invoice.voided",
      object_type: "invoice",
      object_id: `inv_${index}`,
      before_json: null,
      after_json: '{"n": 1}',
      after: { n: 1 },
      reason: null,
      request_id: null,
      occurred_at: "2026-02-01T09:00:00.000Z",
      prev_hash: previous.hash,
      hash: "",
    };
    row.hash = auditHash(row, row.prev_hash);
    change(row, index);
    rows.push(row);
    previous = { chain_seq: BigInt(row.chain_seq), hash: row.hash };
  }
  return rows;
}

/** One INSERT of all the rows, around Accrue's functions but not around the triggers. */
async function insertByHand(rows: readonly HandRow[]) {
  const document = JSON.stringify(
    rows.map(({ before_json: _before, after_json: _after, ...row }) => ({ ...row, before: null })),
  );
  await sql`insert into audit_events
            select * from jsonb_populate_recordset(null::audit_events, ${document}::jsonb)`.execute(db);
}

const rehash = (row: HandRow) => {
  row.hash = auditHash(row, row.prev_hash);
};

describe("appending many audit rows in one statement", () => {
  it("appends 1,000 rows in the given order, one chain position each, and they verify", async () => {
    const before = Number((await verifyAuditChain(deps)).head.seq);
    await inTransaction(db, (tx) => recordAuditMany(tx, ctx, invoiceEntries(1000, "a"), clock.now()));
    const report = await verifyAuditChain(deps);
    expect(report).toMatchObject({ ok: true, problems: [] });
    expect(Number(report.head.seq)).toBe(before + 1000);
    const { data } = await listAuditEvents(deps, { object_type: "invoice", action: "invoice.finalized", limit: 1000 });
    const inChainOrder = [...data].sort((a, b) => Number(BigInt(a.chain_seq) - BigInt(b.chain_seq)));
    expect(new Set(data.map((event) => event.chain)).size).toBe(1);
    expect(inChainOrder.map((event) => event.object_id)).toEqual(invoiceEntries(1000, "a").map((e) => e.object_id));
    for (const [index, event] of inChainOrder.entries()) {
      const previous = inChainOrder[index - 1];
      if (previous === undefined) continue;
      expect(BigInt(event.chain_seq)).toBe(BigInt(previous.chain_seq) + 1n);
      expect(BigInt(event.seq)).toBeGreaterThan(BigInt(previous.seq));
      expect(event.prev_hash).toBe(previous.hash);
    }
  });

  it("emits a domain event from an entry's after in the same statement: same data, in order, the rest untouched", async () => {
    const entries = invoiceEntries(5, "e").map((entry, index) =>
      // The second and fourth are drafts created: audited, no event.
      index % 2 === 1
        ? { ...entry, action: "invoice.created" }
        : { ...entry, emits: { type: "invoice.finalized", key: "invoice" } },
    );
    const eventsBefore = await sql<{ n: number }>`select count(*)::int as n from outbox_events`.execute(db);
    await inTransaction(db, (tx) => recordAuditMany(tx, ctx, entries, clock.now()));
    const { rows } = await sql<{ type: string; data: unknown; request_id: string; created_at: Date }>`
      select type, data, request_id, created_at from outbox_events order by seq desc limit 3`.execute(db);
    expect(rows.reverse()).toEqual(
      [0, 2, 4].map((index) => ({
        type: "invoice.finalized",
        data: { invoice: entries[index]?.after },
        request_id: "req_run",
        created_at: new Date("2026-02-01T09:00:00Z"),
      })),
    );
    const eventsAfter = await sql<{ n: number }>`select count(*)::int as n from outbox_events`.execute(db);
    expect((eventsAfter.rows[0]?.n ?? 0) - (eventsBefore.rows[0]?.n ?? 0)).toBe(3);
    const { data } = await listAuditEvents(deps, { object_type: "invoice", limit: 100 });
    const audited = data.filter((event) => event.object_id.startsWith("inv_e_"));
    expect(audited.map((event) => [event.object_id, event.action]).sort()).toEqual(
      entries.map((entry) => [entry.object_id, entry.action]).sort(),
    );
    // The event's fields are not part of the audit row: the chain verifies as it does for any row.
    for (const event of audited)
      expect(event.after).toEqual(entries.find((e) => e.object_id === event.object_id)?.after);
    expect(await verifyAuditChain(deps)).toMatchObject({ ok: true, problems: [] });
  });

  it("accepts a many-row insert by hand that extends two chains exactly, and moves both heads", async () => {
    const rows = [...(await handRows(3, 4)), ...(await handRows(7, 2))];
    await insertByHand(rows);
    expect(await head(3)).toEqual({ seq: rows[3]?.chain_seq, hash: rows[3]?.hash });
    expect(await head(7)).toEqual({ seq: rows[5]?.chain_seq, hash: rows[5]?.hash });
    expect(await verifyAuditChain(deps)).toMatchObject({ ok: true, problems: [] });
  });

  /** One change at row `at` of five; `kind` says which check refuses it. */
  const breaks: { name: string; at: number; kind: "link" | "hash"; change: (row: HandRow) => void }[] = [
    {
      name: "the third row links to another hash than the second row's",
      at: 2,
      kind: "link",
      change: (row) => {
        row.prev_hash = "f".repeat(64);
        rehash(row);
      },
    },
    {
      name: "the third row skips a chain position",
      at: 2,
      kind: "link",
      change: (row) => {
        row.chain_seq = String(BigInt(row.chain_seq) + 1n);
        rehash(row);
      },
    },
    {
      name: "the third row's hash is not its content's",
      at: 2,
      kind: "hash",
      change: (row) => {
        row.hash = "e".repeat(64);
      },
    },
    {
      name: "the last row's content changed after it was hashed",
      at: 4,
      kind: "hash",
      change: (row) => {
        row.action = "invoice.paid";
      },
    },
    {
      name: "the first row starts past the head",
      at: 0,
      kind: "link",
      change: (row) => {
        row.chain_seq = String(BigInt(row.chain_seq) + 1n);
        rehash(row);
      },
    },
    {
      name: "the first row does not link to the head's hash",
      at: 0,
      kind: "link",
      change: (row) => {
        row.prev_hash = "0".repeat(64);
        rehash(row);
      },
    },
  ];

  it.each(breaks)("refuses a five-row insert by hand, whole, when $name", async ({ at, kind, change }) => {
    await insertByHand(await handRows(5, 1)); // the chain's head is past genesis
    const headBefore = await head(5);
    const countBefore = await rowCount();
    const rows = await handRows(5, 5, (row, index) => {
      if (index === at) change(row);
    });
    const broken = rows[at] as HandRow;
    const message =
      kind === "link"
        ? `audit event chain 5 seq ${broken.chain_seq} does not extend the chain head (seq ${BigInt(headBefore.seq) + BigInt(at)})`
        : `audit event chain 5 seq ${broken.chain_seq}: hash does not match the content`;
    await expect(insertByHand(rows)).rejects.toThrow(message);
    await expect(insertByHand(rows)).rejects.toMatchObject({ code: "42501" });
    expect(await head(5)).toEqual(headBefore);
    expect(await rowCount()).toBe(countBefore);
    expect(await verifyAuditChain(deps)).toMatchObject({ ok: true, problems: [] });
  });

  it("lets two transactions append many rows to the same chain at once: the second waits, then follows on", async () => {
    // Seventeen connections hold two whose chains (backend pid mod 16) are equal.
    const clients: pg.Client[] = [];
    const byChain = new Map<number, pg.Client>();
    let pair: [pg.Client, pg.Client] | undefined;
    try {
      while (pair === undefined) {
        const client = new pg.Client(url);
        await client.connect();
        clients.push(client);
        const { rows } = await client.query<{ chain: number }>("select (pg_backend_pid() % 16)::int as chain");
        const chain = rows[0]?.chain ?? -1;
        const other = byChain.get(chain);
        if (other === undefined) byChain.set(chain, client);
        else pair = [other, client];
      }
      const [first, second] = pair;
      const secondPid = (await second.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]?.pid;
      await Promise.all(clients.filter((client) => !pair?.includes(client)).map((client) => client.end()));
      const document = (tag: string) =>
        JSON.stringify(
          invoiceEntries(300, tag).map((entry, index) => ({
            ...entry,
            id: `aud_${tag}_${index}`,
            actor_type: "system",
            actor_id: "billing-run",
            occurred_at: "2026-02-01T09:00:00.000Z",
          })),
        );
      const appendOn = (client: pg.Client, tag: string) =>
        client.query<{ chain: number; chain_seq: string }>(
          "select chain, chain_seq from audit_append_many($1::jsonb) order by chain_seq",
          [document(tag)],
        );
      await first.query("begin");
      await second.query("begin");
      const firstRows = (await appendOn(first, "c1")).rows;
      const secondAppend = appendOn(second, "c2");
      await expect.poll(() => waitingOnLock(secondPid), { timeout: 5000 }).toBe(true);
      await first.query("commit");
      const secondRows = (await secondAppend).rows;
      await second.query("commit");
      expect(secondRows[0]?.chain).toBe(firstRows[0]?.chain);
      expect(BigInt(secondRows[0]?.chain_seq ?? 0)).toBe(BigInt(firstRows.at(-1)?.chain_seq ?? -1) + 1n);
    } finally {
      await Promise.all(clients.map((client) => client.end().catch(() => {})));
    }
    expect(await verifyAuditChain(deps)).toMatchObject({ ok: true, problems: [] });
  });

  it("keeps every chain one line when many transactions append batches at once", async () => {
    const before = Number((await verifyAuditChain(deps)).head.seq);
    await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        inTransaction(db, (tx) => recordAuditMany(tx, ctx, invoiceEntries(40, `p${index}`), clock.now()), {
          isolation: index % 2 === 0 ? "repeatable read" : "read committed",
          retries: 30,
        }),
      ),
    );
    const report = await verifyAuditChain(deps);
    expect(report).toMatchObject({ ok: true, problems: [] });
    expect(Number(report.head.seq)).toBe(before + 12 * 40);
  });
});

/** Whether a backend waits for a lock (read outside any transaction: pg_stat_activity is cached in one). */
async function waitingOnLock(pid: number | undefined): Promise<boolean> {
  const { rows } = await sql<{ waiting: boolean }>`
    select wait_event_type = 'Lock' as waiting from pg_stat_activity where pid = ${pid ?? -1}`.execute(db);
  return rows[0]?.waiting === true;
}
