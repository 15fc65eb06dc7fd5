import { Temporal } from "temporal-polyfill";
import { DomainError } from "../kernel/errors.js";
import "./errors.js";

/**
 * Webhook rules as plain functions: which endpoint wants which event, what
 * URL is acceptable, when a failed delivery is tried again, and the body.
 */

export const ALL_EVENTS = "*";
/** `invoice.finalized`, `ledger.entry_posted`, `ping`. */
export const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

export function endpointWantsEvent(enabledEvents: readonly string[], type: string): boolean {
  return enabledEvents.includes(ALL_EVENTS) || enabledEvents.includes(type);
}

export function checkEnabledEvents(enabledEvents: readonly string[]): string[] {
  const unique = [...new Set(enabledEvents)];
  unique.forEach((type, index) => {
    if (type !== ALL_EVENTS && !EVENT_TYPE.test(type)) {
      throw new DomainError("webhook_event_type_invalid", `"${type}" is not an event type such as invoice.finalized`, {
        param: `enabled_events.${index}`,
      });
    }
  });
  return unique.includes(ALL_EVENTS) ? [ALL_EVENTS] : unique.sort();
}

/** Plain http is refused in production, except to this machine when the operator allows it. */
export type HttpPolicy = "any" | "loopback" | "none";

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

export function checkEndpointUrl(raw: string, http: HttpPolicy): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DomainError("webhook_url_invalid", "the url is not a valid absolute URL", { param: "url" });
  }
  if (url.username !== "" || url.password !== "") {
    throw new DomainError("webhook_url_invalid", "the url may not carry a user name or password", { param: "url" });
  }
  if (url.protocol === "https:") return url.toString();
  if (url.protocol !== "http:") {
    throw new DomainError("webhook_url_invalid", "the url must start with https:// (or http://)", { param: "url" });
  }
  if (http === "any" || (http === "loopback" && LOOPBACK.test(url.hostname))) return url.toString();
  throw new DomainError("webhook_url_insecure", "webhook endpoints must use https", { param: "url" });
}

/**
 * Waits after the 1st, 2nd, … failed attempt: 1 min, 5 min, 30 min, 2 h, 5 h,
 * 10 h, then every 12 h, until three days after the first attempt.
 */
export const RETRY_DELAYS_MINUTES = [1, 5, 30, 120, 300, 600] as const;
const LATER_DELAY_MINUTES = 720;
export const RETRY_WINDOW_HOURS = 72;

/** When to try again after `attemptCount` failed attempts, or null when the window has closed (exhausted). */
export function nextAttemptAfterFailure(
  attemptCount: number,
  firstAttemptAt: Temporal.Instant,
  failedAt: Temporal.Instant,
): Temporal.Instant | null {
  const minutes = RETRY_DELAYS_MINUTES[attemptCount - 1] ?? LATER_DELAY_MINUTES;
  const next = failedAt.add({ minutes });
  const closes = firstAttemptAt.add({ hours: RETRY_WINDOW_HOURS });
  return Temporal.Instant.compare(next, closes) > 0 ? null : next;
}

export type DeliveryState = "pending" | "succeeded" | "failed" | "exhausted";

export interface AttemptOutcome {
  status_code: number | null;
  error: string | null;
}

export function attemptSucceeded(outcome: AttemptOutcome): boolean {
  return (
    outcome.error === null && outcome.status_code !== null && outcome.status_code >= 200 && outcome.status_code < 300
  );
}

export interface AttemptContext {
  /** This attempt's number, 1 for the first. */
  attemptCount: number;
  firstAttemptAt: Temporal.Instant;
  attemptedAt: Temporal.Instant;
  previousState: DeliveryState;
  /** A person's resend, outside the automatic schedule. */
  manual: boolean;
}

/**
 * The delivery after an attempt: succeeded, failed with a next try, or
 * exhausted. A failed manual resend of a delivery that had already succeeded
 * or was exhausted leaves its state alone: it adds a line to the log, not a
 * new schedule of retries.
 */
export function deliveryAfterAttempt(
  outcome: AttemptOutcome,
  context: AttemptContext,
): { state: DeliveryState; next_attempt_at: Temporal.Instant | null } {
  if (attemptSucceeded(outcome)) return { state: "succeeded", next_attempt_at: null };
  if (context.manual && (context.previousState === "succeeded" || context.previousState === "exhausted")) {
    return { state: context.previousState, next_attempt_at: null };
  }
  const next = nextAttemptAfterFailure(context.attemptCount, context.firstAttemptAt, context.attemptedAt);
  return next === null ? { state: "exhausted", next_attempt_at: null } : { state: "failed", next_attempt_at: next };
}

export interface WebhookEvent {
  id: string;
  type: string;
  data: unknown;
  created_at: Temporal.Instant;
}

/** The JSON body every attempt sends; `created` is in Unix seconds, as receivers expect. */
export function eventBody(event: WebhookEvent): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    created: Math.floor(event.created_at.epochMilliseconds / 1000),
    data: event.data,
  });
}

export const RESPONSE_EXCERPT_BYTES = 1024;

/** The first KiB of a response, cut on a character boundary. */
export function responseExcerpt(bytes: Uint8Array): string {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(0, RESPONSE_EXCERPT_BYTES));
  return bytes.length > RESPONSE_EXCERPT_BYTES ? text.replace(/\uFFFD$/, "") : text;
}
