import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { newWebhookSecret, signatureHeader, verifyWebhookSignature } from "./signing.js";

const at = Temporal.Instant.from("2026-11-02T09:00:00Z");
const body = JSON.stringify({ id: "evt_1", type: "ping", created: 1793610000, data: {} });

describe("webhook signatures", () => {
  it("signs with t and one v1 per secret, each verifiable on its own", () => {
    const current = newWebhookSecret();
    const previous = newWebhookSecret();
    const header = signatureHeader(body, [current, previous], at);
    expect(header).toMatch(/^t=1793610000,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(header, body, current, 300, at)).toBe(true);
    expect(verifyWebhookSignature(header, body, previous, 300, new Date(at.epochMilliseconds))).toBe(true);
    expect(verifyWebhookSignature(header, body, newWebhookSecret(), 300, at)).toBe(false);
  });

  it("refuses a changed body, an old timestamp and a malformed header", () => {
    const secret = newWebhookSecret();
    const header = signatureHeader(body, [secret], at);
    expect(verifyWebhookSignature(header, `${body} `, secret, 300, at)).toBe(false);
    expect(verifyWebhookSignature(header, body, secret, 300, at.add({ seconds: 301 }))).toBe(false);
    expect(verifyWebhookSignature(header, body, secret, 300, at.add({ seconds: 300 }))).toBe(true);
    expect(verifyWebhookSignature("v1=abc", body, secret, 300, at)).toBe(false);
    expect(verifyWebhookSignature("t=1793610000", body, secret, 300, at)).toBe(false);
    expect(verifyWebhookSignature("", body, secret, 300, at)).toBe(false);
  });

  it("makes secrets that start with whsec_ and differ every time", () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newWebhookSecret()).not.toBe(secret);
  });
});
