import type { Kysely, Selectable } from "kysely";
import type { Executor } from "../kernel/db.js";
import type { AuditLink, ChainHead } from "./audit-chain.js";

/** SQL for the audit log and its chain head. Rows are only ever inserted (triggers refuse the rest). */

interface AuditEventsTable {
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
  occurred_at: Date;
  prev_hash: string;
  hash: string;
}

interface AuditChainHeadTable {
  singleton: boolean;
  seq: string;
  hash: string;
}

interface AuditTables {
  audit_events: AuditEventsTable;
  audit_chain_head: AuditChainHeadTable;
}

export type AuditEventRow = Selectable<AuditEventsTable>;

const tables = (db: Executor) => db as unknown as Kysely<AuditTables>;

/** Locks the head row until commit: appends happen one at a time, in seq order. */
export async function lockChainHead(db: Executor): Promise<ChainHead> {
  const head = await tables(db).selectFrom("audit_chain_head").select(["seq", "hash"]).forUpdate().executeTakeFirst();
  if (head === undefined) throw new Error("audit_chain_head is missing: migration 0002 did not run");
  return head;
}

export async function readChainHead(db: Executor): Promise<ChainHead> {
  const head = await tables(db).selectFrom("audit_chain_head").select(["seq", "hash"]).executeTakeFirst();
  if (head === undefined) throw new Error("audit_chain_head is missing: migration 0002 did not run");
  return head;
}

export async function insertAuditEvent(db: Executor, row: AuditEventRow): Promise<void> {
  await tables(db)
    .insertInto("audit_events")
    .values({
      ...row,
      before: row.before === null ? null : JSON.stringify(row.before),
      after: row.after === null ? null : JSON.stringify(row.after),
    })
    .execute();
}

/** One chunk of the chain in seq order, for verification. */
export async function readChainChunk(db: Executor, afterSeq: string, limit: number): Promise<AuditLink[]> {
  const rows = await tables(db)
    .selectFrom("audit_events")
    .selectAll()
    .where("seq", ">", afterSeq)
    .orderBy("seq", "asc")
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

/** Newest first by seq: seq is the order the chain was written in, which ids only approximate. */
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
