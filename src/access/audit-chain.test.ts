import { describe, expect, it } from "vitest";
import {
  AUDIT_CHAINS,
  AuditChainVerifier,
  type AuditContent,
  type AuditLink,
  auditHash,
  auditHashInput,
  type ChainHead,
  GENESIS_HASH,
  headDigest,
} from "./audit-chain.js";

/** One chain's rows; seq (log-wide) is chain_seq × 10 + chain unless given. */
function chain(length: number, chainNumber = 0, seqOf = (chainSeq: number) => String(chainSeq * 10 + chainNumber)) {
  const rows: AuditLink[] = [];
  let prev = GENESIS_HASH;
  for (let chainSeq = 1; chainSeq <= length; chainSeq++) {
    const content: AuditContent = {
      chain: chainNumber,
      chain_seq: String(chainSeq),
      seq: seqOf(chainSeq),
      id: `aud_${chainNumber}_${chainSeq}`,
      actor_type: "user",
      actor_id: "usr_1",
      actor_name: "Ana",
      action: "invoice.updated",
      object_type: "invoice",
      object_id: `inv_${chainSeq}`,
      before_json: '{"amount": "10.00"}',
      after_json: `{"lines": [{"a": 2, "b": 1}], "amount": "${chainSeq}.00"}`,
      reason: null,
      request_id: `req_${chainSeq}`,
      occurred_at: `2026-01-01T00:00:${String(chainSeq % 60).padStart(2, "0")}.000Z`,
    };
    const hash = auditHash(content, prev);
    rows.push({ ...content, prev_hash: prev, hash });
    prev = hash;
  }
  return rows;
}

function headsFor(...chains: AuditLink[][]): ChainHead[] {
  return Array.from({ length: AUDIT_CHAINS }, (_, chainNumber) => {
    const last = chains.flat().findLast((row) => row.chain === chainNumber);
    return { chain: chainNumber, seq: last?.chain_seq ?? "0", hash: last?.hash ?? GENESIS_HASH };
  });
}

/** Verifies rows of chain 0 against a head that is the given row (the last one by default). */
function verify(rows: AuditLink[], head: AuditLink | undefined = rows.at(-1)) {
  return verifyAll(rows, headsFor(head === undefined ? [] : [head]));
}

function verifyAll(rows: AuditLink[], heads: ChainHead[]) {
  const verifier = new AuditChainVerifier(heads);
  for (const row of rows) verifier.push(row);
  return verifier.finish();
}

const kinds = (report: ReturnType<typeof verify>) =>
  report.problems.map((problem) => [problem.chain_seq, problem.kind]);

describe("the hashed bytes", () => {
  it("are a jsonb array as PostgreSQL renders it, every scalar a string", () => {
    const [row] = chain(1, 3);
    if (row === undefined) throw new Error("no row");
    expect(auditHashInput(row, GENESIS_HASH)).toBe(
      `["${GENESIS_HASH}", "3", "1", "13", "aud_3_1", "user", "usr_1", "Ana", "invoice.updated", "invoice", "inv_1", ` +
        `{"amount": "10.00"}, {"lines": [{"a": 2, "b": 1}], "amount": "1.00"}, null, "req_1", "2026-01-01T00:00:01.000Z"]`,
    );
  });

  it("pin the whole log in one head digest", () => {
    const rows = chain(3, 2);
    const heads = headsFor(rows);
    expect(headDigest(heads).seq).toBe("3");
    expect(headDigest([...heads].reverse())).toEqual(headDigest(heads)); // order of the heads does not matter
    expect(headDigest(headsFor(rows.slice(0, 2))).hash).not.toBe(headDigest(heads).hash);
  });
});

