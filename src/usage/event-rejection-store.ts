import { type Kysely, sql } from "kysely";
import type { Executor, Tx } from "../kernel/db.js";
import { type Page, type PageRequest, paginate } from "../kernel/pagination.js";
import { type EventSource, textArrayLiteral } from "./event-store.js";

/** SQL for usage_event_rejections: events kept, with the reason, until someone retries them. */

export interface RejectionRow {
  id: string;
  source: EventSource;
  import_id: string | null;
  line: string | null;
  raw: string;
  code: string;
  message: string;
  field: string | null;
  received_at: Date;
  retry_count: number;
  resolved_at: Date | null;
  resolved_event_id: string | null;
}

interface RejectionTables {
  usage_event_rejections: RejectionRow;
}

const t = (db: Executor) => db as unknown as Kysely<RejectionTables>;

export interface NewRejection {
  id: string;
  line: number | null;
  raw: string;
  code: string;
  message: string;
  field: string | null;
}

/** All of a batch's rejections in one statement. */
export async function insertRejections(
  tx: Tx,
  rows: readonly NewRejection[],
  context: { source: EventSource; import_id: string | null; received_at: Date },
): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    insert into usage_event_rejections (id, source, import_id, line, raw, code, message, field, received_at)
    select id, ${context.source}, ${context.import_id}, line, raw, code, message, nullif(field, ''), ${context.received_at}
    from unnest(
      ${textArrayLiteral(rows.map((row) => row.id))}::text[],
      ${`{${rows.map((row) => (row.line === null ? "NULL" : String(row.line))).join(",")}}`}::int8[],
      ${textArrayLiteral(rows.map((row) => row.raw))}::text[],
      ${textArrayLiteral(rows.map((row) => row.code))}::text[],
      ${textArrayLiteral(rows.map((row) => row.message))}::text[],
      ${textArrayLiteral(rows.map((row) => row.field ?? ""))}::text[]
    ) as r(id, line, raw, code, message, field)`.execute(tx);
}

export interface RejectionFilter extends PageRequest {
  status?: "open" | "resolved" | undefined;
  source?: EventSource | undefined;
  code?: string | undefined;
  import_id?: string | undefined;
}

export async function listRejectionRows(db: Executor, filter: RejectionFilter): Promise<Page<RejectionRow>> {
  let query = t(db).selectFrom("usage_event_rejections").selectAll();
  if (filter.status === "open") query = query.where("resolved_at", "is", null);
  if (filter.status === "resolved") query = query.where("resolved_at", "is not", null);
  if (filter.source !== undefined) query = query.where("source", "=", filter.source);
  if (filter.code !== undefined) query = query.where("code", "=", filter.code);
  if (filter.import_id !== undefined) query = query.where("import_id", "=", filter.import_id);
  return paginate(query, "id", filter);
}

export async function findRejectionRow(db: Executor, id: string, lock = false): Promise<RejectionRow | null> {
  let query = t(db).selectFrom("usage_event_rejections").selectAll().where("id", "=", id);
  if (lock) query = query.forUpdate();
  return (await query.executeTakeFirst()) ?? null;
}

export async function updateRejectionRow(
  tx: Tx,
  id: string,
  changes: Partial<
    Pick<RejectionRow, "raw" | "code" | "message" | "field" | "retry_count" | "resolved_at" | "resolved_event_id">
  >,
): Promise<RejectionRow> {
  return t(tx)
    .updateTable("usage_event_rejections")
    .set(changes)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
