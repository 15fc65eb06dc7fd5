import { beforeAll, describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { systemContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import type { Deps } from "../kernel/deps.js";
import { registerApprovalHandler } from "./approvals.js";
import { createUser } from "./service.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-01-05T09:00:00Z");
const deps: Deps = { db, clock };
const { app, adminKey, keyFor, auth } = await testApp(deps);
const PASSWORD = "a long passphrase";

beforeAll(async () => {
  await createUser(deps, systemContext("test", "req_0"), {
    email: "ana@example.com",
    name: "Ana",
    role: "developer",
    password: PASSWORD,
  });
  registerApprovalHandler("test.noop", async () => {});
});

async function signIn() {
  const response = await app.inject({
    method: "POST",
    url: "/v1/auth/login",
    payload: { email: "ana@example.com", password: PASSWORD },
  });
  expect(response.statusCode).toBe(200);
  const cookie = response.cookies.find((item) => item.name === "accrue_session");
  if (cookie === undefined) throw new Error("no session cookie");
  return { response, cookie, csrf: (response.json() as { csrf_token: string }).csrf_token };
}

describe("signing in over HTTP", () => {
  it("sets an httpOnly, SameSite=Strict cookie and returns the user and CSRF token", async () => {
    const { response, cookie } = await signIn();
    expect(response.json()).toEqual({
      user: { id: expect.stringMatching(/^usr_/), email: "ana@example.com", name: "Ana", role: "developer" },
      csrf_token: expect.any(String),
    });
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });
    expect(cookie.secure).toBeUndefined(); // plain http: a Secure cookie would never come back
  });

  it("answers a wrong password and an unknown email alike", async () => {
    for (const payload of [
      { email: "ana@example.com", password: "not the passphrase" },
      { email: "nobody@example.com", password: PASSWORD },
    ]) {
      const response = await app.inject({ method: "POST", url: "/v1/auth/login", payload });
      expect(response.statusCode).toBe(401);
      expect(response.json().error).toMatchObject({
        code: "invalid_credentials",
        message: "the email or password is incorrect",
      });
    }
  });

  it("answers 429 with Retry-After once an email has failed five times", async () => {
    const payload = { email: "throttled@example.com", password: "not the passphrase" };
    for (let tries = 0; tries < 5; tries++) {
      const response = await app.inject({ method: "POST", url: "/v1/auth/login", payload });
      expect(response.statusCode).toBe(401);
    }
    const response = await app.inject({ method: "POST", url: "/v1/auth/login", payload });
    expect(response.statusCode).toBe(429);
    expect(response.headers["retry-after"]).toBe("900");
    expect(response.json().error).toMatchObject({
      type: "rate_limit_error",
      code: "sign_in_throttled",
      message: "too many failed sign-ins; try again in 15 minutes",
      details: { retry_after_seconds: 900 },
    });
  });

  it("refuses a cookie write without the CSRF token, accepts it with", async () => {
    const { cookie, csrf } = await signIn();
    const cookies = { accrue_session: cookie.value };
    const me = await app.inject({ method: "GET", url: "/v1/auth/me", cookies });
    expect(me.statusCode).toBe(200);
    expect(me.json().csrf_token).toBe(csrf);

    const payload = { role: "developer", name: "from the web app" };
    const without = await app.inject({ method: "POST", url: "/v1/api_keys", cookies, payload });
    expect(without.statusCode).toBe(403);
    expect(without.json().error.code).toBe("csrf_token_invalid");
    const withToken = await app.inject({
      method: "POST",
      url: "/v1/api_keys",
      cookies,
      headers: { "x-csrf-token": csrf },
      payload,
    });
    expect(withToken.statusCode).toBe(200);
    expect(withToken.json()).toMatchObject({ role: "developer", secret: expect.stringMatching(/^sk_live_/) });

    const escalate = await app.inject({
      method: "POST",
      url: "/v1/api_keys",
      cookies,
      headers: { "x-csrf-token": csrf },
      payload: { role: "admin" },
    });
    expect(escalate.statusCode).toBe(403);
    expect(escalate.json().error.code).toBe("role_escalation");
  });

  it("signs out: the cookie is cleared and the session ends", async () => {
    const { cookie, csrf } = await signIn();
    const cookies = { accrue_session: cookie.value };
    const out = await app.inject({
      method: "POST",
      url: "/v1/auth/logout",
      cookies,
      headers: { "x-csrf-token": csrf },
    });
    expect(out.statusCode).toBe(200);
    expect(out.cookies.find((item) => item.name === "accrue_session")?.value).toBe("");
    const me = await app.inject({ method: "GET", url: "/v1/auth/me", cookies });
    expect(me.statusCode).toBe(401);
    expect(me.json().error.code).toBe("unauthenticated");
  });

  it("ends the session after 12 idle hours", async () => {
    const { cookie } = await signIn();
    clock.advance({ hours: 12 });
    const me = await app.inject({ method: "GET", url: "/v1/api_keys", cookies: { accrue_session: cookie.value } });
    expect(me.statusCode).toBe(401);
  });
});

