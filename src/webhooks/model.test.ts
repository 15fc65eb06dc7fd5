import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import {
  checkEnabledEvents,
  checkEndpointUrl,
  deliveryAfterAttempt,
  endpointWantsEvent,
  eventBody,
  nextAttemptAfterFailure,
  responseExcerpt,
} from "./model.js";

const first = Temporal.Instant.from("2026-11-02T09:00:00Z");

describe("the retry schedule", () => {
  // Each attempt happens when the previous one said; the elapsed time is measured from the first attempt.
  it.each([
    [1, "PT0S", "PT1M"], // 0 + 1 min
    [2, "PT1M", "PT6M"], // 1 min + 5 min
    [3, "PT6M", "PT36M"], // 6 min + 30 min
    [4, "PT36M", "PT2H36M"], // 36 min + 2 h
    [5, "PT2H36M", "PT7H36M"], // + 5 h
    [6, "PT7H36M", "PT17H36M"], // + 10 h
    [7, "PT17H36M", "PT29H36M"], // + 12 h, and every 12 h from here
    [8, "PT29H36M", "PT41H36M"],
    [9, "PT41H36M", "PT53H36M"],
    [10, "PT53H36M", "PT65H36M"],
    [11, "PT65H36M", null], // 65 h 36 min + 12 h = 77 h 36 min > 72 h: exhausted
  ])("after failed attempt %i at +%s the next is at +%s", (attempt, at, next) => {
    const failedAt = first.add(Temporal.Duration.from(at));
    const result = nextAttemptAfterFailure(attempt, first, failedAt);
    expect(result === null ? null : first.until(result).round({ largestUnit: "hours" }).toString()).toBe(next);
  });

  it("keeps a delivery that succeeded or was exhausted in its state when a manual resend fails", () => {
    const outcome = { status_code: 500, error: null };
    const context = { attemptCount: 12, firstAttemptAt: first, attemptedAt: first.add({ hours: 80 }), manual: true };
    expect(deliveryAfterAttempt(outcome, { ...context, previousState: "exhausted" }).state).toBe("exhausted");
    expect(deliveryAfterAttempt(outcome, { ...context, previousState: "succeeded" }).state).toBe("succeeded");
    expect(deliveryAfterAttempt({ status_code: 204, error: null }, { ...context, previousState: "exhausted" })).toEqual(
      {
        state: "succeeded",
        next_attempt_at: null,
      },
    );
  });

  it.each([
    [200, null, "succeeded"],
    [299, null, "succeeded"],
    [302, null, "failed"], // redirects are not followed
    [410, null, "failed"],
    [null, "ECONNREFUSED", "failed"],
  ])("status %s, error %s: %s", (status, error, state) => {
    const context = {
      attemptCount: 1,
      firstAttemptAt: first,
      attemptedAt: first,
      previousState: "pending",
      manual: false,
    } as const;
    expect(deliveryAfterAttempt({ status_code: status, error }, context).state).toBe(state);
  });
});

describe("endpoint rules", () => {
  it.each([
    [["*"], "invoice.finalized", true],
    [["invoice.finalized"], "invoice.finalized", true],
    [["invoice.finalized"], "invoice.voided", false],
    [["payment.succeeded", "invoice.voided"], "invoice.voided", true],
  ])("%j wants %s: %s", (enabled, type, wanted) => {
    expect(endpointWantsEvent(enabled, type)).toBe(wanted);
  });

  it("normalises enabled events and names a bad one", () => {
    expect(checkEnabledEvents(["invoice.voided", "invoice.finalized", "invoice.voided"])).toEqual([
      "invoice.finalized",
      "invoice.voided",
    ]);
    expect(checkEnabledEvents(["invoice.voided", "*"])).toEqual(["*"]);
    expect(() => checkEnabledEvents(["invoice.finalized", "Invoice Finalized"])).toThrow(
      expect.objectContaining({ code: "webhook_event_type_invalid", param: "enabled_events.1" }),
    );
  });

  it.each([
    ["https://hooks.example.com/accrue", "none", "https://hooks.example.com/accrue"],
    ["http://hooks.example.com/accrue", "any", "http://hooks.example.com/accrue"],
    ["http://127.0.0.1:8080/hook", "loopback", "http://127.0.0.1:8080/hook"],
    ["http://localhost/hook", "loopback", "http://localhost/hook"],
    ["http://[::1]:9000/hook", "loopback", "http://[::1]:9000/hook"],
    ["http://hooks.example.com/accrue", "loopback", "webhook_url_insecure"],
    ["http://127.0.0.1/hook", "none", "webhook_url_insecure"],
    ["ftp://hooks.example.com", "any", "webhook_url_invalid"],
    ["https://user:pw@hooks.example.com", "any", "webhook_url_invalid"],
    ["not a url", "any", "webhook_url_invalid"],
  ] as const)("%s with http %s: %s", (url, http, expected) => {
    if (expected.startsWith("webhook_")) {
      expect(() => checkEndpointUrl(url, http)).toThrow(expect.objectContaining({ code: expected, param: "url" }));
    } else {
      expect(checkEndpointUrl(url, http)).toBe(expected);
    }
  });
});

describe("bodies and logs", () => {
  it("sends the event with its creation time in Unix seconds", () => {
    const body = eventBody({
      id: "evt_1",
      type: "invoice.finalized",
      data: { invoice_id: "inv_1", total: "12.50" },
      created_at: Temporal.Instant.from("2026-11-02T09:00:00.750Z"),
    });
    expect(JSON.parse(body)).toEqual({
      id: "evt_1",
      type: "invoice.finalized",
      created: 1793610000, // 2026-11-02T09:00:00Z, the 750 ms dropped
      data: { invoice_id: "inv_1", total: "12.50" },
    });
  });

  it("keeps the first KiB of a response, never half a character", () => {
    expect(responseExcerpt(new TextEncoder().encode("ok"))).toBe("ok");
    const long = new TextEncoder().encode(`${"a".repeat(1023)}é and more`);
    expect(responseExcerpt(long)).toBe("a".repeat(1023));
  });
});
