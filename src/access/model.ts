import { Temporal } from "temporal-polyfill";
import type { Actor } from "../kernel/actor.js";
import { DomainError } from "../kernel/errors.js";
import "./errors.js";
import { can, isRole, type Role, roleCovers } from "./permissions.js";

/**
 * The access decisions as plain functions: password and email rules, session
 * expiry, API key secret shape, and who may decide an approval. No database,
 * no clock: the caller passes `now`.
 */

const PASSWORD_LENGTH_MIN = 12;
/** argon2 cost grows with input; nobody types a passphrase this long. */
const PASSWORD_LENGTH_MAX = 1024;

export function checkPasswordPolicy(password: string): void {
  if (password.length < PASSWORD_LENGTH_MIN) {
    throw new DomainError("password_too_short", `a password has at least ${PASSWORD_LENGTH_MIN} characters`, {
      param: "password",
    });
  }
  if (password.length > PASSWORD_LENGTH_MAX) {
    throw new DomainError("password_too_long", `a password has at most ${PASSWORD_LENGTH_MAX} characters`, {
      param: "password",
    });
  }
}

// Deliberately loose: the mailbox decides what is deliverable; this catches typos like a missing "@".
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Emails keep the case they were typed in; uniqueness and login ignore case (a lower(email) index). */
export function normalizeEmail(email: string): string {
  const trimmed = email.trim();
  if (trimmed.length > 254 || !EMAIL_PATTERN.test(trimmed)) {
    throw new DomainError("email_invalid", "expected an email address such as ana@example.com", { param: "email" });
  }
  return trimmed;
}

export function checkRole(role: string, param = "role"): Role {
  if (!isRole(role)) throw new DomainError("role_unknown", `unknown role "${role}"`, { param });
  return role;
}

/** Nobody hands out a role with a permission they do not hold themselves; Accrue's own processes may. */
export function checkRoleGrant(granter: Actor, role: Role): void {
  if (granter.type === "system") return;
  if (!roleCovers(granter.role, role)) {
    throw new DomainError(
      "role_escalation",
      `the ${granter.role} role cannot grant the ${role} role: it has permissions the ${granter.role} role lacks`,
      { param: "role" },
    );
  }
}

export function requirePermission(actor: Actor, permission: string): void {
  if (actor.type === "system") return;
  if (!can(actor.role, permission)) {
    throw new DomainError("permission_denied", `the ${actor.role} role may not do this (needs ${permission})`);
  }
}

// ---- sessions ----

export const SESSION_IDLE = Temporal.Duration.from({ hours: 12 });
export const SESSION_ABSOLUTE = Temporal.Duration.from({ hours: 7 * 24 });
/** last_seen_at and last_used_at move at most this often, so a busy page is not a write per request. */
export const TOUCH_INTERVAL = Temporal.Duration.from({ seconds: 60 });

export interface SessionTimes {
  created_at: Temporal.Instant;
  last_seen_at: Temporal.Instant;
}

export type SessionState = "active" | "idle_expired" | "expired";

export function sessionState(session: SessionTimes, now: Temporal.Instant): SessionState {
  if (Temporal.Instant.compare(now, session.created_at.add(SESSION_ABSOLUTE)) >= 0) return "expired";
  if (Temporal.Instant.compare(now, session.last_seen_at.add(SESSION_IDLE)) >= 0) return "idle_expired";
  return "active";
}

/** Whether a last-seen/last-used stamp is stale enough to write again. */
export function isTouchDue(last: Temporal.Instant | null, now: Temporal.Instant): boolean {
  return last === null || Temporal.Instant.compare(now, last.add(TOUCH_INTERVAL)) >= 0;
}

// ---- sign-in throttle ----

/**
 * Failed sign-ins are counted per email and per client address over a
 * sliding window. Past the limit, sign-in for that email (or from that
 * address) is refused, right password or not, until the oldest failure in
 * the window is older than the window; a success clears the email's count.
 * Per email stops guessing one person's password; per address, trying one
 * password on many emails.
 */
