import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { systemContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { emitEvent } from "../kernel/outbox.js";
import {
  deliverDueWebhooks,
  getWebhookDelivery,
  listWebhookDeliveries,
  resendWebhookDelivery,
  sendTestWebhook,
} from "./delivery.js";
import { relayOutbox } from "./relay.js";
import { postWebhook } from "./sender.js";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  type WebhookEndpointWithSecret,
} from "./service.js";
import { verifyWebhookSignature } from "./signing.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-11-02T09:00:00Z");
const deps = { db, clock };
const ctx = systemContext("webhook-test", "req_test");
const settings = { http: "loopback" } as const;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver on loopback; `status` decides each answer. */
async function receiver(status: (request: number) => number = () => 200, answer = "ok") {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on("end", () => {
      received.push({ headers: request.headers, body });
      response.writeHead(status(received.length)).end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/accrue`;
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url, received };
}

const closers: (() => Promise<void>)[] = [];
const endpoints: string[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});
// Every test starts with no endpoints, so one test's events never reach another's receiver.
afterEach(async () => {
  for (const id of endpoints.splice(0)) await deleteWebhookEndpoint(deps, ctx, id);
});

async function endpoint(url: string, enabled_events: string[] = ["*"], status: "enabled" | "disabled" = "enabled") {
  const created = await createWebhookEndpoint(deps, ctx, { url, enabled_events, status }, settings);
  endpoints.push(created.id);
  return created;
}

async function emit(type: string, data: Record<string, unknown> = {}) {
  await emitEvent(db, { type, data }, clock.now());
}

async function onlyDelivery(created: WebhookEndpointWithSecret) {
  const log = await listWebhookDeliveries(deps, created.id, { limit: 100 });
  expect(log.data).toHaveLength(1);
  return log.data[0] ?? expect.unreachable();
}

describe("webhook delivery", () => {
  it("POSTs the event as signed JSON that the receiver verifies with the endpoint's secret", async () => {
    const hook = await receiver(() => 200, '{"received":true}');
    const created = await endpoint(hook.url, ["invoice.finalized"]);
    await emit("invoice.finalized", { invoice_id: "inv_1", total: "120.00", currency: "USD" });
    expect(await relayOutbox(deps)).toEqual({ events: 1, deliveries: 1 });
    expect(await deliverDueWebhooks(deps)).toEqual({ attempted: 1 });

    expect(hook.received).toHaveLength(1);
    const [request] = hook.received;
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["user-agent"]).toBe("Accrue-Webhooks/1");
    const signature = String(request?.headers["accrue-signature"]);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(signature, request?.body ?? "", created.secret, 300, clock.now())).toBe(true);
    expect(JSON.parse(request?.body ?? "")).toEqual({
      id: expect.stringMatching(/^evt_/),
      type: "invoice.finalized",
      created: clock.now().epochMilliseconds / 1000,
      data: { invoice_id: "inv_1", total: "120.00", currency: "USD" },
    });

    const delivery = await onlyDelivery(created);
    expect(delivery).toMatchObject({
      state: "succeeded",
      attempt_count: 1,
      event_type: "invoice.finalized",
      next_attempt_at: null,
    });
    expect(delivery.attempts).toEqual([
      expect.objectContaining({
        attempt: 1,
        status_code: 200,
        response_excerpt: '{"received":true}',
        error: null,
        succeeded: true,
      }),
    ]);
  });

  it("retries a receiver that fails twice: three attempts logged, then succeeded", async () => {
    const hook = await receiver((request) => (request <= 2 ? 500 : 200));
    const created = await endpoint(hook.url);
    await emit("payment.failed", { payment_id: "pay_1" });
    await relayOutbox(deps);

    await deliverDueWebhooks(deps);
    let delivery = await onlyDelivery(created);
    expect(delivery).toMatchObject({
      state: "failed",
      attempt_count: 1,
      next_attempt_at: clock.now().add({ minutes: 1 }).toString(),
    });
    expect(await deliverDueWebhooks(deps)).toEqual({ attempted: 0 }); // not due yet

    clock.advance({ minutes: 1 });
    await deliverDueWebhooks(deps);
    delivery = await onlyDelivery(created);
    expect(delivery).toMatchObject({
      state: "failed",
      attempt_count: 2,
      next_attempt_at: clock.now().add({ minutes: 5 }).toString(),
    });

    clock.advance({ minutes: 5 });
    await deliverDueWebhooks(deps);
    delivery = await onlyDelivery(created);
    expect(delivery.state).toBe("succeeded");
    expect(delivery.attempts.map((attempt) => [attempt.attempt, attempt.status_code, attempt.succeeded])).toEqual([
      [1, 500, false],
      [2, 500, false],
      [3, 200, true],
    ]);
    // One event, the same body each time.
    expect(new Set(hook.received.map((request) => request.body)).size).toBe(1);
  });

  it("gives up three days after the first attempt on a receiver that always fails; a manual resend still works", async () => {
    let answer = 503;
    const hook = await receiver(() => answer);
    const created = await endpoint(hook.url);
    await emit("invoice.overdue", { invoice_id: "inv_9" });
    await relayOutbox(deps);
    const startedAt = clock.now();

    let delivery = await onlyDelivery(created);
    for (let round = 0; round < 20 && delivery.state !== "exhausted"; round++) {
      if (delivery.next_attempt_at !== null) clock.set(delivery.next_attempt_at);
      await deliverDueWebhooks(deps);
      delivery = await onlyDelivery(created);
    }
    // 1 min, 5 min, 30 min, 2 h, 5 h, 10 h, then every 12 h: the 11th attempt is at 65 h 36 min; a 12th would be past 72 h.
    expect(delivery).toMatchObject({ state: "exhausted", attempt_count: 11, next_attempt_at: null });
    expect(startedAt.until(clock.now()).total("minutes")).toBe(65 * 60 + 36);
    expect(hook.received).toHaveLength(11);

    clock.advance({ hours: 48 });
    expect(await deliverDueWebhooks(deps)).toEqual({ attempted: 0 });
    answer = 200;
    const resent = await resendWebhookDelivery(deps, ctx, delivery.id);
    expect(resent).toMatchObject({ state: "succeeded", attempt_count: 12 });
    expect(resent.attempts.at(-1)).toMatchObject({ attempt: 12, status_code: 200, succeeded: true });
  });

  it("signs with both secrets during a rotation, each verifiable, and with the new one only afterwards", async () => {
    const hook = await receiver();
    const created = await endpoint(hook.url);
    const rotated = await rotateWebhookSecret(deps, ctx, created.id, 24);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.signing_secrets).toHaveLength(2);
    expect(rotated.signing_secrets[0]).toMatchObject({ last_four: rotated.secret.slice(-4), expires_at: null });

    await emit("customer.updated", { customer_id: "cus_1" });
    await relayOutbox(deps);
    await deliverDueWebhooks(deps);
    const during = hook.received[0] ?? expect.unreachable();
    const header = String(during.headers["accrue-signature"]);
    expect(header.match(/v1=/g)).toHaveLength(2);
    expect(verifyWebhookSignature(header, during.body, rotated.secret, 300, clock.now())).toBe(true);
    expect(verifyWebhookSignature(header, during.body, created.secret, 300, clock.now())).toBe(true);

    clock.advance({ hours: 25 });
    await emit("customer.updated", { customer_id: "cus_2" });
    await relayOutbox(deps);
    await deliverDueWebhooks(deps);
    const after = hook.received[1] ?? expect.unreachable();
    const afterHeader = String(after.headers["accrue-signature"]);
    expect(afterHeader.match(/v1=/g)).toHaveLength(1);
    expect(verifyWebhookSignature(afterHeader, after.body, rotated.secret, 300, clock.now())).toBe(true);
    expect(verifyWebhookSignature(afterHeader, after.body, created.secret, 300, clock.now())).toBe(false);
  });

  it("sends each endpoint only the event types it enabled, and a disabled endpoint nothing", async () => {
    const invoices = await receiver();
    const payments = await receiver();
    const disabled = await receiver();
    await endpoint(invoices.url, ["invoice.finalized", "invoice.voided"]);
    await endpoint(payments.url, ["payment.succeeded"]);
    await endpoint(disabled.url, ["*"], "disabled");
    await emit("invoice.finalized");
    await emit("payment.succeeded");
    await emit("invoice.voided");
    await emit("customer.created");
    expect(await relayOutbox(deps)).toEqual({ events: 4, deliveries: 3 });
    await deliverDueWebhooks(deps);
    const types = (hook: { received: Received[] }) => hook.received.map((request) => JSON.parse(request.body).type);
    expect(types(invoices)).toEqual(expect.arrayContaining(["invoice.finalized", "invoice.voided"]));
    expect(types(invoices)).toHaveLength(2);
    expect(types(payments)).toEqual(["payment.succeeded"]);
    expect(disabled.received).toEqual([]);
  });

  it("holds the waiting deliveries of an endpoint that gets disabled, and refuses to ping it", async () => {
    const hook = await receiver();
    const created = await endpoint(hook.url);
    await emit("invoice.finalized");
    await relayOutbox(deps);
    await updateWebhookEndpoint(deps, ctx, created.id, { status: "disabled" }, settings);
    expect(await deliverDueWebhooks(deps)).toEqual({ attempted: 0 });
    await expect(sendTestWebhook(deps, ctx, created.id)).rejects.toMatchObject({ code: "webhook_endpoint_disabled" });
    await updateWebhookEndpoint(deps, ctx, created.id, { status: "enabled" }, settings);
    expect(await deliverDueWebhooks(deps)).toEqual({ attempted: 1 });
    expect(hook.received).toHaveLength(1);
  });

  it("sends a ping to one endpoint on request", async () => {
    const hook = await receiver();
    const other = await receiver();
    const created = await endpoint(hook.url, ["invoice.finalized"]);
    await endpoint(other.url);
    const delivery = await sendTestWebhook(deps, ctx, created.id);
    expect(delivery).toMatchObject({ state: "succeeded", event_type: "ping", attempt_count: 1 });
    expect(JSON.parse(hook.received[0]?.body ?? "")).toMatchObject({ type: "ping", data: { endpoint_id: created.id } });
    await deliverDueWebhooks(deps);
    expect(hook.received).toHaveLength(1);
    expect(other.received).toEqual([]);
  });

  it("logs a network error and the first KiB of a long answer", async () => {
    // A port that was just listening and is closed now: the connection is refused.
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, "127.0.0.1", resolve));
    const port = (gone.address() as AddressInfo).port;
    await new Promise<void>((resolve) => gone.close(() => resolve()));
    const refused = await endpoint(`http://127.0.0.1:${port}/hooks`);
    const chatty = await receiver(() => 500, "x".repeat(5000));
    const long = await endpoint(chatty.url);
    await emit("invoice.finalized");
    await relayOutbox(deps);
    await deliverDueWebhooks(deps);
    const refusedAttempt = (await onlyDelivery(refused)).attempts[0];
    expect(refusedAttempt).toMatchObject({
      status_code: null,
      succeeded: false,
      error: expect.stringContaining("ECONNREFUSED"),
    });
    const longAttempt = (await onlyDelivery(long)).attempts[0];
    expect(longAttempt?.response_excerpt).toHaveLength(1024);
    expect(longAttempt?.status_code).toBe(500);
  });

  it("times out a receiver that does not answer", async () => {
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(() => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const result = await postWebhook(url, "{}", {}, 300);
    expect(result).toMatchObject({ status_code: null, error: "timed out after 0.3 s" });
    expect(result.duration_ms).toBeGreaterThanOrEqual(250);
  });

  it("never relays an event twice when two relays run at once", async () => {
    const hook = await receiver();
    const created = await endpoint(hook.url);
    for (let index = 0; index < 40; index++) await emit("usage.recorded", { index });
    const results = await Promise.all([1, 2, 3].map(() => relayOutbox(deps, { limit: 7 })));
    let relayed = results.reduce((sum, result) => sum + result.events, 0);
    while (relayed < 40) relayed += (await relayOutbox(deps, { limit: 7 })).events;
    expect(relayed).toBe(40);
    const count = await sql<{
      count: string;
    }>`select count(*) as count from webhook_deliveries where endpoint_id = ${created.id}`.execute(db);
    expect(Number(count.rows[0]?.count)).toBe(40);
    const pending = await sql<{
      count: string;
    }>`select count(*) as count from outbox_events where relayed_at is null`.execute(db);
    expect(Number(pending.rows[0]?.count)).toBe(0);
  });

  it("finds a delivery by id and refuses unknown ones", async () => {
    await expect(getWebhookDelivery(deps, "whd_01jd0000000000000000000000")).rejects.toMatchObject({
      code: "webhook_delivery_not_found",
    });
    await expect(listWebhookDeliveries(deps, "we_01jd0000000000000000000000", { limit: 10 })).rejects.toMatchObject({
      code: "webhook_endpoint_not_found",
    });
  });
});
