/**
 * The web app's only door to the API: JSON over fetch on the same origin, the
 * session cookie sent by the browser, the CSRF token added to every write.
 * Errors come back as `{ error: { type, code, message, param } }` and leave
 * here as an ApiError, so every screen shows the API's own words.
 */

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly type: string;
  /** The request field the error is about (e.g. "name"), when there is one. */
  readonly param: string | null;

  constructor(status: number, body: { type?: string; code?: string; message?: string; param?: string | null }) {
    super(body.message ?? `the request failed with HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = body.code ?? "unknown_error";
    this.type = body.type ?? "api_error";
    this.param = body.param ?? null;
  }
}

type QueryValue = string | number | boolean | null | undefined;
export type Query = Record<string, QueryValue>;

let csrfToken: string | null = null;
let unauthenticatedHandler: () => void = () => {
  window.location.assign(`/login?redirect=${encodeURIComponent(window.location.pathname + window.location.search)}`);
};

/** Remembered from sign-in (or /v1/auth/me) and sent as X-CSRF-Token on writes. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** What to do when the session has ended: the app sends the person to the sign-in page. */
export function onUnauthenticated(handler: () => void): void {
  unauthenticatedHandler = handler;
}

// The sign-in calls answer 401 as part of their normal job; redirecting there would loop.
const SESSION_PATHS = new Set(["/v1/auth/login", "/v1/auth/me", "/v1/auth/logout"]);

function urlWith(path: string, query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    // The API rejects unknown and empty fields, so blanks are left out rather than sent as "".
    if (value === undefined || value === null || value === "") continue;
    params.set(key, String(value));
  }
  const search = params.toString();
  return search === "" ? path : `${path}?${search}`;
}

async function request<T>(method: string, path: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken !== null) headers["x-csrf-token"] = csrfToken;
  let response: Response;
  try {
    response = await fetch(urlWith(path, options.query), {
      method,
      headers,
      credentials: "same-origin",
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, {
      code: "network_error",
      message: "The server could not be reached. Check your connection.",
    });
  }
  const text = await response.text();
  const payload: unknown = text === "" ? null : safeJson(text);
  if (response.ok) return payload as T;
  const error = (payload as { error?: ConstructorParameters<typeof ApiError>[1] } | null)?.error ?? {};
  if (response.status === 401 && !SESSION_PATHS.has(path)) unauthenticatedHandler();
  throw new ApiError(response.status, error);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { message: text.slice(0, 300) } };
  }
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>("GET", path, { query }),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, { body: body ?? {} }),
  delete: <T>(path: string) => request<T>("DELETE", path),
};

// ---------------------------------------------------------------------------
// Resource shapes, as the API sends them. Amounts are decimal strings beside a currency.

export interface List<T> {
  object: "list";
  data: T[];
  has_more: boolean;
}

interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: string;
}

export interface Session {
  user: SessionUser;
  csrf_token: string;
}

export interface TrialBalanceAccount {
  account_id: string;
  code: string;
  name: string;
  type: string;
  currency: string;
  debit: string;
  credit: string;
  balance: string;
}

export interface TrialBalance {
  object: "trial_balance";
  as_of: string | null;
  accounts: TrialBalanceAccount[];
  totals: { currency: string; debit: string; credit: string }[];
}

export interface LedgerAccount {
  id: string;
  code: string;
  name: string;
  type: string;
  currency: string;
  archived: boolean;
}

interface JournalLine {
  account_id: string;
  account_code: string;
  account_name: string;
  currency: string;
  debit: string;
  credit: string;
}

export interface JournalEntry {
  id: string;
  effective_date: string;
  memo: string;
  source_type: string;
  source_id: string;
  reverses_entry_id: string | null;
  reversed_by_entry_id: string | null;
  posted_at: string;
  posted_by: string;
  lines: JournalLine[];
}

export interface AuditEvent {
  id: string;
  seq: string;
  actor_type: string;
  actor_id: string;
  actor_name: string | null;
  action: string;
  object_type: string;
  object_id: string;
  before: unknown;
  after: unknown;
  reason: string | null;
  request_id: string | null;
  occurred_at: string;
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  problems: { seq: string; kind: string; detail: string }[];
  problems_truncated?: boolean;
}

export interface ApiKey {
  id: string;
  name: string;
  role: string;
  last_four: string;
  hint?: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  enabled_events: string[];
  status: string;
  signing_secrets?: { last_four: string; created_at: string; expires_at: string | null }[];
  created_at: string;
}

export interface WebhookAttempt {
  attempt: number;
  attempted_at: string;
  status_code: number | null;
  response_excerpt: string | null;
  duration_ms: number;
  error: string | null;
  succeeded: boolean;
}

export interface WebhookDelivery {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  state: string;
  attempt_count: number;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  created_at: string;
  attempts: WebhookAttempt[];
}

export interface Approval {
  id: string;
  action: string;
  object_type: string;
  object_id: string;
  summary: string;
  status: "pending" | "approved" | "rejected";
  requested_by: string;
  requested_by_name?: string | null;
  decided_by: string | null;
  decided_by_name?: string | null;
  comment: string | null;
  created_at: string;
  decided_at: string | null;
}

/** Roles a person can hand out; the API refuses one above the caller's own. */
export const ROLES = [
  "admin",
  "billing_analyst",
  "ar_specialist",
  "support_agent",
  "approver",
  "auditor",
  "developer",
] as const;
