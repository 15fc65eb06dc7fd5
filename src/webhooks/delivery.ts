import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import type { Page, PageRequest } from "../kernel/pagination.js";
import {
  attemptsOf,
  claimDueDeliveries,
  findDelivery,
  findDeliveryToSend,
  findDeliveryWithEvent,
  insertAttempt,
  insertDeliveries,
  insertEvents,
  leaseDelivery,
  listDeliveryRows,
  updateDeliveryAfterAttempt,
} from "./delivery-store.js";
import { attemptSucceeded, type DeliveryState, deliveryAfterAttempt, eventBody } from "./model.js";
import { newDelivery } from "./relay.js";
import { postWebhook, SEND_TIMEOUT_MS } from "./sender.js";
import { SIGNATURE_HEADER, signatureHeader } from "./signing.js";
import { type AttemptRow, activeSecrets, findEndpoint } from "./store.js";

export interface WebhookDeliveryAttempt {
  attempt: number;
  attempted_at: string;
  status_code: number | null;
  response_excerpt: string | null;
  duration_ms: number;
  error: string | null;
  succeeded: boolean;
}

export interface WebhookDelivery {
  object: "webhook_delivery";
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  state: DeliveryState;
  attempt_count: number;
  first_attempt_at: string | null;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  created_at: string;
  attempts: WebhookDeliveryAttempt[];
}

const iso = (date: Date) => fromDate(date).toString();
const isoOrNull = (date: Date | null) => (date === null ? null : iso(date));

type DeliveryWithEvent = NonNullable<Awaited<ReturnType<typeof findDeliveryWithEvent>>>;

function toView(row: DeliveryWithEvent, attempts: AttemptRow[]): WebhookDelivery {
  return {
    object: "webhook_delivery",
    id: row.id,
    endpoint_id: row.endpoint_id,
    event_id: row.event_id,
    event_type: row.event_type,
    state: row.state,
    attempt_count: row.attempt_count,
    first_attempt_at: isoOrNull(row.first_attempt_at),
    last_attempt_at: isoOrNull(row.last_attempt_at),
    // While a sender holds the delivery, next_attempt_at is its lease, not a planned retry.
    next_attempt_at: row.state === "pending" || row.state === "failed" ? isoOrNull(row.next_attempt_at) : null,
    created_at: iso(row.created_at),
    attempts: attempts
      .filter((attempt) => attempt.delivery_id === row.id)
      .map((attempt) => ({
        attempt: attempt.attempt,
        attempted_at: iso(attempt.attempted_at),
        status_code: attempt.status_code,
        response_excerpt: attempt.response_excerpt,
        duration_ms: attempt.duration_ms,
        error: attempt.error,
        succeeded: attempt.succeeded,
      })),
  };
}

export async function getWebhookDelivery(deps: Deps, id: string): Promise<WebhookDelivery> {
  const row = await findDeliveryWithEvent(deps.db, id);
  if (row === null) throw new DomainError("webhook_delivery_not_found", `no webhook delivery ${id}`, { param: "id" });
  return toView(row, await attemptsOf(deps.db, [id]));
}

/** The delivery log of one endpoint, newest first, each delivery with its attempts. */
export async function listWebhookDeliveries(
  deps: Deps,
  endpointId: string,
  page: PageRequest,
): Promise<Page<WebhookDelivery>> {
  if ((await findEndpoint(deps.db, endpointId)) === null) {
    throw new DomainError("webhook_endpoint_not_found", `no webhook endpoint ${endpointId}`, { param: "id" });
  }
  const rows = await listDeliveryRows(deps.db, endpointId, page);
  const attempts = await attemptsOf(
    deps.db,
    rows.data.map((row) => row.id),
  );
  return { data: rows.data.map((row) => toView(row, attempts)), has_more: rows.has_more };
}

/**
 * One attempt: sign the event body with every active secret, POST it, log
 * the attempt and move the delivery on (succeeded, failed with its next try,
 * or exhausted). The HTTP call happens outside any transaction.
 */
