import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { type Db, inTransaction } from "../kernel/db.js";
import type { StoredEvent } from "./event-model.js";
import { projectEventsToMeters } from "./meter-projection.js";

/**
 * Events stored the way ingestion stores them (a row in usage_events and the
 * projection in the same transaction), for tests that are about meters and
 * not about ingestion's validation.
 */

export interface TestEvent {
  customer_id: string;
  type: string;
  at: string;
  properties: Record<string, unknown>;
}

let sequence = 0;

export async function storeEvents(db: Db, events: readonly TestEvent[]): Promise<StoredEvent[]> {
  const stored: StoredEvent[] = events.map((event) => ({
    id: randomUUID(),
    customer_id: event.customer_id,
    transaction_id: `test-${++sequence}`,
    type: event.type,
    ts: new Date(event.at),
    properties: event.properties,
  }));
  for (const event of stored) await sql`select usage_ensure_partition(${event.ts})`.execute(db);
  await inTransaction(db, async (tx) => {
    for (const event of stored) {
      await sql`
        insert into usage_events (id, customer_id, transaction_id, type, ts, properties, received_at, source)
        values (${event.id}, ${event.customer_id}, ${event.transaction_id}, ${event.type}, ${event.ts},
          ${JSON.stringify(event.properties)}::jsonb, ${event.ts}, 'api')`.execute(tx);
    }
    await projectEventsToMeters(tx, stored);
  });
  return stored;
}
