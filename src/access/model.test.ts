import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import type { Actor } from "../kernel/actor.js";
import { DomainError } from "../kernel/errors.js";
import {
  apiKeyHint,
  bearerSecret,
  checkApprovalDecision,
  checkPasswordPolicy,
  checkRoleGrant,
  isApiKeySecretShaped,
  isStateChanging,
  isTouchDue,
  normalizeEmail,
  sessionState,
  signInRetryAfter,
} from "./model.js";

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
    return undefined;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

const at = (value: string) => Temporal.Instant.from(value);

describe("password policy", () => {
  it.each([
    ["", "password_too_short"],
    ["elevenchars", "password_too_short"], // 11 characters
    ["twelve chars", undefined], // 12 characters
    ["x".repeat(1024), undefined],
    ["x".repeat(1025), "password_too_long"],
  ])("%j → %s", (password, code) => {
    expect(codeOf(() => checkPasswordPolicy(password))).toBe(code);
  });
});

describe("emails", () => {
  it.each([
    [" Ana@Example.com ", "Ana@Example.com"],
    ["ana@example.co.uk", "ana@example.co.uk"],
  ])("%j is kept as %j", (input, expected) => {
    expect(normalizeEmail(input)).toBe(expected);
  });

  it.each(["ana", "ana@", "@example.com", "ana @example.com", "ana@example"])("%j is refused", (input) => {
    expect(codeOf(() => normalizeEmail(input))).toBe("email_invalid");
  });
});

describe("session expiry", () => {
  const created = at("2026-01-05T09:00:00Z");
  it.each([
    ["2026-01-05T09:00:00Z", "2026-01-05T20:59:59Z", "active"], // 11 h 59 min 59 s idle
    ["2026-01-05T09:00:00Z", "2026-01-05T21:00:00Z", "idle_expired"], // 12 h idle
    ["2026-01-12T08:00:00Z", "2026-01-12T08:59:59Z", "active"], // 6 d 23 h 59 min 59 s after sign-in
    ["2026-01-12T08:00:00Z", "2026-01-12T09:00:00Z", "expired"], // 7 d after sign-in, however active
  ])("last seen %s, now %s → %s", (lastSeen, now, state) => {
    expect(sessionState({ created_at: created, last_seen_at: at(lastSeen) }, at(now))).toBe(state);
  });
});

describe("touching last-seen stamps", () => {
  it.each([
    [null, "2026-01-01T00:00:00Z", true],
    ["2026-01-01T00:00:00Z", "2026-01-01T00:00:59Z", false], // 59 s later
    ["2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", true], // 60 s later
  ])("last %s, now %s → %s", (last, now, due) => {
    expect(isTouchDue(last === null ? null : at(last), at(now))).toBe(due);
  });
});

describe("sign-in throttle", () => {
  const now = at("2026-11-24T10:00:00Z");
  const minutesAgo = (minutes: number) => now.subtract({ milliseconds: Math.round(minutes * 60_000) });
  // Window 15 minutes; the answer is seconds until the limit-th most recent failure is 15 minutes old.
  it.each([
    ["no failures", [], 5, 0],
    ["four recent failures, limit 5", [1, 2, 3, 4], 5, 0],
    // Most recent first: 1, 2, 3, 4, 10 min ago; the 5th (10 min ago) leaves in 15 − 10 = 5 min = 300 s.
    ["five recent failures", [10, 4, 3, 2, 1], 5, 300],
    // Six failures: the 5th most recent is 4 min ago (1, 2, 3, 3.5, 4, 14): 15 − 4 = 11 min = 660 s.
    ["six failures, the oldest nearly out", [1, 2, 3, 3.5, 4, 14], 5, 660],
    // Two of the five are older than 15 minutes: three count, under the limit.
    ["failures outside the window do not count", [1, 2, 3, 16, 30], 5, 0],
    // Exactly 15 minutes ago is outside (the window is open at its start).
    ["a failure exactly a window ago is out", [15, 1, 2, 3, 4], 5, 0],
    // 14 min 59.5 s ago leaves in 0.5 s: at least one second is asked for.
    ["rounds up to a whole second", [14.991666, 1, 2, 3, 4], 5, 1],
    // 20 failures 0, 0.5, …, 9.5 min ago: the 20th leaves in 15 − 9.5 = 5.5 min = 330 s.
    ["limit 20 per address", Array.from({ length: 20 }, (_, i) => i * 0.5), 20, 330],
  ] as const)("%s", (_name, ago, limit, expected) => {
    expect(signInRetryAfter(ago.map(minutesAgo), limit, now)).toBe(expected);
  });
});

