import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { assertNever, DomainError, type ErrorKind, registerErrorCodes } from "../kernel/errors.js";

/**
 * The one place where failures become HTTP. Modules throw DomainError with a
 * stable code; its kind decides the status. Everything unexpected is a 500
 * that names no internals.
 */
registerErrorCodes({
  invalid_json: "invalid",
  parameter_invalid: "invalid",
  parameter_missing: "invalid",
  parameter_unknown: "invalid",
  unsupported_media_type: "invalid",
  body_too_large: "too_large",
  route_not_found: "not_found",
  idempotency_key_reused: "conflict",
  idempotency_key_in_use: "conflict",
  idempotency_key_invalid: "invalid",
  duplicate: "conflict",
  internal_error: "unavailable",
});

export interface ErrorPayload {
  status: number;
  body: {
    error: {
      type: string;
      code: string;
      message: string;
      param?: string;
      /** What the caller needs to act on the error, e.g. the blocking review rules. */
      details?: Record<string, unknown>;
      request_id?: string;
    };
  };
}

export function statusOfKind(kind: ErrorKind): number {
  switch (kind) {
    case "invalid":
      return 400;
    case "unauthenticated":
      return 401;
    case "forbidden":
      return 403;
    case "not_found":
      return 404;
    case "conflict":
      return 409;
    case "too_large":
      return 413;
    case "rate_limited":
      return 429;
    case "unavailable":
      return 503;
    default:
      return assertNever(kind, "error kind");
  }
}

function typeOfKind(kind: ErrorKind, code: string): string {
  if (code.startsWith("idempotency_")) return "idempotency_error";
  switch (kind) {
    case "unauthenticated":
      return "authentication_error";
    case "forbidden":
      return "permission_error";
    case "unavailable":
      return "api_error";
    case "rate_limited":
      return "rate_limit_error";
    case "invalid":
    case "not_found":
    case "conflict":
    case "too_large":
      return "invalid_request_error";
    default:
      return assertNever(kind, "error kind");
  }
}

export function errorPayload(
  code: string,
  kind: ErrorKind,
  message: string,
  param?: string,
  details?: Record<string, unknown>,
): ErrorPayload {
  const error: ErrorPayload["body"]["error"] = { type: typeOfKind(kind, code), code, message };
  if (param !== undefined && param !== "") error.param = param;
  if (details !== undefined) error.details = details;
  return { status: statusOfKind(kind), body: { error } };
}

export function sendError(reply: FastifyReply, payload: ErrorPayload): FastifyReply {
  payload.body.error.request_id = String(reply.request.id);
  const retryAfter = payload.body.error.details?.retry_after_seconds;
  if (typeof retryAfter === "number") reply.header("Retry-After", String(retryAfter));
  return reply.code(payload.status).type("application/json").send(payload.body);
}

interface ValidationIssue {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: { keys?: string[]; expected?: string; params?: { code?: string } };
}

/** A zod issue becomes one error naming the field, e.g. `lines.0.debit`. */
function fromValidation(error: FastifyError & { validation: ValidationIssue[]; validationContext?: string }) {
  const first: ValidationIssue = error.validation[0] ?? {};
  let path = (first.instancePath ?? "").replace(/^\//, "").replaceAll("/", ".");
  if (first.keyword === "unrecognized_keys" && first.params?.keys?.[0] !== undefined) {
    path = path === "" ? first.params.keys[0] : `${path}.${first.params.keys[0]}`;
    return errorPayload("parameter_unknown", "invalid", `unknown field: ${path}`, path);
  }
  const where =
    error.validationContext === "body" || error.validationContext === undefined ? "" : `${error.validationContext} `;
  const message = `${where}${path === "" ? "request" : path}: ${first.message ?? "is invalid"}`;
  // A schema can name the domain code it stands for (amounts say invalid_amount).
  const named = first.keyword === "custom" ? first.params?.params?.code : undefined;
  if (named !== undefined) return errorPayload(named, "invalid", message, path);
  const missing = first.keyword === "invalid_type" && /received undefined/.test(first.message ?? "");
  return errorPayload(missing ? "parameter_missing" : "parameter_invalid", "invalid", message, path);
}

const PG_USER_ERRORS: Record<string, string> = {
  "22P02": "parameter_invalid",
  "22003": "parameter_invalid",
  "22007": "parameter_invalid",
  "22008": "parameter_invalid",
  "22001": "parameter_invalid",
  "22021": "parameter_invalid",
};

export function toErrorPayload(error: unknown, request: FastifyRequest): ErrorPayload {
  if (error instanceof DomainError) {
    return errorPayload(error.code, error.kind, error.message, error.param, error.details);
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    return fromValidation(error as unknown as Parameters<typeof fromValidation>[0]);
  }
  const fastifyError = error as FastifyError & { code?: string };
  switch (fastifyError.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return errorPayload("body_too_large", "too_large", "the request body is too large");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return errorPayload("unsupported_media_type", "invalid", "send the body as application/json");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return errorPayload("invalid_json", "invalid", "the body is not valid JSON");
    default:
      break;
  }
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    return errorPayload("invalid_json", "invalid", "the body is not valid JSON");
  }
  const pgCode = fastifyError.code;
  if (pgCode !== undefined && PG_USER_ERRORS[pgCode] !== undefined) {
    return errorPayload(PG_USER_ERRORS[pgCode], "invalid", "a value is out of range or malformed");
  }
  if (pgCode === "40001" || pgCode === "40P01") {
    return errorPayload("serialization_retry_exhausted", "unavailable", "the database was busy; retry");
  }
  if (typeof fastifyError.statusCode === "number" && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const kind: ErrorKind = fastifyError.statusCode === 413 ? "too_large" : "invalid";
    return errorPayload("parameter_invalid", kind, fastifyError.message);
  }
  request.log.error({ err: error }, "unhandled error");
  return {
    ...errorPayload("internal_error", "unavailable", "something went wrong on our side; retry later"),
    status: 500,
  };
}
