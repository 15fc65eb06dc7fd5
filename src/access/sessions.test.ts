import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { systemContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import type { Deps } from "../kernel/deps.js";
import { listAuditEvents } from "./audit.js";
import { authenticateRequest } from "./authenticate.js";
import { createUser } from "./service.js";
import { currentSession, login, logout, purgeEndedSessions } from "./sessions.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-01-05T09:00:00Z");
const deps: Deps = { db, clock };
const PASSWORD = "a long passphrase";

beforeAll(async () => {
  await createUser(deps, systemContext("test", "req_0"), {
    email: "Ana@Example.com",
    name: "Ana",
    role: "ar_specialist",
    password: PASSWORD,
  });
});

const signIn = () =>
  login(deps, { email: "ana@example.com", password: PASSWORD, request_id: "req_login", address: "127.0.0.1" });

describe("signing in", () => {
  it("starts a session whose token is stored only as a hash, and audits it", async () => {
    const signedIn = await signIn();
    expect(signedIn.user).toMatchObject({ email: "Ana@Example.com", name: "Ana", role: "ar_specialist" });
    expect(signedIn.session_token).toHaveLength(43);
    const stored = await sql<{ token_hash: string }>`select token_hash from sessions`.execute(db);
    expect(stored.rows.map((row) => row.token_hash)).not.toContain(signedIn.session_token);
    const { data } = await listAuditEvents(deps, { action: "session.created", limit: 1 });
    expect(data[0]).toMatchObject({ actor_type: "user", actor_name: "Ana", request_id: "req_login" });
    expect(JSON.stringify(data)).not.toContain(signedIn.session_token);
    expect(await currentSession(deps, signedIn.session_token)).toEqual({
      user: signedIn.user,
      csrf_token: signedIn.csrf_token,
    });
  });

  it.each([
    ["an unknown email", "nobody@example.com", PASSWORD],
    ["a wrong password", "ana@example.com", "a wrong passphrase"],
  ])("refuses %s with the same answer", async (_what, email, password) => {
    await expect(login(deps, { email, password, request_id: "req_x", address: "127.0.0.1" })).rejects.toMatchObject({
      code: "invalid_credentials",
      message: "the email or password is incorrect",
    });
  });
});

describe("failed sign-ins", () => {
  const attempt = (email: string, password: string, address: string) =>
    login(deps, { email, password, request_id: "req_throttle", address });
  const codeOf = (work: Promise<unknown>) =>
    work.then(
      () => "signed_in",
      (error: { code: string; details?: { retry_after_seconds?: number } }) =>
        error.details?.retry_after_seconds === undefined
          ? error.code
          : `${error.code} ${error.details.retry_after_seconds}s`,
    );

  it("five wrong passwords for an email hold it back for 15 minutes, right password or not", async () => {
    await createUser(deps, systemContext("test", "req_0"), {
      email: "bo@example.com",
      name: "Bo",
      role: "developer",
      password: PASSWORD,
    });
    for (let tries = 0; tries < 5; tries++) {
      expect(await codeOf(attempt("bo@example.com", "a wrong passphrase", "10.0.0.1"))).toBe("invalid_credentials");
      clock.advance({ minutes: 1 });
    }
    // Failures at 0, 1, 2, 3, 4 min; now 5 min: the first leaves the window at 15 min, 600 s from now.
    expect(await codeOf(attempt("BO@example.com", PASSWORD, "10.0.0.2"))).toBe("sign_in_throttled 600s");
    // Another email from the same address is not held back.
    expect(await codeOf(attempt("ana@example.com", PASSWORD, "10.0.0.1"))).toBe("signed_in");
    clock.advance({ minutes: 10 });
    expect(await codeOf(attempt("bo@example.com", PASSWORD, "10.0.0.1"))).toBe("signed_in");
    // A success clears the count: one wrong password later is just a wrong password.
    expect(await codeOf(attempt("bo@example.com", "a wrong passphrase", "10.0.0.1"))).toBe("invalid_credentials");
    expect(await codeOf(attempt("bo@example.com", PASSWORD, "10.0.0.1"))).toBe("signed_in");
  });

  it("twenty failures from one address hold that address back, whatever the email", async () => {
    for (let tries = 0; tries < 20; tries++) {
      expect(await codeOf(attempt(`guess${tries}@example.com`, PASSWORD, "10.9.9.9"))).toBe("invalid_credentials");
    }
    // All twenty at the same instant: 15 min = 900 s.
    expect(await codeOf(attempt("ana@example.com", PASSWORD, "10.9.9.9"))).toBe("sign_in_throttled 900s");
    expect(await codeOf(attempt("ana@example.com", PASSWORD, "10.9.9.10"))).toBe("signed_in");
  });
});

describe("sessions", () => {
  it("need the CSRF token for writes, not for reads", async () => {
    const { session_token, csrf_token } = await signIn();
    expect(await authenticateRequest(deps, { session_token, method: "GET" })).toMatchObject({
      ok: true,
      via: "session",
      actor: { type: "user", role: "ar_specialist" },
    });
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      expect(await authenticateRequest(deps, { session_token, method })).toMatchObject({
        ok: false,
        code: "csrf_token_invalid",
      });
      expect(await authenticateRequest(deps, { session_token, method, csrf_token: `${csrf_token}x` })).toMatchObject({
        ok: false,
        code: "csrf_token_invalid",
      });
      expect(await authenticateRequest(deps, { session_token, method, csrf_token })).toMatchObject({ ok: true });
    }
  });

  it("end after 12 idle hours", async () => {
    const { session_token } = await signIn();
    clock.advance({ hours: 11, minutes: 59 });
    expect((await authenticateRequest(deps, { session_token, method: "GET" })).ok).toBe(true); // activity moves the idle limit
    clock.advance({ hours: 11, minutes: 59 });
    expect((await authenticateRequest(deps, { session_token, method: "GET" })).ok).toBe(true);
    clock.advance({ hours: 12 });
    expect(await authenticateRequest(deps, { session_token, method: "GET" })).toMatchObject({
      ok: false,
      code: "unauthenticated",
    });
  });

  it("end 7 days after sign-in however active", async () => {
    const { session_token } = await signIn();
    for (let hour = 0; hour < 7 * 24 - 1; hour += 10) {
      clock.advance({ hours: 10 });
      const result = await authenticateRequest(deps, { session_token, method: "GET" });
      expect(result.ok, `after ${hour + 10} hours`).toBe(hour + 10 < 7 * 24);
    }
    clock.advance({ hours: 10 }); // 170 h + 10 h: past 168 h
    expect((await authenticateRequest(deps, { session_token, method: "GET" })).ok).toBe(false);
  });

  it("end on sign-out, which needs the CSRF token", async () => {
    const { session_token, csrf_token } = await signIn();
    await expect(logout(deps, { session_token, request_id: "req_out" })).rejects.toMatchObject({
      code: "csrf_token_invalid",
    });
    await logout(deps, { session_token, csrf_token, request_id: "req_out" });
    expect((await authenticateRequest(deps, { session_token, method: "GET" })).ok).toBe(false);
    await expect(currentSession(deps, session_token)).rejects.toMatchObject({ code: "unauthenticated" });
    await logout(deps, { session_token, csrf_token, request_id: "req_out" }); // twice: nothing left to end
  });

  it("are purged once ended", async () => {
    await signIn();
    clock.advance({ hours: 8 * 24 });
    expect(await purgeEndedSessions(deps)).toBeGreaterThan(0);
    const left = await sql<{ count: string }>`select count(*) as count from sessions`.execute(db);
    expect(left.rows[0]?.count).toBe("0");
  });
});
