import { sql } from "kysely";
import type { Temporal } from "temporal-polyfill";
import { toDate } from "../kernel/clock.js";
import type { Executor } from "../kernel/db.js";
import type { PageRequest } from "../kernel/pagination.js";
import { paginate } from "../kernel/pagination.js";
import type { DeliveryState } from "./model.js";
import { type AttemptRow, type DeliveryRow, type EventRow, tables } from "./store.js";

/** SQL for webhook events, deliveries and their attempts. */

export async function insertEvents(db: Executor, events: EventRow[]): Promise<void> {
  if (events.length === 0) return;
  await tables(db)
    .insertInto("webhook_events")
    .values(events.map((event) => ({ ...event, data: JSON.stringify(event.data) })))
    .onConflict((conflict) => conflict.doNothing())
    .execute();
}

export async function insertDeliveries(db: Executor, deliveries: DeliveryRow[]): Promise<void> {
  if (deliveries.length === 0) return;
  await tables(db)
    .insertInto("webhook_deliveries")
    .values(deliveries)
    .onConflict((conflict) => conflict.columns(["endpoint_id", "event_id"]).doNothing())
    .execute();
}

/**
 * Claims due deliveries for one sender: their next_attempt_at moves past the
 * send timeout (a lease), so another sender skips them; if this process dies
 * mid-send, the lease runs out and the delivery is tried again.
 */
export async function claimDueDeliveries(
  db: Executor,
  now: Temporal.Instant,
  leaseUntil: Temporal.Instant,
  limit: number,
): Promise<string[]> {
  const result = await sql<{ id: string }>`update webhook_deliveries set next_attempt_at = ${toDate(leaseUntil)}
    where id in (
      select id from webhook_deliveries
      where state in ('pending', 'failed') and next_attempt_at <= ${toDate(now)}
        and endpoint_id in (select id from webhook_endpoints where status = 'enabled')
      order by next_attempt_at limit ${limit}
      for update skip locked)
    returning id`.execute(db);
  return result.rows.map((row) => row.id);
}

/** Holds a waiting delivery for a manual send; delivered and exhausted ones have no schedule to hold. */
export async function leaseDelivery(db: Executor, id: string, until: Temporal.Instant): Promise<void> {
  await sql`update webhook_deliveries set next_attempt_at = ${toDate(until)}
    where id = ${id} and state in ('pending', 'failed')`.execute(db);
}

export interface DeliveryToSend {
  delivery: DeliveryRow;
  event: EventRow;
  url: string;
}

export async function findDeliveryToSend(db: Executor, id: string): Promise<DeliveryToSend | null> {
  const delivery = await findDelivery(db, id);
  if (delivery === null) return null;
  const event = await tables(db)
    .selectFrom("webhook_events")
    .selectAll()
    .where("id", "=", delivery.event_id)
    .executeTakeFirstOrThrow();
  const endpoint = await tables(db)
    .selectFrom("webhook_endpoints")
    .select("url")
    .where("id", "=", delivery.endpoint_id)
    .executeTakeFirstOrThrow();
  return { delivery, event, url: endpoint.url };
}

export async function findDelivery(db: Executor, id: string, options: { lock?: boolean } = {}) {
  let query = tables(db).selectFrom("webhook_deliveries").selectAll().where("id", "=", id);
  if (options.lock === true) query = query.forUpdate();
  return (await query.executeTakeFirst()) ?? null;
}

export async function insertAttempt(db: Executor, attempt: AttemptRow): Promise<void> {
  await tables(db).insertInto("webhook_delivery_attempts").values(attempt).execute();
}

export async function updateDeliveryAfterAttempt(
  db: Executor,
  id: string,
  changes: {
    state: DeliveryState;
    attempt_count: number;
    first_attempt_at: Date;
    last_attempt_at: Date;
    next_attempt_at: Date | null;
  },
): Promise<void> {
  await tables(db).updateTable("webhook_deliveries").set(changes).where("id", "=", id).execute();
}

export async function listDeliveryRows(db: Executor, endpointId: string, page: PageRequest) {
  const query = tables(db)
    .selectFrom("webhook_deliveries as d")
    .innerJoin("webhook_events as e", "e.id", "d.event_id")
    .selectAll("d")
    .select(["e.type as event_type", "e.created_at as event_created_at"])
    .where("d.endpoint_id", "=", endpointId);
  return paginate(query, "d.id", page);
}

export async function findDeliveryWithEvent(db: Executor, id: string) {
  return (
    (await tables(db)
      .selectFrom("webhook_deliveries as d")
      .innerJoin("webhook_events as e", "e.id", "d.event_id")
      .selectAll("d")
      .select(["e.type as event_type", "e.created_at as event_created_at"])
      .where("d.id", "=", id)
      .executeTakeFirst()) ?? null
  );
}

export async function attemptsOf(db: Executor, deliveryIds: string[]): Promise<AttemptRow[]> {
  if (deliveryIds.length === 0) return [];
  return tables(db)
    .selectFrom("webhook_delivery_attempts")
    .selectAll()
    .where("delivery_id", "in", deliveryIds)
    .orderBy("delivery_id")
    .orderBy("attempt")
    .execute();
}
