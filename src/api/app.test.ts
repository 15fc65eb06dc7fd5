import { describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";

const { db } = await freshDatabase();
const clock = new TestClock("2026-11-23T10:00:00Z");
const { app, adminKey } = await testApp({ db, clock });

describe("the API frame", () => {
  it("reports health with the database", async () => {
    const response = await app.inject({ method: "GET", url: "/health" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: "ok", database: { status: "ok" } });
  });

  it("serves an OpenAPI 3.1 document with security and every module's paths", async () => {
    const response = await app.inject({ method: "GET", url: "/openapi.json" });
    const document = response.json();
    expect(document.openapi).toBe("3.1.0");
    expect(document.components.securitySchemes.api_key).toMatchObject({ type: "http", scheme: "bearer" });
    for (const path of [
      "/v1/ledger/accounts",
      "/v1/ledger/entries",
      "/v1/ledger/trial_balance",
      "/v1/audit_events",
      "/v1/api_keys",
      "/v1/webhook_endpoints",
      "/v1/approvals",
      "/v1/jobs",
    ]) {
      expect(Object.keys(document.paths)).toContain(path);
    }
  });

  it("serves the interactive reference at /docs", async () => {
    const response = await app.inject({ method: "GET", url: "/docs/" });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain("swagger");
  });

  it("exposes Prometheus metrics including request durations", async () => {
    await app.inject({ method: "GET", url: "/health" });
    const response = await app.inject({ method: "GET", url: "/metrics" });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain("accrue_http_request_duration_seconds_bucket");
    expect(response.body).toContain('route="/health"');
  });

  it("answers an unknown route with the error shape and a request id", async () => {
    const response = await app.inject({
      method: "GET",
      url: "/v1/nothing_here",
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(response.statusCode).toBe(404);
    const { error } = response.json();
    expect(error).toMatchObject({ type: "invalid_request_error", code: "route_not_found" });
    expect(error.request_id).toMatch(/^req_/);
    expect(response.headers["request-id"]).toBe(error.request_id);
  });

  it("maps malformed JSON to 400 invalid_json", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/v1/ledger/entries",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      payload: '{"memo": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe("invalid_json");
  });

  it("names the field of a validation error", async () => {
    const response = await app.inject({
      method: "GET",
      url: "/v1/ledger/accounts?limit=0",
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: "parameter_invalid", param: "limit" });
  });

  it("rejects unknown query fields, naming them", async () => {
    const response = await app.inject({
      method: "GET",
      url: "/v1/ledger/accounts?colour=red",
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: "parameter_unknown", param: "colour" });
  });
});