describe("API keys over HTTP", () => {
  it("are created with the secret once, listed without it, and stop working when revoked", async () => {
    const created = await app.inject({
      method: "POST",
      url: "/v1/api_keys",
      headers: auth(adminKey),
      payload: { name: "warehouse sync", role: "billing_analyst" },
    });
    expect(created.statusCode).toBe(200);
    const { id, secret } = created.json() as { id: string; secret: string };
    const list = await app.inject({ method: "GET", url: "/v1/api_keys?limit=100", headers: auth(adminKey) });
    expect(list.json().data.find((key: { id: string }) => key.id === id)).toMatchObject({ name: "warehouse sync" });
    expect(list.body).not.toContain(secret);

    expect((await app.inject({ method: "GET", url: "/v1/approvals", headers: auth(secret) })).statusCode).toBe(200);
    const revoked = await app.inject({ method: "POST", url: `/v1/api_keys/${id}/revoke`, headers: auth(adminKey) });
    expect(revoked.json().revoked_at).not.toBeNull();
    const after = await app.inject({ method: "GET", url: "/v1/approvals", headers: auth(secret) });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe("unauthenticated");

    const withRevoked = await app.inject({
      method: "GET",
      url: "/v1/api_keys?include_revoked=true&limit=100",
      headers: auth(adminKey),
    });
    expect(withRevoked.json().data.map((key: { id: string }) => key.id)).toContain(id);
  });

  it.each([
    ["a malformed key", "Bearer sk_nope"],
    ["no key", undefined],
  ])("refuses %s with 401", async (_what, authorization) => {
    const response = await app.inject({
      method: "GET",
      url: "/v1/audit_events",
      headers: authorization === undefined ? {} : { authorization },
    });
    expect(response.statusCode).toBe(401);
  });
});

describe("permissions over HTTP", () => {
  it.each([
    ["auditor", "GET", "/v1/audit_events", 200],
    ["auditor", "GET", "/v1/audit_events/verify", 200],
    ["auditor", "GET", "/v1/api_keys", 403],
    ["developer", "GET", "/v1/api_keys", 200],
    ["developer", "GET", "/v1/audit_events", 403],
    ["support_agent", "GET", "/v1/users", 403],
    ["admin", "GET", "/v1/users", 200],
  ])("%s %s %s → %i", async (role, method, url, status) => {
    const response = await app.inject({ method: method as "GET", url, headers: auth(await keyFor(role)) });
    expect(response.statusCode).toBe(status);
    if (status === 403) expect(response.json().error.code).toBe("permission_denied");
  });
});

