import { sql } from "kysely";
import type { Temporal } from "temporal-polyfill";
import { toDate } from "./clock.js";
import type { Executor } from "./db.js";
import { newId } from "./ids.js";

/**
 * Domain events (`invoice.finalized`, `ledger.entry_posted`, …) are written to
 * the outbox inside the transaction of the change, never sent directly: if the
 * transaction rolls back the event never existed, and if the process dies after
 * commit the relay still delivers it.
 */
export interface DomainEvent {
  type: string;
  data: Record<string, unknown>;
}

export async function emitEvent(
  tx: Executor,
  event: DomainEvent,
  at: Temporal.Instant,
  requestId?: string,
): Promise<string> {
  const id = newId("outbox_event");
  await tx
    .insertInto("outbox_events")
    .values({
      id,
      type: event.type,
      data: JSON.stringify(event.data),
      request_id: requestId ?? null,
      created_at: toDate(at),
    })
    .execute();
  return id;
}

/**
 * emitEvent for many events in one statement, in order, inside the caller's
 * transaction. The events travel as one JSON document (one parameter,
 * stringified once) rather than five parameters an event, read as jsonb
 * whole: json_to_recordset would parse each event's data a second time.
 */
export async function emitEvents(
  tx: Executor,
  events: readonly DomainEvent[],
  at: Temporal.Instant,
  requestId?: string,
): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((event) => ({ id: newId("outbox_event"), type: event.type, data: event.data }));
  await sql`
    insert into outbox_events (id, type, data, request_id, created_at)
    select r.id, r.type, r.data, ${requestId ?? null}, ${toDate(at)}
      from rows from (jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as (id text, type text, data jsonb))
           with ordinality as r(id, type, data, n)
     order by r.n`.execute(tx);
}
