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

/** emitEvent for many events in one statement, in order, inside the caller's transaction. */
export async function emitEvents(
  tx: Executor,
  events: readonly DomainEvent[],
  at: Temporal.Instant,
  requestId?: string,
): Promise<void> {
  if (events.length === 0) return;
  const createdAt = toDate(at);
  // A statement takes at most 65,535 parameters: five per event.
  for (let from = 0; from < events.length; from += 10_000) {
    await tx
      .insertInto("outbox_events")
      .values(
        events.slice(from, from + 10_000).map((event) => ({
          id: newId("outbox_event"),
          type: event.type,
          data: JSON.stringify(event.data),
          request_id: requestId ?? null,
          created_at: createdAt,
        })),
      )
      .execute();
  }
}