describe("approvals over HTTP", () => {
  it("are requested by one key and decided by another", async () => {
    const maker = auth(await keyFor("billing_analyst"));
    const checker = auth(await keyFor("approver"));
    const requested = await app.inject({
      method: "POST",
      url: "/v1/approvals",
      headers: maker,
      payload: { action: "test.noop", object_type: "payment", object_id: "pay_1", summary: "Refund 5.00 USD" },
    });
    expect(requested.statusCode).toBe(200);
    const { id } = requested.json() as { id: string };
    const self = await app.inject({
      method: "POST",
      url: `/v1/approvals/${id}/approve`,
      headers: checker,
      payload: {},
    });
    expect(self.statusCode).toBe(200);
    expect(self.json()).toMatchObject({ status: "approved", comment: null });
    const again = await app.inject({
      method: "POST",
      url: `/v1/approvals/${id}/reject`,
      headers: checker,
      payload: { comment: "too late" },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe("approval_not_pending");
    const listed = await app.inject({ method: "GET", url: "/v1/approvals?status=approved", headers: checker });
    expect(listed.json().data.map((approval: { id: string }) => approval.id)).toContain(id);
    const one = await app.inject({ method: "GET", url: `/v1/approvals/${id}`, headers: checker });
    expect(one.json()).toMatchObject({ id, action: "test.noop", status: "approved" });
  });

  it("are not decided by whoever asked, whatever their role", async () => {
    const requested = await app.inject({
      method: "POST",
      url: "/v1/approvals",
      headers: auth(adminKey),
      payload: { action: "test.noop", object_type: "payment", object_id: "pay_2", summary: "Refund 7.00 USD" },
    });
    const { id } = requested.json() as { id: string };
    const self = await app.inject({ method: "POST", url: `/v1/approvals/${id}/approve`, headers: auth(adminKey) });
    expect(self.statusCode).toBe(403);
    expect(self.json().error.code).toBe("approval_self_decision");
  });

  it("refuses an action no module handles", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/v1/approvals",
      headers: auth(adminKey),
      payload: { action: "test.unknown", object_type: "x", object_id: "x", summary: "x" },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: "approval_handler_missing", param: "action" });
  });
});

describe("users over HTTP", () => {
  it("are created and disabled by an admin, and audited", async () => {
    const created = await app.inject({
      method: "POST",
      url: "/v1/users",
      headers: auth(adminKey),
      payload: { email: "bo@example.com", name: "Bo", role: "auditor", password: PASSWORD },
    });
    expect(created.statusCode).toBe(200);
    const { id } = created.json() as { id: string };
    const short = await app.inject({
      method: "POST",
      url: "/v1/users",
      headers: auth(adminKey),
      payload: { email: "cy@example.com", name: "Cy", role: "auditor", password: "short" },
    });
    expect(short.json().error).toMatchObject({ code: "password_too_short", param: "password" });
    const disabled = await app.inject({ method: "POST", url: `/v1/users/${id}/disable`, headers: auth(adminKey) });
    expect(disabled.json()).toMatchObject({ id, disabled: true });

    const events = await app.inject({
      method: "GET",
      url: `/v1/audit_events?object_id=${id}`,
      headers: auth(adminKey),
    });
    expect(events.json().data.map((event: { action: string }) => event.action)).toEqual([
      "user.disabled",
      "user.created",
    ]);
    const verify = await app.inject({ method: "GET", url: "/v1/audit_events/verify", headers: auth(adminKey) });
    expect(verify.json()).toMatchObject({ ok: true, problems: [] });
    const first = events.json().data[1] as { id: string };
    const single = await app.inject({ method: "GET", url: `/v1/audit_events/${first.id}`, headers: auth(adminKey) });
    expect(single.json()).toMatchObject({ id: first.id, action: "user.created" });
  });
});

describe("the OpenAPI document", () => {
  it("describes the access routes", async () => {
    const response = await app.inject({ method: "GET", url: "/openapi.json" });
    expect(response.statusCode).toBe(200);
    const paths = Object.keys((response.json() as { paths: Record<string, unknown> }).paths);
    for (const path of ["/v1/auth/login", "/v1/api_keys", "/v1/approvals/{id}/approve", "/v1/audit_events/verify"]) {
      expect(paths).toContain(path);
    }
  });
});
