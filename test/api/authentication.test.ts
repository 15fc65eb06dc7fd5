import { describe, expect, it } from "vitest";
import { TestClock } from "../../src/kernel/clock.js";
import { testApp } from "../support/app.js";
import { freshDatabase } from "../support/database.js";
import { isWrite, operations, PUBLIC_V1_ROUTES } from "./openapi-walk.js";

/**
 * Walks the OpenAPI document and calls every /v1 route without credentials,
 * with a malformed and a revoked-looking key, and with a read-only (auditor)
 * key: nothing may answer without authentication, and a read-only key may
 * not write.
 */
const { db } = await freshDatabase();
const clock = new TestClock("2026-11-23T10:00:00Z");
const { app, keyFor, auth } = await testApp({ db, clock });
const routes = await operations(app);

describe("every /v1 route", () => {
  it("is listed in the OpenAPI document", () => {
    expect(routes.length).toBeGreaterThan(20);
  });

  it("answers 401 without credentials", async () => {
    const failures: string[] = [];
    for (const route of routes) {
      if (PUBLIC_V1_ROUTES.has(`${route.method} ${route.path}`)) continue;
      const response = await app.inject({
        method: route.method,
        url: route.url,
        payload: isWrite(route) ? {} : undefined,
      });
      if (response.statusCode !== 401 || response.json().error?.code !== "unauthenticated") {
        failures.push(`${route.method} ${route.path} → ${response.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("answers 401 with a bad key", async () => {
    const badKeys = ["sk_not_a_real_key_000000000000000000000000", "Bearer", "sk_", "basic abc", "' or 1=1 --"];
    const failures: string[] = [];
    for (const route of routes) {
      if (PUBLIC_V1_ROUTES.has(`${route.method} ${route.path}`)) continue;
      for (const key of badKeys) {
        const response = await app.inject({
          method: route.method,
          url: route.url,
          headers: { authorization: `Bearer ${key}` },
        });
        if (response.statusCode !== 401)
          failures.push(`${route.method} ${route.path} with "${key}" → ${response.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("answers 403 to a read-only key on every write, and never 401/403 on reads it may see", async () => {
    const readOnly = auth(await keyFor("auditor"));
    const failures: string[] = [];
    for (const route of routes) {
      if (PUBLIC_V1_ROUTES.has(`${route.method} ${route.path}`)) continue;
      const response = await app.inject({
        method: route.method,
        url: route.url,
        headers: readOnly,
        payload: isWrite(route) ? {} : undefined,
      });
      const code = response.json().error?.code;
      // Signing in and out is every caller's own business, not a write to the books.
      if (isWrite(route) && !route.path.startsWith("/v1/auth/")) {
        if (response.statusCode !== 403 || code !== "permission_denied")
          failures.push(`${route.method} ${route.path} → ${response.statusCode} ${code}`);
      }
      if (!isWrite(route) && (response.statusCode === 401 || response.statusCode >= 500)) {
        failures.push(`${route.method} ${route.path} → ${response.statusCode} ${code}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
