/**
 * Expected failures carry a stable code. Services throw a DomainError; the API
 * layer maps its kind to an HTTP status in one place (src/api/errors.ts), so a
 * module never thinks about HTTP.
 */

/** How the caller should read a failure; the API maps each kind to one status. */
export type ErrorKind =
  | "invalid" // 400/422: the request is wrong; nothing was written
  | "unauthenticated" // 401
  | "forbidden" // 403
  | "not_found" // 404
  | "conflict" // 409: the state of the world forbids it now
  | "too_large" // 413
  | "rate_limited" // 429: too many attempts; details.retry_after_seconds says when to try again
  | "unavailable"; // 503: a dependency is down; retry

/** Every module lists its codes in its own errors.ts with their kind. */
export type ErrorCatalog = Readonly<Record<string, ErrorKind>>;

const registry = new Map<string, ErrorKind>();

/** Registers a module's catalog; a code may be declared once across all modules. */
export function registerErrorCodes(catalog: ErrorCatalog): ErrorCatalog {
  for (const [code, kind] of Object.entries(catalog)) {
    const existing = registry.get(code);
    if (existing !== undefined && existing !== kind) {
      throw new Error(`error code ${code} declared twice with different kinds`);
    }
    registry.set(code, kind);
  }
  return catalog;
}

export function errorKindOf(code: string): ErrorKind {
  return registry.get(code) ?? "invalid";
}

export class DomainError extends Error {
  readonly code: string;
  readonly param: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options?: { param?: string; details?: Record<string, unknown> }) {
    super(message);
    this.name = "DomainError";
    this.code = code;
    this.param = options?.param;
    this.details = options?.details;
  }

  get kind(): ErrorKind {
    return errorKindOf(this.code);
  }
}

registerErrorCodes({
  invalid_amount: "invalid",
  invalid_currency: "invalid",
  invalid_date: "invalid",
  invalid_time_zone: "invalid",
  invalid_interval: "invalid",
  invalid_weights: "invalid",
  invalid_id: "invalid",
  invalid_request: "invalid",
  not_found: "not_found",
  serialization_retry_exhausted: "unavailable",
});

/** An invariant that only a bug can break. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

/** Ends every switch over a union: the compiler proves the cases are complete. */
export function assertNever(value: never, what = "value"): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
