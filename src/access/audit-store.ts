import { type Kysely, type Selectable, sql } from "kysely";
import type { Executor } from "../kernel/db.js";
import type { AuditLink, ChainHead } from "./audit-chain.js";

/** SQL for the audit log and its chain heads. Rows are only ever inserted (triggers refuse the rest). */

interface AuditEventsTable {
  seq: string;
  chain: number;
  chain_seq: string;
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
  occurred_at: Date;
  prev_hash: string;
  hash: string;
}

interface AuditChainHeadsTable {
  chain: number;
  seq: string;
  hash: string;
}

interface AuditTables {
  audit_events: AuditEventsTable;
  audit_chain_heads: AuditChainHeadsTable;
}

export type AuditEventRow = Selectable<AuditEventsTable>;

const tables = (db: Executor) => db as unknown as Kysely<AuditTables>;

export interface NewAuditEvent {
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
  occurred_at: Date;
}

const jsonb = (value: unknown) => (value === null ? null : JSON.stringify(value));

/**
 * Appends one row in one statement (audit_append in 0002_access.sql): it locks
 * this connection's chain head until commit, assigns chain_seq and seq, hashes
 * and inserts (the insert is checked as in 0036_audit_append_many.sql), so the
 * lock is held for this one round trip plus the commit.
 */
export async function appendAuditEvent(db: Executor, event: NewAuditEvent): Promise<AuditEventRow> {
  const { rows } = await sql<AuditEventRow>`select * from audit_append(
    ${event.id}, ${event.actor_type}, ${event.actor_id}, ${event.actor_name}, ${event.action},
    ${event.object_type}, ${event.object_id}, ${jsonb(event.before)}::jsonb, ${jsonb(event.after)}::jsonb,
    ${event.reason}, ${event.request_id}, ${event.occurred_at}::timestamptz)`.execute(db);
  const row = rows[0];
  if (row === undefined) throw new Error("audit_append returned no row");
  return row;
}

/**
 * Appends many rows in one statement, in the given order, to this
 * connection's chain (audit_append_many in 0036_audit_append_many.sql): it
 * locks the chain head once until commit, hashes each row with the previous
 * one's hash and inserts them all at once; the same check as for one row
 * refuses the whole batch unless it extends the chain exactly. For batch work
 * such as a billing run's chunk of invoices. The rows travel as one JSON
 * document, `rowsJson`: an array of objects with the fields of NewAuditEvent
 * (occurred_at as ISO text), in chain order — one string to send instead of a
 * dozen arrays whose every JSON element would need escaping.
 */
export async function appendAuditEvents(db: Executor, rowsJson: string): Promise<void> {
  await sql`select count(*) from audit_append_many(${rowsJson}::jsonb)`.execute(db);
}

/**
 * appendAuditEvents where some rows' `after` is also the data of a domain
 * event (an invoice finalized: its audit row and its `invoice.finalized`
 * event carry the same view). Such a row carries `event_id`, `event_type` and
 * `event_key` besides its own fields; the event is written to the outbox
 * (kernel/outbox.ts: id, type, data, request_id, created_at) with data
 * `{ [event_key]: after }`, in the rows' order, in the same statement. The
 * document travels and is parsed once for both: a billing run's invoice
 * views are most of what it sends.
 */
export async function appendAuditEventsEmitting(
  db: Executor,
  rowsJson: string,
  event: { request_id: string | null; created_at: Date },
): Promise<void> {
  await sql`
    with doc as materialized (select ${rowsJson}::jsonb as rows),
    emitted as (
      insert into outbox_events (id, type, data, request_id, created_at)
      select r.row ->> 'event_id', r.row ->> 'event_type', jsonb_build_object(r.row ->> 'event_key', r.row -> 'after'),
             ${event.request_id}, ${event.created_at}
        from doc, jsonb_array_elements(doc.rows) with ordinality as r(row, n)
       where r.row ? 'event_id'
       order by r.n
    )
    select count(*) from doc, audit_append_many(doc.rows)`.execute(db);
}

export async function readChainHeads(db: Executor): Promise<ChainHead[]> {
  const heads = await tables(db)
    .selectFrom("audit_chain_heads")
    .select(["chain", "seq", "hash"])
    .orderBy("chain")
    .execute();
  if (heads.length === 0) throw new Error("audit_chain_heads is empty: migration 0002 did not run");
  return heads;
}

/**
 * One chunk of the log in (chain, chain_seq) order, for verification, after
 * the given position. before and after are read as jsonb text: the hash covers
 * exactly those bytes.
 */
export async function readChainChunk(
  db: Executor,
  after: { chain: number; chain_seq: string },
  limit: number,
): Promise<AuditLink[]> {
  const rows = await tables(db)
    .selectFrom("audit_events")
    .select([
      "chain",
      "chain_seq",
      "seq",
      "id",
      "actor_type",
      "actor_id",
      "actor_name",
      "action",
      "object_type",
      "object_id",
      "reason",
      "request_id",
      "occurred_at",
      "prev_hash",
      "hash",
      sql<string | null>`before::text`.as("before_json"),
      sql<string | null>`after::text`.as("after_json"),
    ])
    .where(sql<boolean>`(chain, chain_seq) > (${after.chain}::smallint, ${after.chain_seq}::bigint)`)
    .orderBy("chain", "asc")
    .orderBy("chain_seq", "asc")
    .limit(limit)
    .execute();
  return rows.map((row) => ({ ...row, occurred_at: row.occurred_at.toISOString() }));
}

export interface AuditEventFilter {
  object_type?: string | undefined;
  object_id?: string | undefined;
  actor_id?: string | undefined;
  action?: string | undefined;
  occurred_from?: Date | undefined;
  occurred_to?: Date | undefined;
}

export interface SeqPage {
  limit: number;
  /** Newest first: rows older than this seq. */
  before_seq?: string | undefined;
  /** The previous page: rows newer than this seq. */
  after_seq?: string | undefined;
}

/**
 * Newest first by seq: seq is drawn when a row is appended, so it is the order
 * the log was written in (within a chain exactly, across chains to within the
 * commits in flight), which ids only approximate.
 */
export async function listAuditEventRows(
  db: Executor,
  filter: AuditEventFilter,
  page: SeqPage,
): Promise<{ rows: AuditEventRow[]; has_more: boolean }> {
  let query = tables(db).selectFrom("audit_events").selectAll();
  if (filter.object_type !== undefined) query = query.where("object_type", "=", filter.object_type);
  if (filter.object_id !== undefined) query = query.where("object_id", "=", filter.object_id);
  if (filter.actor_id !== undefined) query = query.where("actor_id", "=", filter.actor_id);
  if (filter.action !== undefined) query = query.where("action", "=", filter.action);
  if (filter.occurred_from !== undefined) query = query.where("occurred_at", ">=", filter.occurred_from);
  if (filter.occurred_to !== undefined) query = query.where("occurred_at", "<", filter.occurred_to);
  if (page.after_seq !== undefined) {
    query = query.where("seq", ">", page.after_seq).orderBy("seq", "asc");
  } else {
    if (page.before_seq !== undefined) query = query.where("seq", "<", page.before_seq);
    query = query.orderBy("seq", "desc");
  }
  const rows = await query.limit(page.limit + 1).execute();
  const has_more = rows.length > page.limit;
  const data = rows.slice(0, page.limit);
  if (page.after_seq !== undefined) data.reverse();
  return { rows: data, has_more };
}

export async function findAuditEvent(db: Executor, id: string): Promise<AuditEventRow | undefined> {
  return tables(db).selectFrom("audit_events").selectAll().where("id", "=", id).executeTakeFirst();
}