async function attemptDelivery(deps: Deps, id: string, manual = false): Promise<void> {
  const found = await findDeliveryToSend(deps.db, id);
  if (found === null) return; // the endpoint was deleted meanwhile
  const at = deps.clock.now();
  const body = eventBody({ ...found.event, created_at: fromDate(found.event.created_at) });
  const secrets = await activeSecrets(deps.db, [found.delivery.endpoint_id], at);
  const result = await postWebhook(found.url, body, {
    "Content-Type": "application/json",
    "User-Agent": "Accrue-Webhooks/1",
    [SIGNATURE_HEADER]: signatureHeader(
      body,
      secrets.map((secret) => secret.secret),
      at,
    ),
  });
  await inTransaction(deps.db, async (tx) => {
    const delivery = await findDelivery(tx, id, { lock: true });
    if (delivery === null) return;
    const attempt = delivery.attempt_count + 1;
    const first = delivery.first_attempt_at === null ? at : fromDate(delivery.first_attempt_at);
    const next = deliveryAfterAttempt(result, {
      attemptCount: attempt,
      firstAttemptAt: first,
      attemptedAt: at,
      previousState: delivery.state,
      manual,
    });
    await insertAttempt(tx, {
      delivery_id: id,
      attempt,
      attempted_at: toDate(at),
      ...result,
      succeeded: attemptSucceeded(result),
    });
    await updateDeliveryAfterAttempt(tx, id, {
      state: next.state,
      attempt_count: attempt,
      first_attempt_at: toDate(first),
      last_attempt_at: toDate(at),
      next_attempt_at: next.next_attempt_at === null ? null : toDate(next.next_attempt_at),
    });
  });
}

const PARALLEL_SENDS = 8;
/** Long enough for a batch of sends to finish, short enough that a crashed sender's work is soon picked up. */
const LEASE_MS = SEND_TIMEOUT_MS * 6;

/**
 * Sends every delivery whose next_attempt_at has come (by the injected clock,
 * so a test clock drives retries). Claimed deliveries are leased past the send
 * timeout, so two senders never send one delivery at once.
 */
export async function deliverDueWebhooks(deps: Deps, options: { limit?: number } = {}): Promise<{ attempted: number }> {
  const now = deps.clock.now();
  const lease = now.add({ milliseconds: LEASE_MS });
  const ids = await inTransaction(deps.db, (tx) => claimDueDeliveries(tx, now, lease, options.limit ?? 50));
  for (let index = 0; index < ids.length; index += PARALLEL_SENDS) {
    await Promise.all(ids.slice(index, index + PARALLEL_SENDS).map((id) => attemptDelivery(deps, id)));
  }
  return { attempted: ids.length };
}

async function assertEndpointEnabled(deps: Deps, endpointId: string) {
  const endpoint = await findEndpoint(deps.db, endpointId);
  if (endpoint === null) {
    throw new DomainError("webhook_endpoint_not_found", `no webhook endpoint ${endpointId}`, { param: "id" });
  }
  if (endpoint.status !== "enabled") {
    throw new DomainError("webhook_endpoint_disabled", "the endpoint is disabled; enable it first", { param: "id" });
  }
}

/** Sends a delivery again now, whatever its state (an exhausted one too), and logs the attempt. */
export async function resendWebhookDelivery(deps: Deps, _ctx: RequestContext, id: string): Promise<WebhookDelivery> {
  const delivery = await findDelivery(deps.db, id);
  if (delivery === null)
    throw new DomainError("webhook_delivery_not_found", `no webhook delivery ${id}`, { param: "id" });
  await assertEndpointEnabled(deps, delivery.endpoint_id);
  // Leased first, so the pump does not send it at the same moment.
  await leaseDelivery(deps.db, id, deps.clock.now().add({ milliseconds: LEASE_MS }));
  await attemptDelivery(deps, id, true);
  return getWebhookDelivery(deps, id);
}

/** Sends a `ping` event to one endpoint now, whatever events it subscribes to. */
export async function sendTestWebhook(deps: Deps, ctx: RequestContext, endpointId: string): Promise<WebhookDelivery> {
  await assertEndpointEnabled(deps, endpointId);
  const now = toDate(deps.clock.now());
  const eventId = newId("event");
  const delivery = newDelivery(endpointId, eventId, now);
  // Leased like a claimed delivery, so the pump does not send it at the same time.
  delivery.next_attempt_at = toDate(deps.clock.now().add({ milliseconds: LEASE_MS }));
  await inTransaction(deps.db, async (tx) => {
    await insertEvents(tx, [
      {
        id: eventId,
        outbox_event_id: null,
        type: "ping",
        data: { endpoint_id: endpointId, request_id: ctx.request_id },
        created_at: now,
      },
    ]);
    await insertDeliveries(tx, [delivery]);
  });
  await attemptDelivery(deps, delivery.id);
  return getWebhookDelivery(deps, delivery.id);
}
