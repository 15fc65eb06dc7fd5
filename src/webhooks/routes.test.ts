import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-11-02T09:00:00Z");
const { app, adminKey, keyFor, auth } = await testApp({ db, clock });
const admin = auth(adminKey);

let status = 200;
const received: string[] = [];
const server = createServer((request, response) => {
  let body = "";
  request.on("data", (chunk: Buffer) => {
    body += chunk.toString();
  });
  request.on("end", () => {
    received.push(body);
    response.writeHead(status).end("thanks");
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/accrue`;
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("webhook endpoint routes", () => {
  let endpointId = "";
  let firstSecret = "";

  it("creates an endpoint and shows its secret once", async () => {
    const created = await app.inject({
      method: "POST",
      url: "/v1/webhook_endpoints",
      headers: { ...admin, "accrue-reason": "ERP integration" },
      payload: {
        url: hookUrl,
        enabled_events: ["invoice.finalized"],
        description: "ERP",
        metadata: { team: "finance" },
      },
    });
    expect(created.statusCode).toBe(200);
    const body = created.json();
    expect(body).toMatchObject({
      object: "webhook_endpoint",
      id: expect.stringMatching(/^we_/),
      url: hookUrl,
      status: "enabled",
      enabled_events: ["invoice.finalized"],
      metadata: { team: "finance" },
      secret: expect.stringMatching(/^whsec_/),
    });
    endpointId = body.id;
    firstSecret = body.secret;

    const read = await app.inject({ method: "GET", url: `/v1/webhook_endpoints/${endpointId}`, headers: admin });
    expect(read.json()).not.toHaveProperty("secret");
    expect(read.json().signing_secrets).toEqual([
      { last_four: firstSecret.slice(-4), created_at: "2026-11-02T09:00:00Z", expires_at: null },
    ]);
    const list = await app.inject({ method: "GET", url: "/v1/webhook_endpoints", headers: admin });
    expect(list.json()).toMatchObject({ object: "list", has_more: false, data: [{ id: endpointId }] });
  });

  it("audits every change without the secret", async () => {
    const updated = await app.inject({
      method: "POST",
      url: `/v1/webhook_endpoints/${endpointId}`,
      headers: admin,
      payload: { enabled_events: ["invoice.finalized", "invoice.voided"], description: "ERP (prod)" },
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ enabled_events: ["invoice.finalized", "invoice.voided"], url: hookUrl });
    const rotated = await app.inject({
      method: "POST",
      url: `/v1/webhook_endpoints/${endpointId}/rotate_secret`,
      headers: admin,
      payload: {},
    });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().secret).not.toBe(firstSecret);
    expect(rotated.json().signing_secrets[1]).toMatchObject({ expires_at: "2026-11-03T09:00:00Z" }); // 24 h by default

    const audit = await app.inject({
      method: "GET",
      url: `/v1/audit_events?object_id=${endpointId}`,
      headers: admin,
    });
    const actions = audit.json().data.map((event: { action: string }) => event.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "webhook_endpoint.created",
        "webhook_endpoint.updated",
        "webhook_endpoint.secret_rotated",
      ]),
    );
    expect(audit.body).not.toContain("whsec_");
    const created = audit.json().data.find((event: { action: string }) => event.action === "webhook_endpoint.created");
    expect(created.reason).toBe("ERP integration");
  });

  it("pings the endpoint, logs the delivery and resends it", async () => {
    const ping = await app.inject({ method: "POST", url: `/v1/webhook_endpoints/${endpointId}/test`, headers: admin });
    expect(ping.statusCode).toBe(200);
    expect(ping.json()).toMatchObject({
      object: "webhook_delivery",
      event_type: "ping",
      state: "succeeded",
      attempt_count: 1,
    });
    expect(JSON.parse(received.at(-1) ?? "")).toMatchObject({ type: "ping" });

    status = 500;
    const resent = await app.inject({
      method: "POST",
      url: `/v1/webhook_deliveries/${ping.json().id}/resend`,
      headers: admin,
    });
    expect(resent.json()).toMatchObject({ state: "succeeded", attempt_count: 2 });
    expect(resent.json().attempts[1]).toMatchObject({ status_code: 500, response_excerpt: "thanks", succeeded: false });
    status = 200;

    const log = await app.inject({
      method: "GET",
      url: `/v1/webhook_endpoints/${endpointId}/deliveries`,
      headers: admin,
    });
    expect(log.json()).toMatchObject({ object: "list", data: [{ id: ping.json().id, attempt_count: 2 }] });
  });

  it("rejects bad input naming the field", async () => {
    const badType = await app.inject({
      method: "POST",
      url: "/v1/webhook_endpoints",
      headers: admin,
      payload: { url: hookUrl, enabled_events: ["invoice finalized"] },
    });
    expect(badType.statusCode).toBe(400);
    expect(badType.json().error).toMatchObject({ code: "webhook_event_type_invalid", param: "enabled_events.0" });
    const badUrl = await app.inject({
      method: "POST",
      url: "/v1/webhook_endpoints",
      headers: admin,
      payload: { url: "ftp://example.com", enabled_events: ["*"] },
    });
    expect(badUrl.json().error).toMatchObject({ code: "webhook_url_invalid", param: "url" });
    const unknown = await app.inject({
      method: "POST",
      url: `/v1/webhook_endpoints/${endpointId}`,
      headers: admin,
      payload: { secret: "whsec_mine" },
    });
    expect(unknown.json().error).toMatchObject({ code: "parameter_unknown", param: "secret" });
    const wrongId = await app.inject({
      method: "GET",
      url: "/v1/webhook_endpoints/cus_01jd0000000000000000000000",
      headers: admin,
    });
    expect(wrongId.statusCode).toBe(400);
  });

  it("needs webhooks:manage, reads included", async () => {
    const auditor = auth(await keyFor("auditor"));
    expect((await app.inject({ method: "GET", url: "/v1/webhook_endpoints", headers: auditor })).statusCode).toBe(403);
    const developer = auth(await keyFor("developer"));
    expect((await app.inject({ method: "GET", url: "/v1/webhook_endpoints", headers: developer })).statusCode).toBe(
      200,
    );
  });

  it("deletes an endpoint", async () => {
    const deleted = await app.inject({ method: "DELETE", url: `/v1/webhook_endpoints/${endpointId}`, headers: admin });
    expect(deleted.json()).toEqual({ object: "webhook_endpoint", id: endpointId, deleted: true });
    const gone = await app.inject({ method: "GET", url: `/v1/webhook_endpoints/${endpointId}`, headers: admin });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe("webhook_endpoint_not_found");
  });
});
