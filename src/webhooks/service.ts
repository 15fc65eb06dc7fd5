import type { Temporal } from "temporal-polyfill";
import { recordAudit } from "../access/index.js";
import type { RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import type { Page, PageRequest } from "../kernel/pagination.js";
import { paginate } from "../kernel/pagination.js";
import { checkEnabledEvents, checkEndpointUrl, type HttpPolicy } from "./model.js";
import { newWebhookSecret } from "./signing.js";
import {
  activeSecrets,
  deleteEndpointRow,
  type EndpointRow,
  endpointsQuery,
  expireActiveSecrets,
  findEndpoint,
  insertEndpoint,
  insertSecret,
  type SecretRow,
  updateEndpointRow,
} from "./store.js";

/** Where endpoint URLs may point; the API reads it from the configuration. */
export interface WebhookSettings {
  http: HttpPolicy;
}

export interface WebhookEndpoint {
  object: "webhook_endpoint";
  id: string;
  url: string;
  description: string | null;
  enabled_events: string[];
  status: "enabled" | "disabled";
  metadata: Record<string, string>;
  /** The secrets that sign deliveries now; only their last four characters. */
  signing_secrets: { last_four: string; created_at: string; expires_at: string | null }[];
  created_at: string;
  updated_at: string;
}

/** Returned by create and rotate only: the one time the new secret is shown. */
export interface WebhookEndpointWithSecret extends WebhookEndpoint {
  secret: string;
}

export interface NewWebhookEndpoint {
  url: string;
  enabled_events: string[];
  description?: string | undefined;
  status?: "enabled" | "disabled" | undefined;
  metadata?: Record<string, string> | undefined;
}

export type WebhookEndpointChanges = Partial<NewWebhookEndpoint>;

const iso = (date: Date) => fromDate(date).toString();

function toView(row: EndpointRow, secrets: SecretRow[]): WebhookEndpoint {
  return {
    object: "webhook_endpoint",
    id: row.id,
    url: row.url,
    description: row.description,
    enabled_events: row.enabled_events,
    status: row.status,
    metadata: row.metadata,
    signing_secrets: secrets.map((secret) => ({
      last_four: secret.secret.slice(-4),
      created_at: iso(secret.created_at),
      expires_at: secret.expires_at === null ? null : iso(secret.expires_at),
    })),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** What the audit log keeps of an endpoint: everything but its secrets. */
function auditView(row: EndpointRow) {
  const { created_at: _created, updated_at: _updated, ...rest } = row;
  return rest;
}

async function loadView(db: Deps["db"] | Tx, row: EndpointRow, at: Temporal.Instant): Promise<WebhookEndpoint> {
  return toView(row, await activeSecrets(db, [row.id], at));
}

async function mustFind(db: Deps["db"] | Tx, id: string, lock = false): Promise<EndpointRow> {
  const row = await findEndpoint(db, id, { lock });
  if (row === null) throw new DomainError("webhook_endpoint_not_found", `no webhook endpoint ${id}`, { param: "id" });
  return row;
}

export async function createWebhookEndpoint(
  deps: Deps,
  ctx: RequestContext,
  input: NewWebhookEndpoint,
  settings: WebhookSettings,
): Promise<WebhookEndpointWithSecret> {
  const now = deps.clock.now();
  const row: EndpointRow = {
    id: newId("webhook_endpoint"),
    url: checkEndpointUrl(input.url, settings.http),
    description: input.description ?? null,
    enabled_events: checkEnabledEvents(input.enabled_events),
    status: input.status ?? "enabled",
    metadata: input.metadata ?? {},
    created_at: toDate(now),
    updated_at: toDate(now),
  };
  const secret = newWebhookSecret();
  return inTransaction(deps.db, async (tx) => {
    await insertEndpoint(tx, row);
    await insertSecret(tx, { endpoint_id: row.id, secret, created_at: toDate(now), expires_at: null });
    await recordAudit(
      tx,
      ctx,
      { action: "webhook_endpoint.created", object_type: "webhook_endpoint", object_id: row.id, after: auditView(row) },
      now,
    );
    return { ...(await loadView(tx, row, now)), secret };
  });
}

export async function updateWebhookEndpoint(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  changes: WebhookEndpointChanges,
  settings: WebhookSettings,
): Promise<WebhookEndpoint> {
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const before = await mustFind(tx, id, true);
    const after: EndpointRow = {
      ...before,
      url: changes.url === undefined ? before.url : checkEndpointUrl(changes.url, settings.http),
      enabled_events:
        changes.enabled_events === undefined ? before.enabled_events : checkEnabledEvents(changes.enabled_events),
      description: changes.description === undefined ? before.description : changes.description,
      status: changes.status ?? before.status,
      metadata: changes.metadata ?? before.metadata,
      updated_at: toDate(now),
    };
    await updateEndpointRow(tx, after);
    await recordAudit(
      tx,
      ctx,
      {
        action: "webhook_endpoint.updated",
        object_type: "webhook_endpoint",
        object_id: id,
        before: auditView(before),
        after: auditView(after),
      },
      now,
    );
    return loadView(tx, after, now);
  });
}

export async function getWebhookEndpoint(deps: Deps, id: string): Promise<WebhookEndpoint> {
  return loadView(deps.db, await mustFind(deps.db, id), deps.clock.now());
}

export async function listWebhookEndpoints(deps: Deps, page: PageRequest): Promise<Page<WebhookEndpoint>> {
  const rows = await paginate(endpointsQuery(deps.db), "id", page);
  const secrets = await activeSecrets(
    deps.db,
    rows.data.map((row) => row.id),
    deps.clock.now(),
  );
  return {
    data: rows.data.map((row) =>
      toView(
        row,
        secrets.filter((secret) => secret.endpoint_id === row.id),
      ),
    ),
    has_more: rows.has_more,
  };
}

/** Deleting an endpoint stops its deliveries and removes their log with it; the audit log keeps the record. */
export async function deleteWebhookEndpoint(
  deps: Deps,
  ctx: RequestContext,
  id: string,
): Promise<{ object: "webhook_endpoint"; id: string; deleted: true }> {
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const before = await mustFind(tx, id, true);
    await deleteEndpointRow(tx, id);
    await recordAudit(
      tx,
      ctx,
      { action: "webhook_endpoint.deleted", object_type: "webhook_endpoint", object_id: id, before: auditView(before) },
      now,
    );
    return { object: "webhook_endpoint", id, deleted: true };
  });
}

/**
 * A new secret signs from now on; the secrets that were active keep signing
 * for `expirePreviousInHours` (0: stop at once), so receivers can switch over
 * while every delivery carries one v1 signature per active secret.
 */
export async function rotateWebhookSecret(
  deps: Deps,
  ctx: RequestContext,
  id: string,
  expirePreviousInHours: number,
): Promise<WebhookEndpointWithSecret> {
  const secret = newWebhookSecret();
  return inTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const row = await mustFind(tx, id, true);
    await expireActiveSecrets(tx, id, now.add({ hours: expirePreviousInHours }), now);
    await insertSecret(tx, { endpoint_id: id, secret, created_at: toDate(now), expires_at: null });
    await recordAudit(
      tx,
      ctx,
      {
        action: "webhook_endpoint.secret_rotated",
        object_type: "webhook_endpoint",
        object_id: id,
        after: { expire_previous_in_hours: expirePreviousInHours },
      },
      now,
    );
    return { ...(await loadView(tx, row, now)), secret };
  });
}
