import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { systemContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import type { Deps } from "../kernel/deps.js";
import { listAuditEvents } from "./audit.js";
import { authenticateRequest } from "./authenticate.js";
import { hashPassword, verifyPassword } from "./secrets.js";
import { createUser, disableUser, ensureBootstrapAdmin, listUsers } from "./service.js";
import { login } from "./sessions.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-01-05T09:00:00Z");
const deps: Deps = { db, clock };
const cli = systemContext("cli", "req_cli");

describe("password hashing", () => {
  it("uses argon2id and verifies only the right password", async () => {
    const stored = await hashPassword("correct horse battery");
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(stored, "correct horse battery")).toBe(true);
    expect(await verifyPassword(stored, "correct horse batterY")).toBe(false);
    expect(await verifyPassword("not a hash", "correct horse battery")).toBe(false);
    expect(await hashPassword("correct horse battery")).not.toBe(stored); // salted
  });
});

describe("bootstrap", () => {
  it("creates one admin and one key on an empty database, even when two processes race", async () => {
    const secret = `sk_test_${"b".repeat(40)}`;
    const results = await Promise.all([
      ensureBootstrapAdmin(deps, { apiKeySecret: secret }),
      ensureBootstrapAdmin(deps, { apiKeySecret: secret }),
    ]);
    const created = results.filter((result) => result.created);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ created: true, email: "admin@accrue.local", api_key: secret });
    expect(await ensureBootstrapAdmin(deps, {})).toEqual({ created: false });
    expect((await listUsers(deps)).map((user) => user.email)).toEqual(["admin@accrue.local"]);

    const viaKey = await authenticateRequest(deps, { authorization: `Bearer ${secret}`, method: "POST" });
    expect(viaKey).toMatchObject({ ok: true, via: "api_key", actor: { type: "api_key", role: "admin" } });
    const first = created[0];
    if (first === undefined || !first.created) throw new Error("expected a created admin");
    expect(first.password.length).toBeGreaterThanOrEqual(12);
    const signedIn = await login(deps, {
      email: "ADMIN@accrue.local",
      password: first.password,
      request_id: "req_1",
      address: "127.0.0.1",
    });
    expect(signedIn.user.role).toBe("admin");
  });

  it("refuses a bootstrap key that does not look like one", async () => {
    await expect(ensureBootstrapAdmin(deps, { apiKeySecret: "sk_short" })).rejects.toMatchObject({
      code: "api_key_secret_invalid",
    });
  });

  it("generates a random key when none is given", async () => {
    const other = await freshDatabase();
    const result = await ensureBootstrapAdmin({ db: other.db, clock });
    if (!result.created) throw new Error("expected a created admin");
    expect(result.api_key).toMatch(/^sk_live_[A-Za-z0-9_-]{43}$/);
  });
});

describe("users", () => {
  it("creates a user, audits it without the password, and refuses the same email in another case", async () => {
    const user = await createUser(deps, cli, {
      email: "Ana@Example.com",
      name: "Ana Ruiz",
      role: "billing_analyst",
      password: "a long passphrase",
    });
    expect(user).toMatchObject({
      email: "Ana@Example.com",
      role: "billing_analyst",
      disabled: false,
      last_login_at: null,
    });
    await expect(
      createUser(deps, cli, { email: "ana@example.com", name: "Ana", role: "auditor", password: "another passphrase" }),
    ).rejects.toMatchObject({ code: "email_taken" });
    const { data } = await listAuditEvents(deps, { object_id: user.id, limit: 10 });
    expect(data.map((event) => event.action)).toEqual(["user.created"]);
    expect(JSON.stringify(data)).not.toContain("argon2");
  });

  it.each([
    [{ password: "short" }, "password_too_short"],
    [{ role: "superuser" }, "role_unknown"],
    [{ email: "not-an-email" }, "email_invalid"],
  ])("refuses %o with %s", async (change, code) => {
    const input = { email: "bo@example.com", name: "Bo", role: "auditor", password: "a long passphrase", ...change };
    await expect(createUser(deps, cli, input)).rejects.toMatchObject({ code });
  });

  it("lets nobody create a user more powerful than themselves", async () => {
    const developer = { actor: { type: "user" as const, id: "usr_dev", role: "developer" }, request_id: "req_2" };
    await expect(
      createUser(deps, developer, { email: "x@example.com", name: "X", role: "admin", password: "a long passphrase" }),
    ).rejects.toMatchObject({ code: "permission_denied" }); // developers do not manage users at all
  });

  it("disables a user: their sessions end and they cannot sign in", async () => {
    const user = await createUser(deps, cli, {
      email: "cy@example.com",
      name: "Cy",
      role: "support_agent",
      password: "a long passphrase",
    });
    const session = await login(deps, {
      email: "cy@example.com",
      password: "a long passphrase",
      request_id: "req_3",
      address: "127.0.0.1",
    });
    const disabled = await disableUser(deps, cli, user.id);
    expect(disabled.disabled).toBe(true);
    expect(await authenticateRequest(deps, { session_token: session.session_token, method: "GET" })).toMatchObject({
      ok: false,
      code: "unauthenticated",
    });
    await expect(
      login(deps, {
        email: "cy@example.com",
        password: "a long passphrase",
        request_id: "req_4",
        address: "127.0.0.1",
      }),
    ).rejects.toMatchObject({ code: "invalid_credentials" });
    const { data } = await listAuditEvents(deps, { object_id: user.id, limit: 10 });
    expect(data.map((event) => event.action)).toEqual(["user.disabled", "user.created"]);
    await expect(disableUser(deps, cli, "usr_01jh0000000000000000000000")).rejects.toMatchObject({
      code: "user_not_found",
    });
  });
});
