import type { Actor, RequestContext } from "../kernel/actor.js";
import { fromDate, toDate } from "../kernel/clock.js";
import { inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId, parseId } from "../kernel/ids.js";
import { type Page, paginate } from "../kernel/pagination.js";
import { recordAudit } from "./audit.js";
import { apiKeyHint, checkRole, checkRoleGrant, isTouchDue, requirePermission, TOUCH_INTERVAL } from "./model.js";
import { newApiKeySecret, sha256Hex } from "./secrets.js";
import {
  type ApiKeyRow,
  apiKeysQuery,
  findApiKeyById,
  findApiKeyBySecretHash,
  insertApiKey,
  markApiKeyRevoked,
  touchApiKey,
} from "./store.js";

/**
 * API keys: `Authorization: Bearer sk_live_…`. The secret is shown once, at
 * creation; only its SHA-256 hash is stored (a key is 256 random bits, so a
 * fast hash is right here, unlike passwords: see secrets.ts).
 */

export interface ApiKey {
  id: string;
  object: "api_key";
  name: string;
  role: string;
  last_four: string;
  /** `sk_live_…abcd`: enough to tell keys apart, never enough to use one. */
  hint: string;
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface CreatedApiKey extends ApiKey {
  /** The only time the secret is ever returned. */
  secret: string;
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    object: "api_key",
    name: row.name,
    role: row.role,
    last_four: row.last_four,
    hint: row.hint,
    created_by: row.created_by,
    created_at: fromDate(row.created_at).toString(),
    last_used_at: row.last_used_at === null ? null : fromDate(row.last_used_at).toString(),
    revoked_at: row.revoked_at === null ? null : fromDate(row.revoked_at).toString(),
  };
}

/** What the audit log keeps of a key: never the secret or its hash. */
function auditedKey(key: ApiKey) {
  return { name: key.name, role: key.role, hint: key.hint, revoked_at: key.revoked_at };
}

export async function createApiKey(
  deps: Deps,
  ctx: RequestContext,
  input: { name?: string | undefined; role: string },
): Promise<CreatedApiKey> {
  requirePermission(ctx.actor, "api_keys:manage");
  return inTransaction(deps.db, (tx) => insertApiKeyWithSecret(deps, tx, ctx, input));
}

/** Creates a key (with the given secret, for bootstrap, or a new one) and audits it. */
export async function insertApiKeyWithSecret(
  deps: Deps,
  tx: Tx,
  ctx: RequestContext,
  input: { name?: string | undefined; role: string; secret?: string | undefined },
): Promise<CreatedApiKey> {
  const role = checkRole(input.role);
  checkRoleGrant(ctx.actor, role);
  const name = input.name?.trim() || `${role} key`;
  const secret = input.secret ?? newApiKeySecret();
  const now = deps.clock.now();
  const row: ApiKeyRow = {
    id: newId("api_key"),
    name,
    role,
    secret_hash: sha256Hex(secret),
    ...apiKeyHint(secret),
    created_by: ctx.actor.id,
    created_by_user_id: ctx.actor.user_id ?? null,
    created_at: toDate(now),
    last_used_at: null,
    revoked_at: null,
    revoked_by: null,
  };
  await insertApiKey(tx, row);
  const key = toApiKey(row);
  await recordAudit(
    tx,
    ctx,
    { action: "api_key.created", object_type: "api_key", object_id: key.id, after: auditedKey(key) },
    now,
  );
  return { ...key, secret };
}

export async function listApiKeys(
  deps: Deps,
  query: {
    limit: number;
    starting_after?: string | undefined;
    ending_before?: string | undefined;
    include_revoked?: boolean;
  },
): Promise<Page<ApiKey>> {
  const page = await paginate(apiKeysQuery(deps.db, { include_revoked: query.include_revoked ?? false }), "id", query);
  return { data: page.data.map(toApiKey), has_more: page.has_more };
}

export async function getApiKey(deps: Deps, id: string): Promise<ApiKey> {
  const row = await findApiKeyById(deps.db, parseId("api_key", id, "id"));
  if (row === undefined) throw new DomainError("api_key_not_found", `no API key ${id}`, { param: "id" });
  return toApiKey(row);
}

/** A revoked key stops working on its next request. Revoking twice is refused, so the first revocation's record stands. */
export async function revokeApiKey(deps: Deps, ctx: RequestContext, id: string): Promise<ApiKey> {
  requirePermission(ctx.actor, "api_keys:manage");
  const keyId = parseId("api_key", id, "id");
  return inTransaction(deps.db, async (tx) => {
    const row = await findApiKeyById(tx, keyId, true);
    if (row === undefined) throw new DomainError("api_key_not_found", `no API key ${keyId}`, { param: "id" });
    if (row.revoked_at !== null) throw new DomainError("api_key_revoked", `API key ${keyId} is already revoked`);
    const now = deps.clock.now();
    await markApiKeyRevoked(tx, keyId, toDate(now), ctx.actor.id);
    const before = toApiKey(row);
    const after: ApiKey = { ...before, revoked_at: now.toString() };
    await recordAudit(
      tx,
      ctx,
      {
        action: "api_key.revoked",
        object_type: "api_key",
        object_id: keyId,
        before: auditedKey(before),
        after: auditedKey(after),
      },
      now,
    );
    return after;
  });
}

export type ApiKeyCheck = { ok: true; actor: Actor } | { ok: false; reason: "unknown" | "revoked" };

/** Resolves a presented secret to the key's actor; records use at most once a minute per key. */
export async function authenticateApiKey(deps: Deps, secret: string): Promise<ApiKeyCheck> {
  const row = await findApiKeyBySecretHash(deps.db, sha256Hex(secret));
  if (row === undefined) return { ok: false, reason: "unknown" };
  if (row.revoked_at !== null) return { ok: false, reason: "revoked" };
  const now = deps.clock.now();
  if (isTouchDue(row.last_used_at === null ? null : fromDate(row.last_used_at), now)) {
    await touchApiKey(deps.db, row.id, toDate(now), toDate(now.subtract(TOUCH_INTERVAL)));
  }
  const actor: Actor = { type: "api_key", id: row.id, role: row.role, display_name: row.name };
  if (row.created_by_user_id !== null) actor.user_id = row.created_by_user_id;
  return { ok: true, actor };
}