describe("verifying the chain", () => {
  it("passes an intact chain and an empty one", () => {
    expect(verify(chain(50))).toMatchObject({ ok: true, checked: 50, chains: AUDIT_CHAINS, problems: [] });
    expect(verify([])).toMatchObject({ ok: true, checked: 0, problems: [] });
  });

  it("finds an edited row by its hash", () => {
    const rows = chain(10);
    rows[3] = { ...(rows[3] as AuditLink), after_json: '{"amount": "999.00"}' };
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
          rows.filter((row) => row.chain_seq !== "5"),
          rows.at(-1),
        ),
      ),
    ).toEqual([["5", "deleted"]]);
    expect(
      kinds(
        verify(
          rows.filter((row) => row.chain_seq !== "1"),
          rows.at(-1),
        ),
      ),
    ).toEqual([["1", "deleted"]]);
    expect(kinds(verify(rows.slice(0, 8), rows.at(-1)))).toEqual([["9", "deleted"]]);
  });

  it("finds an inserted row past the head and one the chain skips", () => {
    const rows = chain(10);
    const forged = { ...(rows[9] as AuditLink), chain_seq: "11", seq: "110", id: "aud_forged" };
    expect(kinds(verify([...rows, forged], rows.at(-1)))).toEqual([["11", "inserted"]]);
    const skipped = {
      ...(rows[0] as AuditLink),
      chain_seq: "0",
      seq: "5",
      id: "aud_forged",
      prev_hash: "a".repeat(64),
    };
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
    rows[2] = { ...(rows[2] as AuditLink), after_json: '{"amount": "0.00"}' };
    const head = rows.at(-1);
    const tampered = rows.filter((row) => row.chain_seq !== "10");
    tampered.push({ ...(rows[19] as AuditLink), chain_seq: "21", seq: "210", id: "aud_forged" });
    expect(kinds(verify(tampered, head))).toEqual([
      ["3", "edited"],
      ["10", "deleted"],
      ["21", "inserted"],
    ]);
  });

  it("checks chains that interleave, and names the chain of each problem", () => {
    // Two connections appending at once: chain 2 and chain 5 alternate in log-wide seq order.
    const two = chain(6, 2, (chainSeq) => String(chainSeq * 2 - 1));
    const five = chain(6, 5, (chainSeq) => String(chainSeq * 2));
    const interleaved = [...two, ...five].sort((a, b) => Number(a.seq) - Number(b.seq));
    const heads = headsFor(two, five);
    expect(verifyAll(interleaved, heads)).toMatchObject({ ok: true, checked: 12, problems: [] });
    expect(verifyAll(interleaved, heads).head.seq).toBe("12");

    // Chain 5's row 3 edited, chain 2's row 4 deleted, and a row of chain 2 claiming a place in chain 5.
    const tampered = interleaved
      .filter((row) => !(row.chain === 2 && row.chain_seq === "4"))
      .map((row) => (row.chain === 5 && row.chain_seq === "3" ? { ...row, actor_id: "usr_mallory" } : row));
    const moved = { ...(two[0] as AuditLink), chain: 5, chain_seq: "7", seq: "13" };
    const report = verifyAll([...tampered, moved], heads);
    expect(report.problems.map((problem) => [problem.chain, problem.chain_seq, problem.seq, problem.kind])).toEqual([
      [2, "4", "9", "deleted"], // the gap shows at chain 2 seq 5, log-wide seq 9
      [5, "3", "6", "edited"],
      [5, "7", "13", "inserted"],
    ]);
    expect(report.problems[1]?.detail).toBe(
      "hash mismatch at seq 6 (chain 5 seq 3): the row differs from what was recorded",
    );
  });

  it("finds rows swapped between chains", () => {
    const two = chain(3, 2);
    const five = chain(3, 5);
    const swapped = [...two.slice(0, 2), { ...(five[2] as AuditLink), chain: 2 }, ...five.slice(0, 2)];
    expect(verifyAll(swapped, headsFor(two, five)).problems.map((problem) => [problem.chain, problem.kind])).toEqual([
      [2, "edited"],
      [2, "edited"],
      [5, "deleted"],
    ]);
  });
});
