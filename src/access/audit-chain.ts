import { createHash } from "node:crypto";

/**
 * The audit log's hash chains, as pure functions: how a row is hashed, and how
 * a stream of rows is checked. The log is AUDIT_CHAINS independent chains;
 * each row's hash covers its content (its chain and chain_seq included) and
 * the previous row's hash in its chain, so changing, removing or adding a row
 * anywhere shows up at that row.
 */

/**
 * Appenders to different chains never wait for each other (a transaction
 * appends to chain pg_backend_pid() % AUDIT_CHAINS). With 16, the API's 20
 * connections and the job runner's 4 share a chain only a few at a time, and
 * wait for each other only when two of them append at once; verification and
 * the head digest stay cheap. The migration (0002_access.sql) holds the same
 * number in its checks and in audit_append.
 */
export const AUDIT_CHAINS = 16;

export const GENESIS_HASH = "0".repeat(64);

/**
 * What a row's hash covers. `before` and `after` are the jsonb text exactly as
 * PostgreSQL renders it (null for SQL NULL); instants are ISO strings at
 * millisecond precision, as stored.
 */
export interface AuditContent {
  chain: number;
  chain_seq: string;
  seq: string;
  id: string;
  actor_type: string;
  actor_id: string;
  actor_name: string | null;
  action: string;
  object_type: string;
  object_id: string;
  before_json: string | null;
  after_json: string | null;
  reason: string | null;
  request_id: string | null;
  occurred_at: string;
}

export interface AuditLink extends AuditContent {
  prev_hash: string;
  hash: string;
}

/**
 * The bytes PostgreSQL's audit_event_hash() hashes: jsonb_build_array(…)::text.
 * jsonb renders an array as elements joined by ", ", and escapes strings as
 * JSON.stringify does (PostgreSQL text cannot hold the lone surrogates where
 * the two would differ). Every scalar is a string, so no number formatting has
 * to agree; before and after are spliced in as the jsonb text they were read as.
 */
export function auditHashInput(content: AuditContent, prevHash: string): string {
  const text = (value: string | null) => (value === null ? "null" : JSON.stringify(value));
  const elements = [
    text(prevHash),
    text(String(content.chain)),
    text(content.chain_seq),
    text(content.seq),
    text(content.id),
    text(content.actor_type),
    text(content.actor_id),
    text(content.actor_name),
    text(content.action),
    text(content.object_type),
    text(content.object_id),
    content.before_json ?? "null",
    content.after_json ?? "null",
    text(content.reason),
    text(content.request_id),
    text(content.occurred_at),
  ];
  return `[${elements.join(", ")}]`;
}

export function auditHash(content: AuditContent, prevHash: string): string {
  return createHash("sha256").update(auditHashInput(content, prevHash), "utf8").digest("hex");
}