describe("request methods", () => {
  it.each([
    ["GET", false],
    ["HEAD", false],
    ["OPTIONS", false],
    ["POST", true],
    ["put", true],
    ["PATCH", true],
    ["DELETE", true],
  ])("%s changes state: %s", (method, changing) => {
    expect(isStateChanging(method)).toBe(changing);
  });
});

describe("API key secrets", () => {
  const body = "A".repeat(32);
  it.each([
    [`sk_live_${body}`, true],
    [`sk_test_${body}`, true],
    [`sk_${body}`, true],
    [`sk_live_${"A".repeat(31)}`, false], // 31 characters: too little entropy
    [`pk_live_${body}`, false],
    [`sk_live_${body.slice(1)}!`, false],
    ["", false],
  ])("%s is shaped like a key: %s", (secret, shaped) => {
    expect(isApiKeySecretShaped(secret)).toBe(shaped);
  });

  it("is identified by its last four characters", () => {
    expect(apiKeyHint(`sk_live_${body}wxyz`)).toEqual({ last_four: "wxyz", hint: "sk_live_…wxyz" });
    expect(apiKeyHint(`sk_${body}wxyz`)).toEqual({ last_four: "wxyz", hint: "sk_…wxyz" });
  });

  it.each([
    ["Bearer sk_abc", "sk_abc"],
    ["bearer sk_abc", "sk_abc"],
    ["Bearer  sk_abc ", "sk_abc"],
    ["Basic c2s6", undefined],
    ["Bearer", undefined],
    ["Bearer a b", undefined],
  ])("%j → %s", (header, secret) => {
    expect(bearerSecret(header)).toBe(secret);
  });
});

const person = (id: string, role: string): Actor => ({ type: "user", id, role, user_id: id });
const keyOf = (id: string, role: string, userId?: string): Actor => ({
  type: "api_key",
  id,
  role,
  ...(userId === undefined ? {} : { user_id: userId }),
});

describe("who may grant a role", () => {
  it.each([
    [person("usr_a", "admin"), "admin", undefined],
    [person("usr_a", "developer"), "developer", undefined],
    [person("usr_a", "developer"), "admin", "role_escalation"],
    [keyOf("key_a", "auditor"), "approver", "role_escalation"],
    [{ type: "system", id: "bootstrap", role: "system" } as Actor, "admin", undefined],
  ] as const)("%o grants %s → %s", (actor, role, code) => {
    expect(codeOf(() => checkRoleGrant(actor, role))).toBe(code);
  });
});

describe("deciding an approval", () => {
  const pending = { status: "pending" as const, requested_by: "usr_maker", requested_by_user_id: "usr_maker" };
  it.each([
    ["another approver", pending, person("usr_checker", "approver"), undefined],
    ["an admin", pending, person("usr_admin", "admin"), undefined],
    ["the requester", pending, person("usr_maker", "admin"), "approval_self_decision"],
    ["the requester's own key", pending, keyOf("key_1", "admin", "usr_maker"), "approval_self_decision"],
    [
      "the requester, when a key asked",
      { ...pending, requested_by: "key_1" },
      person("usr_maker", "admin"),
      "approval_self_decision",
    ],
    ["a role without approvals:decide", pending, person("usr_other", "billing_analyst"), "permission_denied"],
    ["Accrue itself", pending, { type: "system", id: "job", role: "system" } as Actor, "permission_denied"],
    [
      "anyone, once decided",
      { ...pending, status: "approved" as const },
      person("usr_checker", "approver"),
      "approval_not_pending",
    ],
  ])("by %s → %s", (_who, approval, decider, code) => {
    expect(codeOf(() => checkApprovalDecision(approval, decider))).toBe(code);
  });
});
