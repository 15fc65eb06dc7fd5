import { createHash } from "node:crypto";

/**
 * The audit log's hash chain, as pure functions: how a row is hashed, and how
 * a stream of rows in seq order is checked. Each row's hash covers its content
 * (seq included) and the previous row's hash, so changing, removing or adding
 * a row anywhere shows up at that row.
 */

export const GENESIS_HASH = "0".repeat(64);

/** What a row's hash covers. Instants are ISO strings at millisecond precision, as stored. */
export interface AuditContent {
  seq: string;
  id: string;
  actor_type: string;
  actor_id: string;
  actor_name: string | null;
  action: string;
  object_type: string;
  object_id: string;
  before: unknown;
  after: unknown;
  reason: string | null;
  request_id: string | null;
  occurred_at: string;
}

export interface AuditLink extends AuditContent {
  prev_hash: string;
  hash: string;
}

/**
 * JSON with object keys sorted at every level, so the same content hashes the
 * same after a round trip through jsonb (which reorders keys).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
}

/** Values go through JSON first so a Date or Decimal hashes as the string jsonb will hold. */
export function toJsonValue(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

export function auditHash(content: AuditContent, prevHash: string): string {
  const covered: AuditContent = {
    seq: content.seq,
    id: content.id,
    actor_type: content.actor_type,
    actor_id: content.actor_id,
    actor_name: content.actor_name,
    action: content.action,
    object_type: content.object_type,
    object_id: content.object_id,
    before: content.before,
    after: content.after,
    reason: content.reason,
    request_id: content.request_id,
    occurred_at: content.occurred_at,
  };
  return createHash("sha256")
    .update(`${prevHash}\n${canonicalJson(covered)}`)
    .digest("hex");
}

export type ChainProblemKind = "edited" | "deleted" | "inserted" | "reordered";

export interface ChainProblem {
  seq: string;
  kind: ChainProblemKind;
  detail: string;
}

export interface ChainHead {
  seq: string;
  hash: string;
}

export interface ChainReport {
  ok: boolean;
  checked: number;
  problems: ChainProblem[];
  /** More problems were found than are listed. */
  problems_truncated: boolean;
  head: ChainHead;
}

const RECENT_HASHES = 1024;
const PROBLEMS_MAX = 1000;

/**
 * Checks rows pushed in seq order, one chunk at a time, holding only a small
 * window in memory: works the same on ten rows or ten million. Each row is
 * judged when the next one arrives, because telling an inserted row from a
 * broken link needs to see whether the chain skips over it.
 */
export class AuditChainVerifier {
  readonly #head: ChainHead;
  readonly #headSeq: bigint;
  #prevHash = GENESIS_HASH;
  #prevSeq = 0n;
  #waiting: AuditLink | undefined;
  readonly #recent = new Map<string, bigint>();
  #checked = 0;
  readonly #problems: ChainProblem[] = [];
  #truncated = false;

  constructor(head: ChainHead) {
    this.#head = head;
    this.#headSeq = BigInt(head.seq);
  }

  push(row: AuditLink): void {
    if (this.#waiting !== undefined) this.#judge(this.#waiting, row);
    this.#waiting = row;
  }

  finish(): ChainReport {
    if (this.#waiting !== undefined) this.#judge(this.#waiting, undefined);
    this.#waiting = undefined;
    this.#checkTail();
    return {
      ok: this.#problems.length === 0,
      checked: this.#checked,
      problems: [...this.#problems],
      problems_truncated: this.#truncated,
      head: this.#head,
    };
  }

  #judge(row: AuditLink, next: AuditLink | undefined): void {
    this.#checked++;
    const seq = BigInt(row.seq);
    if (seq > this.#headSeq) {
      this.#report(row.seq, "inserted", `seq ${row.seq} lies past the chain head (seq ${this.#head.seq})`);
      return;
    }
    const contentIntact = auditHash(row, row.prev_hash) === row.hash;
    if (row.prev_hash === this.#prevHash) {
      if (!contentIntact) this.#reportEdited(row);
      this.#advance(row, seq);
      return;
    }
    if (next !== undefined && next.prev_hash === this.#prevHash) {
      this.#report(row.seq, "inserted", `seq ${row.seq} is not linked into the chain: seq ${next.seq} skips over it`);
      return;
    }
    this.#judgeBrokenLink(row, seq, contentIntact);
    this.#advance(row, seq);
  }

  #judgeBrokenLink(row: AuditLink, seq: bigint, contentIntact: boolean): void {
    const expected = this.#prevSeq + 1n;
    if (seq > expected) {
      const missing = seq - 1n === expected ? `seq ${expected}` : `seqs ${expected} to ${seq - 1n}`;
      this.#report(
        String(expected),
        "deleted",
        `${missing} missing: seq ${row.seq} does not link to seq ${this.#prevSeq}`,
      );
      if (!contentIntact) this.#reportEdited(row);
      return;
    }
    const linkedTo = this.#recent.get(row.prev_hash);
    if (linkedTo !== undefined) {
      this.#report(row.seq, "reordered", `seq ${row.seq} links to seq ${linkedTo}, not to seq ${this.#prevSeq}`);
      return;
    }
    this.#report(row.seq, "edited", `prev_hash of seq ${row.seq} does not match the hash of seq ${this.#prevSeq}`);
  }

  #reportEdited(row: AuditLink): void {
    this.#report(row.seq, "edited", `hash mismatch at seq ${row.seq}: the row differs from what was recorded`);
  }

  #checkTail(): void {
    if (this.#prevSeq < this.#headSeq) {
      const first = this.#prevSeq + 1n;
      const missing = first === this.#headSeq ? `seq ${first}` : `seqs ${first} to ${this.#headSeq}`;
      this.#report(String(first), "deleted", `${missing} missing at the end of the chain`);
    } else if (this.#prevSeq === this.#headSeq && this.#prevHash !== this.#head.hash) {
      this.#report(this.#head.seq, "edited", `the hash of seq ${this.#head.seq} differs from the chain head`);
    }
  }

  #advance(row: AuditLink, seq: bigint): void {
    this.#prevHash = row.hash;
    this.#prevSeq = seq;
    this.#recent.set(row.hash, seq);
    if (this.#recent.size > RECENT_HASHES) {
      const oldest = this.#recent.keys().next().value;
      if (oldest !== undefined) this.#recent.delete(oldest);
    }
  }

  #report(seq: string, kind: ChainProblemKind, detail: string): void {
    if (this.#problems.length >= PROBLEMS_MAX) {
      this.#truncated = true;
      return;
    }
    this.#problems.push({ seq, kind, detail });
  }
}
