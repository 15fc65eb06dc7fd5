import { describe, expect, it } from "vitest";
import {
  AuditChainVerifier,
  type AuditContent,
  type AuditLink,
  auditHash,
  canonicalJson,
  GENESIS_HASH,
} from "./audit-chain.js";

function chain(length: number): AuditLink[] {
  const rows: AuditLink[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= length; seq++) {
    const content: AuditContent = {
      seq: String(seq),
      id: `aud_${seq}`,
      actor_type: "user",
      actor_id: "usr_1",
      actor_name: "Ana",
      action: "invoice.updated",
      object_type: "invoice",
      object_id: `inv_${seq}`,
      before: { amount: "10.00" },
      after: { amount: `${seq}.00`, lines: [{ b: 1, a: 2 }] },
      reason: null,
      request_id: `req_${seq}`,
      occurred_at: `2026-01-01T00:00:${String(seq % 60).padStart(2, "0")}.000Z`,
    };
    const hash = auditHash(content, prev);
    rows.push({ ...content, prev_hash: prev, hash });
    prev = hash;
  }
  return rows;
}

function verify(rows: AuditLink[], head = rows.at(-1)) {
  const verifier = new AuditChainVerifier(head === undefined ? { seq: "0", hash: GENESIS_HASH } : head);
  for (const row of rows) verifier.push(row);
  return verifier.finish();
}

const kinds = (report: ReturnType<typeof verify>) => report.problems.map((problem) => [problem.seq, problem.kind]);

describe("canonical JSON", () => {
  it("sorts keys at every level and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it("hashes the same content the same whatever the key order", () => {
    const [row] = chain(1);
    if (row === undefined) throw new Error("no row");
    const reordered = { ...row, after: { lines: [{ a: 2, b: 1 }], amount: "1.00" } };
    expect(auditHash(reordered, GENESIS_HASH)).toBe(row.hash);
  });
});

describe("verifying the chain", () => {
  it("passes an intact chain and an empty one", () => {
    expect(verify(chain(50))).toMatchObject({ ok: true, checked: 50, problems: [] });
    expect(verify([])).toMatchObject({ ok: true, checked: 0, problems: [] });
  });

  it("finds an edited row by its hash", () => {
    const rows = chain(10);
    rows[3] = { ...(rows[3] as AuditLink), after: { amount: "999.00" } };
    expect(kinds(verify(rows))).toEqual([["4", "edited"]]);
  });

  it("finds an edited prev_hash", () => {
    const rows = chain(10);
    rows[5] = { ...(rows[5] as AuditLink), prev_hash: "f".repeat(64) };
    expect(kinds(verify(rows))).toEqual([["6", "edited"]]);
  });

  it("finds a deleted row in the middle, at the start and at the end", () => {
    const rows = chain(10);
    expect(
      kinds(
        verify(
          rows.filter((row) => row.seq !== "5"),
          rows.at(-1),
        ),
      ),
    ).toEqual([["5", "deleted"]]);
    expect(
      kinds(
        verify(
          rows.filter((row) => row.seq !== "1"),
          rows.at(-1),
        ),
      ),
    ).toEqual([["1", "deleted"]]);
    expect(kinds(verify(rows.slice(0, 8), rows.at(-1)))).toEqual([["9", "deleted"]]);
  });

  it("finds an inserted row past the head and one the chain skips", () => {
    const rows = chain(10);
    const forged = { ...(rows[9] as AuditLink), seq: "11", id: "aud_forged" };
    expect(kinds(verify([...rows, forged], rows.at(-1)))).toEqual([["11", "inserted"]]);
    const skipped = { ...(rows[0] as AuditLink), seq: "0", id: "aud_forged", prev_hash: "a".repeat(64) };
    expect(kinds(verify([skipped, ...rows], rows.at(-1)))).toEqual([["0", "inserted"]]);
  });

  it("finds a row linked to an earlier row than its predecessor", () => {
    const rows = chain(10);
    // seq 7 claims to follow seq 5 and was re-hashed to match: seq 6 was cut out of the chain and its number reused.
    const relinked = { ...(rows[6] as AuditLink), prev_hash: (rows[4] as AuditLink).hash };
    relinked.hash = auditHash(relinked, relinked.prev_hash);
    rows[6] = relinked;
    rows[7] = { ...(rows[7] as AuditLink), prev_hash: relinked.hash };
    rows[7].hash = auditHash(rows[7], rows[7].prev_hash);
    const rest = rows.slice(0, 8);
    const report = verify(rest, rest.at(-1));
    expect(kinds(report)).toEqual([["7", "reordered"]]);
  });

  it("reports all three kinds of tampering at once", () => {
    const rows = chain(20);
    rows[2] = { ...(rows[2] as AuditLink), after: { amount: "0.00" } };
    const head = rows.at(-1);
    const tampered = rows.filter((row) => row.seq !== "10");
    tampered.push({ ...(rows[19] as AuditLink), seq: "21", id: "aud_forged" });
    expect(kinds(verify(tampered, head))).toEqual([
      ["3", "edited"],
      ["10", "deleted"],
      ["21", "inserted"],
    ]);
  });
});
