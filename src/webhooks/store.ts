import { type Kysely, type Selectable, sql } from "kysely";
import type { Temporal } from "temporal-polyfill";
import { toDate } from "../kernel/clock.js";
import type { Executor } from "../kernel/db.js";
import type { DeliveryState } from "./model.js";

/** SQL for the webhooks module's tables, and the relay's reads of the kernel outbox. */

export interface WebhookEndpointsTable {
  id: string;
  url: string;
  description: string | null;
  enabled_events: string[];
  status: "enabled" | "disabled";
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

export interface WebhookEndpointSecretsTable {
  endpoint_id: string;
  secret: string;
  created_at: Date;
  expires_at: Date | null;
}

export interface WebhookEventsTable {
  id: string;
  outbox_event_id: string | null;
  type: string;
  data: unknown;
  created_at: Date;
}

export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  event_id: string;
  state: DeliveryState;
  attempt_count: number;
  first_attempt_at: Date | null;
  last_attempt_at: Date | null;
  next_attempt_at: Date | null;
  created_at: Date;
}

export interface WebhookDeliveryAttemptsTable {
  delivery_id: string;
  attempt: number;
  attempted_at: Date;
  status_code: number | null;
  response_excerpt: string | null;
  duration_ms: number;
  error: string | null;
  succeeded: boolean;
}

interface OutboxEventsTable {
  seq: string;
  id: string;
  type: string;
  data: unknown;
  created_at: Date;
  relayed_at: Date | null;
}

interface WebhookTables {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_endpoint_secrets: WebhookEndpointSecretsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
  outbox_events: OutboxEventsTable;
}

export type EndpointRow = Selectable<WebhookEndpointsTable>;
export type SecretRow = Selectable<WebhookEndpointSecretsTable>;
export type EventRow = Selectable<WebhookEventsTable>;
export type DeliveryRow = Selectable<WebhookDeliveriesTable>;
export type AttemptRow = Selectable<WebhookDeliveryAttemptsTable>;
export type OutboxRow = Pick<OutboxEventsTable, "seq" | "id" | "type" | "data" | "created_at">;

export const tables = (db: Executor) => db as unknown as Kysely<WebhookTables>;

// ---- endpoints and secrets ----

export async function insertEndpoint(db: Executor, endpoint: EndpointRow): Promise<void> {
  await tables(db)
    .insertInto("webhook_endpoints")
    .values({ ...endpoint, metadata: JSON.stringify(endpoint.metadata) as never })
    .execute();
}

export async function updateEndpointRow(db: Executor, endpoint: EndpointRow): Promise<void> {
  const { id, created_at: _created, ...changes } = endpoint;
  await tables(db)
    .updateTable("webhook_endpoints")
    .set({ ...changes, metadata: JSON.stringify(changes.metadata) as never })
    .where("id", "=", id)
    .execute();
}

export async function deleteEndpointRow(db: Executor, id: string): Promise<void> {
  await tables(db).deleteFrom("webhook_endpoints").where("id", "=", id).execute();
}

export async function findEndpoint(db: Executor, id: string, options: { lock?: boolean } = {}) {
  let query = tables(db).selectFrom("webhook_endpoints").selectAll().where("id", "=", id);
  if (options.lock === true) query = query.forUpdate();
  return (await query.executeTakeFirst()) ?? null;
}

export function endpointsQuery(db: Executor) {
  return tables(db).selectFrom("webhook_endpoints").selectAll();
}

export async function enabledEndpoints(db: Executor): Promise<EndpointRow[]> {
  return tables(db).selectFrom("webhook_endpoints").selectAll().where("status", "=", "enabled").execute();
}

export async function insertSecret(db: Executor, secret: SecretRow): Promise<void> {
  await tables(db).insertInto("webhook_endpoint_secrets").values(secret).execute();
}

/** Gives every secret that is still active an expiry (kept if it already expires sooner). */
export async function expireActiveSecrets(
  db: Executor,
  endpointId: string,
  expiresAt: Temporal.Instant,
  now: Temporal.Instant,
): Promise<void> {
  await sql`update webhook_endpoint_secrets
    set expires_at = least(coalesce(expires_at, ${toDate(expiresAt)}), ${toDate(expiresAt)})
    where endpoint_id = ${endpointId} and (expires_at is null or expires_at > ${toDate(now)})`.execute(db);
}

/** The current secret first, then the ones being rotated out, newest first. */
export async function activeSecrets(db: Executor, endpointIds: string[], at: Temporal.Instant): Promise<SecretRow[]> {
  if (endpointIds.length === 0) return [];
  return tables(db)
    .selectFrom("webhook_endpoint_secrets")
    .selectAll()
    .where("endpoint_id", "in", endpointIds)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", toDate(at))]))
    .orderBy(sql`expires_at is null`, "desc")
    .orderBy("created_at", "desc")
    .execute();
}

// ---- outbox relay ----

/** The oldest unrelayed events, locked; a second relay skips them rather than waiting or doubling. */
export async function lockUnrelayedOutbox(db: Executor, limit: number): Promise<OutboxRow[]> {
  return tables(db)
    .selectFrom("outbox_events")
    .select(["seq", "id", "type", "data", "created_at"])
    .where("relayed_at", "is", null)
    .orderBy("seq")
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function markRelayed(db: Executor, seqs: string[], at: Temporal.Instant): Promise<void> {
  if (seqs.length === 0) return;
  await tables(db)
    .updateTable("outbox_events")
    .set({ relayed_at: toDate(at) })
    .where("seq", "in", seqs)
    .execute();
}
