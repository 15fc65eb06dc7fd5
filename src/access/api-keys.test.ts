import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { type RequestContext, systemContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import type { Deps } from "../kernel/deps.js";
import { createApiKey, getApiKey, listApiKeys, revokeApiKey } from "./api-keys.js";
import { listAuditEvents } from "./audit.js";
import { authenticateRequest } from "./authenticate.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-01-05T09:00:00Z");
const deps: Deps = { db, clock };
const system = systemContext("test", "req_test");

async function asKey(secret: string, method = "GET") {
  return authenticateRequest(deps, { authorization: `Bearer ${secret}`, method });
}

describe("API keys", () => {
  it("live from creation to revocation", async () => {
    const created = await createApiKey(deps, system, { name: "warehouse sync", role: "billing_analyst" });
    expect(created.secret).toMatch(/^sk_live_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({
      object: "api_key",
      name: "warehouse sync",
      role: "billing_analyst",
      last_four: created.secret.slice(-4),
      hint: `sk_live_…${created.secret.slice(-4)}`,
      created_by: "test",
      last_used_at: null,
      revoked_at: null,
    });

    // The secret is stored only as a hash and never comes back.
    const stored = await sql<{
      secret_hash: string;
    }>`select secret_hash from api_keys where id = ${created.id}`.execute(db);
    expect(stored.rows[0]?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await getApiKey(deps, created.id))).not.toContain(created.secret);
    expect(JSON.stringify(await listAuditEvents(deps, { object_id: created.id, limit: 5 }))).not.toContain(
      created.secret.slice(8),
    );

    // A POST with a key needs no CSRF token.
    expect(await asKey(created.secret, "POST")).toMatchObject({
      ok: true,
      via: "api_key",
      actor: { type: "api_key", id: created.id, role: "billing_analyst", display_name: "warehouse sync" },
    });

    const revoked = await revokeApiKey(deps, system, created.id);
    expect(revoked.revoked_at).toBe(clock.now().toString());
    expect(await asKey(created.secret)).toMatchObject({ ok: false, code: "unauthenticated" });
    await expect(revokeApiKey(deps, system, created.id)).rejects.toMatchObject({ code: "api_key_revoked" });

    const { data } = await listAuditEvents(deps, { object_id: created.id, limit: 5 });
    expect(data.map((event) => event.action)).toEqual(["api_key.revoked", "api_key.created"]);
  });

  it("records use at most once a minute", async () => {
    const key = await createApiKey(deps, system, { role: "auditor" });
    const lastUsed = async () => (await getApiKey(deps, key.id)).last_used_at;
    const start = clock.now();
    await asKey(key.secret);
    expect(await lastUsed()).toBe(start.toString());
    clock.advance({ seconds: 59 });
    await asKey(key.secret);
    expect(await lastUsed()).toBe(start.toString()); // 59 s: not written again
    clock.advance({ seconds: 1 });
    await asKey(key.secret);
    expect(await lastUsed()).toBe(clock.now().toString()); // 60 s: written
  });

  it.each([
    ["no header", undefined],
    ["another scheme", "Basic dXNlcjpwYXNz"],
    ["a malformed key", "Bearer sk_live_short"],
    ["an unknown key", `Bearer sk_live_${"x".repeat(43)}`],
  ])("refuses %s as unauthenticated", async (_what, authorization) => {
    const result = await authenticateRequest(deps, { authorization, method: "GET" });
    expect(result).toMatchObject({ ok: false, code: "unauthenticated" });
  });

  it("cannot be made more powerful than its creator", async () => {
    const developerKey = await createApiKey(deps, system, { role: "developer" });
    const auth = await asKey(developerKey.secret);
    if (!auth.ok) throw new Error("expected the key to work");
    const developer: RequestContext = { actor: auth.actor, request_id: "req_dev" };
    await expect(createApiKey(deps, developer, { role: "admin" })).rejects.toMatchObject({ code: "role_escalation" });
    await expect(createApiKey(deps, developer, { role: "auditor" })).rejects.toMatchObject({ code: "role_escalation" });
    const child = await createApiKey(deps, developer, { role: "developer", name: "ci" });
    expect(child.created_by).toBe(developerKey.id);
    await expect(createApiKey(deps, developer, { role: "owner" })).rejects.toMatchObject({ code: "role_unknown" });

    const auditorKey = await createApiKey(deps, system, { role: "auditor" });
    const auditorAuth = await asKey(auditorKey.secret);
    if (!auditorAuth.ok) throw new Error("expected the key to work");
    await expect(
      createApiKey(deps, { actor: auditorAuth.actor, request_id: "req_aud" }, { role: "auditor" }),
    ).rejects.toMatchObject({ code: "permission_denied" });
  });

  it("lists active keys newest first, revoked ones on request", async () => {
    const page = await listApiKeys(deps, { limit: 100 });
    expect(page.data.every((key) => key.revoked_at === null)).toBe(true);
    const all = await listApiKeys(deps, { limit: 100, include_revoked: true });
    expect(all.data.length).toBe(page.data.length + 1);
    const ids = all.data.map((key) => key.id);
    expect([...ids].sort().reverse()).toEqual(ids);
    await expect(getApiKey(deps, "key_01jh0000000000000000000000")).rejects.toMatchObject({
      code: "api_key_not_found",
    });
  });
});
