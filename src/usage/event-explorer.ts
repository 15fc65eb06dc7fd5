import { sql } from "kysely";
import { resolveCustomerReferences } from "../customers/index.js";
import { fromDate } from "../kernel/clock.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { eventApiId } from "./event-ids.js";

/**
 * The events explorer: stored events newest first (by their own timestamp),
 * filtered by customer, type and time. The cursor is the last event's
 * (timestamp, id), because event ids have no index of their own: paging by
 * id alone would scan. With a customer the (customer_id, ts) index serves
 * the page directly; without one, give from/to so only those months' partitions are read.
 */

export interface UsageEvent {
  object: "event";
  id: string;
  customer: string;
  transaction_id: string;
  type: string;
  timestamp: string;
  properties: Record<string, unknown>;
  received_at: string;
  source: string;
}

export interface EventQuery {
  limit: number;
  customer?: string | undefined;
  type?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  cursor?: string | undefined;
}

export interface EventPage {
  data: UsageEvent[];
  has_more: boolean;
  /** Pass as `cursor` for the next (older) page; null on the last. */
  next_cursor: string | null;
}

interface EventRow {
  id: string;
  customer_id: string;
  transaction_id: string;
  type: string;
  ts: Date;
  properties: Record<string, unknown>;
  received_at: Date;
  source: string;
}

function encodeCursor(row: EventRow): string {
  return Buffer.from(`${row.ts.getTime()}:${row.id}`).toString("base64url");
}

function decodeCursor(cursor: string): { ts: Date; id: string } {
  const [ms, id] = Buffer.from(cursor, "base64url").toString().split(":");
  const time = Number(ms);
  if (!Number.isSafeInteger(time) || id === undefined || !/^[0-9a-f-]{36}$/.test(id)) {
    throw new DomainError("parameter_invalid", "cursor is not one this API returned", { param: "cursor" });
  }
  return { ts: new Date(time), id };
}

export async function listEvents(deps: Deps, query: EventQuery): Promise<EventPage> {
  let customerId: string | undefined;
  if (query.customer !== undefined) {
    customerId = (await resolveCustomerReferences(deps, [query.customer])).get(query.customer);
    if (customerId === undefined) {
      throw new DomainError("customer_not_found", `no customer ${query.customer}`, { param: "customer" });
    }
  }
  const conditions = [sql`true`];
  if (customerId !== undefined) conditions.push(sql`customer_id = ${customerId}`);
  if (query.type !== undefined) conditions.push(sql`type = ${query.type}`);
  if (query.from !== undefined) conditions.push(sql`ts >= ${new Date(query.from)}`);
  if (query.to !== undefined) conditions.push(sql`ts < ${new Date(query.to)}`);
  if (query.cursor !== undefined) {
    const after = decodeCursor(query.cursor);
    conditions.push(sql`(ts, id) < (${after.ts}, ${after.id}::uuid)`);
  }
  const rows = await sql<EventRow>`
    select id, customer_id, transaction_id, type, ts, properties, received_at, source from usage_events
    where ${sql.join(conditions, sql` and `)}
    order by ts desc, id desc limit ${query.limit + 1}`.execute(deps.db);
  const has_more = rows.rows.length > query.limit;
  const page = rows.rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    data: page.map(toEvent),
    has_more,
    next_cursor: has_more && last !== undefined ? encodeCursor(last) : null,
  };
}

function toEvent(row: EventRow): UsageEvent {
  return {
    object: "event",
    id: eventApiId(row.id),
    customer: row.customer_id,
    transaction_id: row.transaction_id,
    type: row.type,
    timestamp: fromDate(row.ts).toString(),
    properties: row.properties,
    received_at: fromDate(row.received_at).toString(),
    source: row.source,
  };
}
