import { toDate } from "../kernel/clock.js";
import { inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { newId } from "../kernel/ids.js";
import { insertDeliveries, insertEvents } from "./delivery-store.js";
import { endpointWantsEvent } from "./model.js";
import {
  type DeliveryRow,
  type EndpointRow,
  type EventRow,
  enabledEndpoints,
  lockUnrelayedOutbox,
  markRelayed,
  type OutboxRow,
} from "./store.js";

export interface RelayResult {
  /** Outbox events marked relayed (whether or not any endpoint wanted them). */
  events: number;
  deliveries: number;
}

/**
 * Moves domain events from the outbox to webhook deliveries: oldest first,
 * one delivery per enabled endpoint that wants the event type and existed when
 * the event happened, and the outbox rows marked relayed, all in one
 * transaction. `for update skip locked` lets two relays run side by side
 * without doubling a delivery (and unique(endpoint_id, event_id) would refuse
 * one anyway).
 */
export async function relayOutbox(deps: Deps, options: { limit?: number } = {}): Promise<RelayResult> {
  return inTransaction(deps.db, async (tx) => {
    const outbox = await lockUnrelayedOutbox(tx, options.limit ?? 500);
    if (outbox.length === 0) return { events: 0, deliveries: 0 };
    const now = deps.clock.now();
    const { events, deliveries } = planDeliveries(outbox, await enabledEndpoints(tx), toDate(now));
    await insertEvents(tx, events);
    await insertDeliveries(tx, deliveries);
    await markRelayed(
      tx,
      outbox.map((row) => row.seq),
      now,
    );
    return { events: outbox.length, deliveries: deliveries.length };
  });
}

function planDeliveries(outbox: OutboxRow[], endpoints: EndpointRow[], now: Date) {
  const events: EventRow[] = [];
  const deliveries: DeliveryRow[] = [];
  for (const row of outbox) {
    const wanting = endpoints.filter(
      (endpoint) => endpointWantsEvent(endpoint.enabled_events, row.type) && endpoint.created_at <= row.created_at,
    );
    if (wanting.length === 0) continue;
    const event: EventRow = {
      id: newId("event"),
      outbox_event_id: row.id,
      type: row.type,
      data: row.data,
      created_at: row.created_at,
    };
    events.push(event);
    for (const endpoint of wanting) deliveries.push(newDelivery(endpoint.id, event.id, now));
  }
  return { events, deliveries };
}

export function newDelivery(endpointId: string, eventId: string, now: Date): DeliveryRow {
  return {
    id: newId("webhook_delivery"),
    endpoint_id: endpointId,
    event_id: eventId,
    state: "pending",
    attempt_count: 0,
    first_attempt_at: null,
    last_attempt_at: null,
    next_attempt_at: now,
    created_at: now,
  };
}
