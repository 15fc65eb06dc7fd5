import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type Kysely, sql } from "kysely";
import { toDate } from "../kernel/clock.js";
import type { Executor } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { errorPayload, sendError } from "./errors.js";

/**
 * `Idempotency-Key` on writes: the first request with a key runs, its response
 * is stored, and a retry with the same key and body gets that response back
 * with `Idempotent-Replayed: true`. The key row is claimed with an insert
 * before the handler runs, so two concurrent requests with one key run once:
 * the second waits for the first to finish and replays it.
 */
interface IdempotencyTable {
  idempotency_keys: {
    scope: string;
    key: string;
    request_hash: string;
    method: string;
    path: string;
    status_code: number | null;
    response_body: string | null;
    response_headers: unknown;
    locked_until: Date | null;
    created_at: Date;
    completed_at: Date | null;
  };
}

const t = (db: Executor) => db as unknown as Kysely<IdempotencyTable>;

/** Kept at least this long; a daily job purges older keys. */
export const IDEMPOTENCY_RETENTION_HOURS = 24;
/** A claim older than this belongs to a request whose process died: it may be taken over. */
const CLAIM_SECONDS = 60;
const WAIT_MS = 15_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const REPLAYED_HEADERS = ["content-type", "location"];

declare module "fastify" {
  interface FastifyRequest {
    idempotencyClaim?: { scope: string; key: string };
  }
}

export function registerIdempotency(app: FastifyInstance, deps: Deps): void {
  app.addHook("preHandler", async (request, reply) => {
    if (
      request.method !== "POST" &&
      request.method !== "PUT" &&
      request.method !== "PATCH" &&
      request.method !== "DELETE"
    )
      return;
    const header = request.headers["idempotency-key"];
    if (header === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (key === undefined || !KEY_PATTERN.test(key)) {
      return sendError(
        reply,
        errorPayload(
          "idempotency_key_invalid",
          "invalid",
          "Idempotency-Key must be 1-255 printable characters",
          "Idempotency-Key",
        ),
      );
    }
    const scope = request.context?.actor.id ?? "anonymous";
    const hash = requestHash(request);
    return claimOrReplay(deps, request, reply, { scope, key, hash });
  });

  app.addHook("onSend", async (request, reply, payload) => {
    const claim = request.idempotencyClaim;
    if (claim === undefined) return payload;
    request.idempotencyClaim = undefined;
    if (reply.statusCode >= 500) {
      // A failure on our side is not an answer: release the key so a retry runs again.
      await t(deps.db)
        .deleteFrom("idempotency_keys")
        .where("scope", "=", claim.scope)
        .where("key", "=", claim.key)
        .execute();
      return payload;
    }
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    await t(deps.db)
      .updateTable("idempotency_keys")
      .set({
        status_code: reply.statusCode,
        response_body:
          typeof payload === "string" ? payload : payload === null || payload === undefined ? "" : String(payload),
        response_headers: JSON.stringify(headers),
        completed_at: toDate(deps.clock.now()),
        locked_until: null,
      })
      .where("scope", "=", claim.scope)
      .where("key", "=", claim.key)
      .execute();
    return payload;
  });
}

function requestHash(request: FastifyRequest): string {
  return createHash("sha256")
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
    .digest("hex");
}

async function claimOrReplay(
  deps: Deps,
  request: FastifyRequest,
  reply: FastifyReply,
  claim: { scope: string; key: string; hash: string },
): Promise<FastifyReply | undefined> {
  const now = deps.clock.now();
  const inserted = await t(deps.db)
    .insertInto("idempotency_keys")
    .values({
      scope: claim.scope,
      key: claim.key,
      request_hash: claim.hash,
      method: request.method,
      path: request.url,
      status_code: null,
      response_body: null,
      response_headers: null,
      locked_until: toDate(now.add({ seconds: CLAIM_SECONDS })),
      created_at: toDate(now),
      completed_at: null,
    })
    .onConflict((oc) => oc.columns(["scope", "key"]).doNothing())
    .returning("key")
    .executeTakeFirst();
  if (inserted !== undefined) {
    request.idempotencyClaim = { scope: claim.scope, key: claim.key };
    return undefined;
  }
  // Wall time here is only a polling budget; it never decides anything about money.
  for (let waited = 0; ; waited += 50) {
    const row = await t(deps.db)
      .selectFrom("idempotency_keys")
      .selectAll()
      .where("scope", "=", claim.scope)
      .where("key", "=", claim.key)
      .executeTakeFirst();
    if (row === undefined) return claimOrReplay(deps, request, reply, claim);
    if (row.request_hash !== claim.hash) {
      return sendError(
        reply,
        errorPayload(
          "idempotency_key_reused",
          "conflict",
          "this Idempotency-Key was used with a different request; use a new key for a new request",
          "Idempotency-Key",
        ),
      );
    }
    if (row.status_code !== null) return replay(reply, row);
    if (await takeOverAbandonedClaim(deps, claim)) {
      request.idempotencyClaim = { scope: claim.scope, key: claim.key };
      return undefined;
    }
    if (waited >= WAIT_MS) {
      return sendError(
        reply,
        errorPayload(
          "idempotency_key_in_use",
          "conflict",
          "a request with this Idempotency-Key is still running; retry shortly",
          "Idempotency-Key",
        ),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function takeOverAbandonedClaim(deps: Deps, claim: { scope: string; key: string }): Promise<boolean> {
  const now = deps.clock.now();
  const taken = await t(deps.db)
    .updateTable("idempotency_keys")
    .set({ locked_until: toDate(now.add({ seconds: CLAIM_SECONDS })) })
    .where("scope", "=", claim.scope)
    .where("key", "=", claim.key)
    .where("status_code", "is", null)
    .where("locked_until", "<", toDate(now))
    .returning("key")
    .executeTakeFirst();
  return taken !== undefined;
}

function replay(reply: FastifyReply, row: IdempotencyTable["idempotency_keys"]): FastifyReply {
  const headers = (
    typeof row.response_headers === "string" ? JSON.parse(row.response_headers) : row.response_headers
  ) as Record<string, string> | null;
  for (const [name, value] of Object.entries(headers ?? {})) reply.header(name, value);
  reply.header("idempotent-replayed", "true");
  return reply.code(row.status_code ?? 200).send(row.response_body ?? "");
}

/** Deletes keys past the retention window; run daily by the jobs module. */
export async function purgeIdempotencyKeys(deps: Deps): Promise<number> {
  const cutoff = deps.clock.now().subtract({ hours: IDEMPOTENCY_RETENTION_HOURS });
  const result = await sql`delete from idempotency_keys where created_at < ${toDate(cutoff)}`.execute(deps.db);
  return Number(result.numAffectedRows ?? 0);
}