/** Values go through JSON first so a Date or Decimal is stored as the string it serialises to. */
export function toJsonValue(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

export type ChainProblemKind = "edited" | "deleted" | "inserted" | "reordered";

export interface ChainProblem {
  chain: number;
  /** Position in the chain: the row's chain_seq, or the first missing one. */
  chain_seq: string;
  /** The log-wide seq of the row where the problem shows (for a deletion, the row after the gap, or the last one before it). */
  seq: string;
  kind: ChainProblemKind;
  detail: string;
}

export interface ChainHead {
  chain: number;
  seq: string;
  hash: string;
}

export interface ChainReport {
  ok: boolean;
  checked: number;
  chains: number;
  problems: ChainProblem[];
  /** More problems were found than are listed. */
  problems_truncated: boolean;
  /**
   * All chains at once: seq is the number of rows the heads account for, hash
   * is the sha256 of every chain's "chain seq hash" line. Written down outside
   * the database, it pins the whole log at that moment.
   */
  head: { seq: string; hash: string };
  heads: ChainHead[];
}

export function headDigest(heads: readonly ChainHead[]): { seq: string; hash: string } {
  const sorted = [...heads].sort((a, b) => a.chain - b.chain);
  const rows = sorted.reduce((sum, head) => sum + BigInt(head.seq), 0n);
  const lines = sorted.map((head) => `${head.chain} ${head.seq} ${head.hash}\n`).join("");
  return { seq: String(rows), hash: createHash("sha256").update(lines).digest("hex") };
}

const RECENT_HASHES = 1024;
const PROBLEMS_MAX = 1000;

interface ProblemSink {
  report(problem: ChainProblem): void;
}

/**
 * Checks one chain's rows pushed in chain_seq order, holding only a small
 * window in memory: works the same on ten rows or ten million. Each row is
 * judged when the next one arrives, because telling an inserted row from a
 * broken link needs to see whether the chain skips over it.
 */
class ChainVerifier {
  readonly #head: ChainHead;
  readonly #headSeq: bigint;
  readonly #sink: ProblemSink;
  #prevHash = GENESIS_HASH;
  #prevSeq = 0n;
  #prevRowSeq: string | undefined;
  #waiting: AuditLink | undefined;
  readonly #recent = new Map<string, bigint>();
  checked = 0;

  constructor(head: ChainHead, sink: ProblemSink) {
    this.#head = head;
    this.#headSeq = BigInt(head.seq);
    this.#sink = sink;
  }

  push(row: AuditLink): void {
    if (this.#waiting !== undefined) this.#judge(this.#waiting, row);
    this.#waiting = row;
  }

  finish(): void {
    if (this.#waiting !== undefined) this.#judge(this.#waiting, undefined);
    this.#waiting = undefined;
    this.#checkTail();
  }

  #judge(row: AuditLink, next: AuditLink | undefined): void {
    this.checked++;
    const seq = BigInt(row.chain_seq);
    if (seq > this.#headSeq) {
      this.#report(row, "inserted", `${this.#at(row)} lies past the chain head (seq ${this.#head.seq})`);
      return;
    }
    const contentIntact = auditHash(row, row.prev_hash) === row.hash;
    if (row.prev_hash === this.#prevHash) {
      if (!contentIntact) this.#reportEdited(row);
      this.#advance(row, seq);
      return;
    }
    if (next !== undefined && next.prev_hash === this.#prevHash) {
      this.#report(row, "inserted", `${this.#at(row)} is not linked into the chain: seq ${next.seq} skips over it`);
      return;
    }
    this.#judgeBrokenLink(row, seq, contentIntact);
    this.#advance(row, seq);
  }

  #judgeBrokenLink(row: AuditLink, seq: bigint, contentIntact: boolean): void {
    const expected = this.#prevSeq + 1n;
    const chain = this.#head.chain;
    if (seq > expected) {
      const missing = seq - 1n === expected ? `seq ${expected}` : `seqs ${expected} to ${seq - 1n}`;
      this.#sink.report({
        chain,
        chain_seq: String(expected),
        seq: row.seq,
        kind: "deleted",
        detail: `chain ${chain} ${missing} missing: ${this.#at(row)} does not link to chain seq ${this.#prevSeq}`,
      });
      if (!contentIntact) this.#reportEdited(row);
      return;
    }
    const linkedTo = this.#recent.get(row.prev_hash);
    if (linkedTo !== undefined) {
      this.#report(
        row,
        "reordered",
        `${this.#at(row)} links to chain seq ${linkedTo}, not to chain seq ${this.#prevSeq}`,
      );
      return;
    }
    this.#report(row, "edited", `prev_hash of ${this.#at(row)} does not match the hash of chain seq ${this.#prevSeq}`);
  }

  #reportEdited(row: AuditLink): void {
    this.#report(row, "edited", `hash mismatch at ${this.#at(row)}: the row differs from what was recorded`);
  }

  /** "seq 12 (chain 3 seq 4)": the log-wide seq people look rows up by, then the place in the chain. */
  #at(row: AuditLink): string {
    return `seq ${row.seq} (chain ${row.chain} seq ${row.chain_seq})`;
  }

  #checkTail(): void {
    const chain = this.#head.chain;
    const last = this.#prevRowSeq ?? "0";
    if (this.#prevSeq < this.#headSeq) {
      const first = this.#prevSeq + 1n;
      const missing = first === this.#headSeq ? `seq ${first}` : `seqs ${first} to ${this.#headSeq}`;
      this.#sink.report({
        chain,
        chain_seq: String(first),
        seq: last,
        kind: "deleted",
        detail: `chain ${chain} ${missing} missing at the end of the chain`,
      });
    } else if (this.#prevSeq === this.#headSeq && this.#prevHash !== this.#head.hash) {
      this.#sink.report({
        chain,
        chain_seq: this.#head.seq,
        seq: last,
        kind: "edited",
        detail: `the hash of chain ${chain} seq ${this.#head.seq} differs from the chain head`,
      });
    }
  }

  #advance(row: AuditLink, seq: bigint): void {
    this.#prevHash = row.hash;
    this.#prevSeq = seq;
    this.#prevRowSeq = row.seq;
    this.#recent.set(row.hash, seq);
    if (this.#recent.size > RECENT_HASHES) {
      const oldest = this.#recent.keys().next().value;
      if (oldest !== undefined) this.#recent.delete(oldest);
    }
  }

  #report(row: AuditLink, kind: ChainProblemKind, detail: string): void {
    this.#sink.report({ chain: row.chain, chain_seq: row.chain_seq, seq: row.seq, kind, detail });
  }
}

/**
 * Checks every chain. Rows may arrive with chains interleaved (say, in
 * log-wide seq order) as long as each chain's rows come in chain_seq order.
 */
export class AuditChainVerifier {
  readonly #heads: ChainHead[];
  readonly #chains = new Map<number, ChainVerifier>();
  readonly #problems: ChainProblem[] = [];
  #truncated = false;
  readonly #sink: ProblemSink = {
    report: (problem) => {
      if (this.#problems.length >= PROBLEMS_MAX) this.#truncated = true;
      else this.#problems.push(problem);
    },
  };

  constructor(heads: readonly ChainHead[]) {
    this.#heads = [...heads].sort((a, b) => a.chain - b.chain);
    for (const head of this.#heads) this.#chains.set(head.chain, new ChainVerifier(head, this.#sink));
  }

  push(row: AuditLink): void {
    const chain = this.#chains.get(row.chain);
    if (chain === undefined) {
      this.#sink.report({
        chain: row.chain,
        chain_seq: row.chain_seq,
        seq: row.seq,
        kind: "inserted",
        detail: `seq ${row.seq} names chain ${row.chain}, which has no head`,
      });
      return;
    }
    chain.push(row);
  }

  finish(): ChainReport {
    let checked = 0;
    for (const chain of this.#chains.values()) {
      chain.finish();
      checked += chain.checked;
    }
    const problems = [...this.#problems].sort((a, b) => a.chain - b.chain);
    return {
      ok: problems.length === 0,
      checked,
      chains: this.#heads.length,
      problems,
      problems_truncated: this.#truncated,
      head: headDigest(this.#heads),
      heads: this.#heads,
    };
  }
}
