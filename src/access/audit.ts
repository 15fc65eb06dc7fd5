import assert from "node:assert/strict";
import type { Temporal } from "temporal-polyfill";
import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { type Executor, inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId, parseId } from "../kernel/ids.js";
import { AUDIT_CHAINS, AuditChainVerifier, type ChainReport, toJsonValue } from "./audit-chain.js";
import {
  type AuditEventFilter,
  type AuditEventRow,
  appendAuditEvent,
  appendAuditEvents,
  appendAuditEventsEmitting,
  findAuditEvent,
  listAuditEventRows,
  readChainChunk,
  readChainHeads,
} from "./audit-store.js";

/**
 * The audit log: who changed what, when, from what to what, and why. Every
 * module records its changes with `recordAudit` inside the transaction of the
 * change, so the row exists exactly when the change committed.
 *
 * The log is AUDIT_CHAINS hash chains. A transaction appends to the chain of
 * its database connection and holds that chain's head row lock until it
 * commits, so appends within a chain are one line while transactions on other
 * connections append to other chains without waiting. The append is one
 * statement (audit_append: lock, hash, insert, move the head). Call
 * recordAudit as the last step of a transaction all the same, so the lock is
 * held for as short a time as possible.
 */

export interface AuditEntry {
  action: string;
  object_type: string;
  object_id: string;
  before?: unknown;
  after?: unknown;
  /**
   * Also emit a domain event whose data is `{ [key]: after }` (recordAuditMany
   * only): the view is sent and stored once for both, in the same statement.
   */
  emits?: { type: string; key: string };
}

export interface AuditEvent {
  id: string;
  seq: string;
  chain: number;
  chain_seq: string;
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
  prev_hash: string;
  hash: string;
}

// A safety net: callers are told never to pass secrets, and these keys are masked if they do.
const SECRET_KEYS = /^(password|password_hash|secret|secret_hash|token|token_hash|session_token|csrf_token)$/i;

function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [
      key,
      SECRET_KEYS.test(key) ? "[redacted]" : redactSecrets(item),
    ]),
  );
}

/** Appends one row to a chain inside the caller's transaction (or on its own, given the pool). */
export async function recordAudit(
  tx: Executor,
  ctx: RequestContext,
  entry: AuditEntry,
  at: Temporal.Instant,
): Promise<AuditEvent> {
  const row = await appendAuditEvent(tx, {
    ...auditRow(ctx, entry),
    before: redactSecrets(toJsonValue(entry.before)),
    after: redactSecrets(toJsonValue(entry.after)),
    occurred_at: toDate(at),
  });
  return toAuditEvent(row);
}

/** An entry's row as the log stores it, but for its before, after and time, which each append writes its way. */
function auditRow(ctx: RequestContext, entry: AuditEntry) {
  return {
    id: newId("audit_event"),
    actor_type: ctx.actor.type,
    actor_id: ctx.actor.id,
    actor_name: ctx.actor.display_name ?? null,
    action: entry.action,
    object_type: entry.object_type,
    object_id: entry.object_id,
    reason: ctx.reason ?? null,
    request_id: ctx.request_id,
  };
}

/**
 * recordAudit for many entries at once, in order, inside the caller's
 * transaction. The whole batch is serialized once, straight to the JSON the
 * log stores, masking secret-looking keys on the way (what redactSecrets
 * does for one entry).
 */
export async function recordAuditMany(
  tx: Executor,
  ctx: RequestContext,
  entries: readonly AuditEntry[],
  at: Temporal.Instant,
): Promise<void> {
  if (entries.length === 0) return;
  const occurred_at = toDate(at).toISOString();
  let emitting = false;
  const rows = entries.map((entry) => {
    const row = { ...auditRow(ctx, entry), before: entry.before ?? null, after: entry.after ?? null, occurred_at };
    if (entry.emits === undefined) return row;
    emitting = true;
    return { ...row, event_id: newId("outbox_event"), event_type: entry.emits.type, event_key: entry.emits.key };
  });
  const document = auditDocument(rows);
  if (emitting) await appendAuditEventsEmitting(tx, document, { request_id: ctx.request_id, created_at: toDate(at) });
  else await appendAuditEvents(tx, document);
}

/** Any secret-looking key, anywhere in a JSON text (a string value that merely mentions one matches too). */
const SECRET_KEY_TEXT = /"(?:password|password_hash|secret|secret_hash|token|token_hash|session_token|csrf_token)"/i;

/**
 * The rows as one JSON document, secrets masked. The row's own keys (id,
 * action, …) never look secret, so one replacer serves the whole document;
 * a replacer takes JSON.stringify off its fast path, so it runs only when
 * the plain text holds a key it would mask.
 */
function auditDocument(rows: readonly object[]): string {
  const plain = JSON.stringify(rows);
  if (!SECRET_KEY_TEXT.test(plain)) return plain;
  return JSON.stringify(rows, (key, value) => (SECRET_KEYS.test(key) ? "[redacted]" : value));
}

function toAuditEvent(row: AuditEventRow): AuditEvent {
  return { ...row, occurred_at: fromDate(row.occurred_at).toString() };
}

export interface AuditEventQuery extends AuditEventFilter {
  limit: number;
  starting_after?: string | undefined;
  ending_before?: string | undefined;
}

export async function listAuditEvents(
  deps: Deps,
  query: AuditEventQuery,
): Promise<{ data: AuditEvent[]; has_more: boolean }> {
  const before_seq = await cursorSeq(deps, query.starting_after, "starting_after");
  const after_seq = await cursorSeq(deps, query.ending_before, "ending_before");
  const { rows, has_more } = await listAuditEventRows(deps.db, query, { limit: query.limit, before_seq, after_seq });
  return { data: rows.map(toAuditEvent), has_more };
}

async function cursorSeq(deps: Deps, id: string | undefined, param: string): Promise<string | undefined> {
  if (id === undefined) return undefined;
  const row = await findAuditEvent(deps.db, parseId("audit_event", id, param));
  if (row === undefined) throw new DomainError("not_found", `no audit event ${id}`, { param });
  return row.seq;
}

export async function getAuditEvent(deps: Deps, id: string): Promise<AuditEvent> {
  const row = await findAuditEvent(deps.db, parseId("audit_event", id, "id"));
  if (row === undefined) throw new DomainError("not_found", `no audit event ${id}`, { param: "id" });
  return toAuditEvent(row);
}

const VERIFY_CHUNK_ROWS = 5000;

/**
 * Re-hashes every chain in (chain, chain_seq) order, a chunk at a time, in one
 * repeatable-read snapshot so rows appended meanwhile neither appear half-way
 * nor look like tampering.
 */
export async function verifyAuditChain(deps: Deps, options: { chunkRows?: number } = {}): Promise<ChainReport> {
  const chunkRows = options.chunkRows ?? VERIFY_CHUNK_ROWS;
  return inTransaction(
    deps.db,
    async (tx) => {
      const heads = await readChainHeads(tx);
      assert.equal(heads.length, AUDIT_CHAINS, "audit_chain_heads holds one row per chain");
      const verifier = new AuditChainVerifier(heads);
      let after = { chain: -1, chain_seq: "0" };
      for (;;) {
        const chunk = await readChainChunk(tx, after, chunkRows);
        for (const row of chunk) verifier.push(row);
        const last = chunk.at(-1);
        if (last === undefined || chunk.length < chunkRows) break;
        after = last;
      }
      return verifier.finish();
    },
    { isolation: "repeatable read" },
  );
}
