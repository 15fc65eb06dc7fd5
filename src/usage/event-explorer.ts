import { sql } from "kysely";
import { resolveCustomerReferences } from "../customers/index.js";
import { fromDate } from "../kernel/clock.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { eventApiId } from "./event-ids.js";
import {
  type EventRating,
  eventRatingOf,
  type RatingFacts,
  type RatingStatus,
  ratingStatusOf,
} from "./rating-status-model.js";
import { factsOf, ratingFactsOf } from "./rating-status-store.js";

/**
 * The events explorer: stored events newest first (by their own timestamp),
 * filtered by customer, type and time. The cursor is the last event's
 * (timestamp, id), because event ids have no index of their own: paging by
 * id alone would scan. With a customer the (customer_id, ts) index serves
 * the page directly; without one, give from/to so only those months' partitions are read.
 * Each page's rating statuses come from one more query keyed by its events.
 */

/** Events read per round, and per request at most, when filtering by rated, no_charge or pending. */
const SCAN_CHUNK = 500;
const SCAN_EVENTS_MAX = 5_000;

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
  rating_status: RatingStatus;
  rating: EventRating;
}

export interface EventQuery {
  limit: number;
  customer?: string | undefined;
  type?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  cursor?: string | undefined;
  rating_status?: RatingStatus | undefined;
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

interface Filters {
  customer_id: string | undefined;
  type: string | undefined;
  from: Date | undefined;
  to: Date | undefined;
}

/** The filters as SQL over the given columns: the events' own, or the errors' copies of them. */
function conditions(filters: Filters, after: { ts: Date; id: string } | null, columns: Record<string, string>) {
  const column = (name: "customer_id" | "type" | "ts" | "id") => sql.ref(columns[name] ?? name);
  const list = [sql`true`];
  if (filters.customer_id !== undefined) list.push(sql`${column("customer_id")} = ${filters.customer_id}`);
  if (filters.type !== undefined) list.push(sql`${column("type")} = ${filters.type}`);
  if (filters.from !== undefined) list.push(sql`${column("ts")} >= ${filters.from}`);
  if (filters.to !== undefined) list.push(sql`${column("ts")} < ${filters.to}`);
  if (after !== null) list.push(sql`(${column("ts")}, ${column("id")}) < (${after.ts}, ${after.id}::uuid)`);
  return sql.join(list, sql` and `);
}

async function eventRows(deps: Deps, filters: Filters, after: { ts: Date; id: string } | null, limit: number) {
  const rows = await sql<EventRow>`
    select id, customer_id, transaction_id, type, ts, properties, received_at, source from usage_events
    where ${conditions(filters, after, {})}
    order by ts desc, id desc limit ${limit}`.execute(deps.db);
  return rows.rows;
}

/**
 * Unrated events, read from the latest ratings' errors (as many as the
 * events a script could not rate) rather than by testing every event.
 */
async function unratedEventRows(deps: Deps, filters: Filters, after: { ts: Date; id: string } | null, limit: number) {
  const rows = await sql<EventRow>`
    select distinct on (e.ts, e.id) e.id, e.customer_id, e.transaction_id, e.type, e.ts, e.properties, e.received_at,
           e.source
      from usage_rating_errors r
      join usage_events e on e.customer_id = r.customer_id and e.ts = r.event_ts and e.id = r.event_id
     where r.event_id is not null
       and ${conditions(filters, after, { customer_id: "r.customer_id", type: "e.type", ts: "r.event_ts", id: "r.event_id" })}
     order by e.ts desc, e.id desc limit ${limit}`.execute(deps.db);
  return rows.rows;
}

async function withRatings(deps: Deps, rows: readonly EventRow[]): Promise<UsageEvent[]> {
  const facts = await ratingFactsOf(deps.db, rows);
  return rows.map((row) => toEvent(row, factsOf(facts, row.id)));
}

async function pageOf(deps: Deps, rows: readonly EventRow[], limit: number): Promise<EventPage> {
  const has_more = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: await withRatings(deps, page),
    has_more,
    next_cursor: has_more && last !== undefined ? encodeCursor(last) : null,
  };
}

/**
 * Rated, no-charge or pending events: the events in order, a chunk at a
 * time, each chunk's statuses in one query, until the page is full. At most
 * SCAN_EVENTS_MAX events are read per request, so a rare status never reads
 * a month: the page then comes back short with `has_more` and a cursor at
 * the last event read, and the next request carries on from there.
 */
async function scanForStatus(
  deps: Deps,
  filters: Filters,
  status: RatingStatus,
  start: { ts: Date; id: string } | null,
  limit: number,
): Promise<EventPage> {
  const matched: UsageEvent[] = [];
  const matchedRows: EventRow[] = [];
  let after = start;
  let scanned = 0;
  for (;;) {
    const rows = await eventRows(deps, filters, after, SCAN_CHUNK);
    const facts = await ratingFactsOf(deps.db, rows);
    for (const row of rows) {
      const rowFacts = factsOf(facts, row.id);
      if (ratingStatusOf(rowFacts) !== status) continue;
      if (matched.length === limit) {
        return { data: matched, has_more: true, next_cursor: encodeCursor(matchedRows.at(-1) as EventRow) };
      }
      matched.push(toEvent(row, rowFacts));
      matchedRows.push(row);
    }
    scanned += rows.length;
    const last = rows.at(-1);
    if (rows.length < SCAN_CHUNK || last === undefined) return { data: matched, has_more: false, next_cursor: null };
    if (scanned >= SCAN_EVENTS_MAX) return { data: matched, has_more: true, next_cursor: encodeCursor(last) };
    after = { ts: last.ts, id: last.id };
  }
}

export async function listEvents(deps: Deps, query: EventQuery): Promise<EventPage> {
  let customerId: string | undefined;
  if (query.customer !== undefined) {
    customerId = (await resolveCustomerReferences(deps, [query.customer])).get(query.customer);
    if (customerId === undefined) {
      throw new DomainError("customer_not_found", `no customer ${query.customer}`, { param: "customer" });
    }
  }
  const filters: Filters = {
    customer_id: customerId,
    type: query.type,
    from: query.from === undefined ? undefined : new Date(query.from),
    to: query.to === undefined ? undefined : new Date(query.to),
  };
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
  switch (query.rating_status) {
    case undefined:
      return pageOf(deps, await eventRows(deps, filters, after, query.limit + 1), query.limit);
    case "unrated":
      return pageOf(deps, await unratedEventRows(deps, filters, after, query.limit + 1), query.limit);
    case "rated":
    case "no_charge":
    case "pending":
    case "not_scripted":
      return scanForStatus(deps, filters, query.rating_status, after, query.limit);
    default: {
      const unknown: never = query.rating_status;
      throw new Error(`unknown rating status ${String(unknown)}`);
    }
  }
}

function toEvent(row: EventRow, facts: RatingFacts): UsageEvent {
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
    rating_status: ratingStatusOf(facts),
    rating: eventRatingOf(facts),
  };
}