export const SIGN_IN_WINDOW = Temporal.Duration.from({ minutes: 15 });
export const SIGN_IN_FAILURES_PER_EMAIL = 5;
export const SIGN_IN_FAILURES_PER_ADDRESS = 20;

/**
 * Seconds until one more attempt is allowed, or 0 when it is allowed now.
 * `failures` are the failure times inside or outside the window, any order.
 */
export function signInRetryAfter(failures: readonly Temporal.Instant[], limit: number, now: Temporal.Instant): number {
  const since = now.subtract(SIGN_IN_WINDOW);
  const recent = failures
    .filter((at) => Temporal.Instant.compare(at, since) > 0)
    .sort((a, b) => Temporal.Instant.compare(b, a));
  if (recent.length < limit) return 0;
  // The attempt is allowed once only limit − 1 failures remain in the window:
  // when the limit-th most recent failure leaves it.
  const leaving = recent[limit - 1] as Temporal.Instant;
  const seconds = leaving.add(SIGN_IN_WINDOW).since(now).total("seconds");
  return Math.max(1, Math.ceil(seconds));
}

/** Methods that change something: with a session cookie they need the CSRF token. */
export function isStateChanging(method: string): boolean {
  const upper = method.toUpperCase();
  return upper === "POST" || upper === "PUT" || upper === "PATCH" || upper === "DELETE";
}

// ---- API keys ----

/**
 * `sk_` + an optional environment word (`live_`, `test_`) + at least 32
 * base64url characters (≥ 192 random bits) after it.
 */
const API_KEY_SECRET_PATTERN = /^sk_(?:(?:live|test)_)?([A-Za-z0-9_-]+)$/;
const API_KEY_RANDOM_LENGTH_MIN = 32;
const API_KEY_LENGTH_MAX = 200;

export function isApiKeySecretShaped(secret: string): boolean {
  if (secret.length > API_KEY_LENGTH_MAX) return false;
  const random = API_KEY_SECRET_PATTERN.exec(secret)?.[1];
  return random !== undefined && random.length >= API_KEY_RANDOM_LENGTH_MIN;
}

/** What identifies a key on screen without revealing it: `sk_live_…abcd`. */
export function apiKeyHint(secret: string): { last_four: string; hint: string } {
  const last_four = secret.slice(-4);
  const environment = /^sk_(live|test)_/.exec(secret)?.[0] ?? "sk_";
  return { last_four, hint: `${environment}…${last_four}` };
}

/** `Bearer sk_…` → the secret; anything else → undefined. */
export function bearerSecret(authorization: string): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  return match?.[1];
}

// ---- approvals ----

export type ApprovalStatus = "pending" | "approved" | "rejected";
export type ApprovalDecision = "approved" | "rejected";

export interface ApprovalParties {
  status: ApprovalStatus;
  requested_by: string;
  requested_by_user_id: string | null;
}

/**
 * The people behind an actor: the key itself and the user who created it. An
 * approval requested with a person's API key cannot be approved by the same
 * person in the web app, and vice versa.
 */
function principalsOf(actor: Pick<Actor, "id" | "user_id">): string[] {
  return actor.user_id === undefined || actor.user_id === actor.id ? [actor.id] : [actor.id, actor.user_id];
}

export function checkApprovalDecision(approval: ApprovalParties, decider: Actor): void {
  if (approval.status !== "pending") {
    throw new DomainError("approval_not_pending", `this approval was already ${approval.status}`);
  }
  // No bypass for Accrue's own processes here: a decision is always a person's (or their key's).
  if (!can(decider.role, "approvals:decide")) {
    throw new DomainError("permission_denied", `the ${decider.role} role may not decide approvals`);
  }
  const requester = [approval.requested_by, approval.requested_by_user_id].filter((id): id is string => id !== null);
  if (principalsOf(decider).some((id) => requester.includes(id))) {
    throw new DomainError("approval_self_decision", "a request must be decided by someone other than its requester");
  }
}
