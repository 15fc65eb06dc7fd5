import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { freshDatabase } from "../../test/support/database.js";
import { createApiKey, ensureBootstrapAdmin } from "../access/index.js";
import { systemContext } from "../kernel/actor.js";
import { TestClock } from "../kernel/clock.js";
import { DomainError } from "../kernel/errors.js";
import { buildApp } from "./app.js";
import { purgeIdempotencyKeys } from "./idempotency.js";

/**
 * The idempotency layer on a real route that writes one row: retries replay,
 * a changed body is refused, concurrent requests with one key run once.
 */
const { db } = await freshDatabase();
const clock = new TestClock("2026-11-23T10:00:00Z");
const deps = { db, clock };
const adminKey = `sk_test_${randomBytes(24).toString("base64url")}`;
let failNext = false;

const app = await buildApp(deps);
app.post(
  "/v1/test_rows",
  {
    config: { permission: "ledger:write" },
    schema: { body: z.strictObject({ name: z.string(), slow: z.boolean().optional() }) },
  },
  async (request, reply) => {
    const body = request.body as { name: string; slow?: boolean };
    if (failNext) {
      failNext = false;
      throw new Error("a broken dependency");
    }
    if (body.name === "refused") throw new DomainError("invalid_request", "refused by the handler", { param: "name" });
    if (body.slow === true) await new Promise((resolve) => setTimeout(resolve, 300));
    const row = await sql<{ id: number }>`insert into test_rows (name) values (${body.name}) returning id`.execute(db);
    return reply.code(201).send({ id: row.rows[0]?.id, name: body.name });
  },
);

beforeAll(async () => {
  await sql`create table test_rows (id serial primary key, name text not null)`.execute(db);
  await ensureBootstrapAdmin(deps, { apiKeySecret: adminKey });
  await app.ready();
});

async function rows(): Promise<number> {
  const result = await sql<{ n: string }>`select count(*) as n from test_rows`.execute(db);
  return Number(result.rows[0]?.n);
}

function post(key: string | undefined, payload: object, secret = adminKey) {
  return app.inject({
    method: "POST",
    url: "/v1/test_rows",
    headers: { authorization: `Bearer ${secret}`, ...(key === undefined ? {} : { "idempotency-key": key }) },
    payload,
  });
}

describe("Idempotency-Key", () => {
  it("replays the first response to a retry and writes once", async () => {
    const before = await rows();
    const first = await post("order-1001", { name: "a" });
    const retry = await post("order-1001", { name: "a" });
    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(201);
    expect(retry.body).toBe(first.body);
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(first.headers["idempotent-replayed"]).toBeUndefined();
    expect(await rows()).toBe(before + 1);
  });

  it("refuses the same key with another body", async () => {
    await post("order-1002", { name: "b" });
    const reused = await post("order-1002", { name: "c" });
    expect(reused.statusCode).toBe(409);
    expect(reused.json().error).toMatchObject({
      code: "idempotency_key_reused",
      type: "idempotency_error",
      param: "Idempotency-Key",
    });
  });

  it("runs concurrent requests with one key once", async () => {
    const before = await rows();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => post("order-1003", { name: "d", slow: true })),
    );
    expect(responses.map((response) => response.statusCode)).toEqual(Array(10).fill(201));
    expect(new Set(responses.map((response) => response.body)).size).toBe(1);
    expect(responses.filter((response) => response.headers["idempotent-replayed"] === "true")).toHaveLength(9);
    expect(await rows()).toBe(before + 1);
  });

  it("stores a 4xx answer from the handler and replays it", async () => {
    const first = await post("order-1004", { name: "refused" });
    const retry = await post("order-1004", { name: "refused" });
    expect(first.statusCode).toBe(400);
    expect(retry.statusCode).toBe(400);
    expect(retry.headers["idempotent-replayed"]).toBe("true");
  });

  it("releases the key after a 500 so the retry runs", async () => {
    const before = await rows();
    failNext = true;
    const failed = await post("order-1005", { name: "e" });
    const retry = await post("order-1005", { name: "e" });
    expect(failed.statusCode).toBe(500);
    expect(failed.json().error.code).toBe("internal_error");
    expect(retry.statusCode).toBe(201);
    expect(retry.headers["idempotent-replayed"]).toBeUndefined();
    expect(await rows()).toBe(before + 1);
  });

  it("does not consume the key when validation fails", async () => {
    const invalid = await post("order-1006", { name: 42 });
    const valid = await post("order-1006", { name: "f" });
    expect(invalid.statusCode).toBe(400);
    expect(valid.statusCode).toBe(201);
  });

  it("scopes keys to the credential that sent them", async () => {
    const other = await createApiKey(deps, systemContext("test", "req_test"), { name: "second", role: "admin" });
    const before = await rows();
    await post("shared-key", { name: "g" });
    const second = await post("shared-key", { name: "g" }, other.secret);
    expect(second.headers["idempotent-replayed"]).toBeUndefined();
    expect(await rows()).toBe(before + 2);
  });

  it("rejects a malformed key", async () => {
    const response = await post("bad key with spaces", { name: "h" });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: "idempotency_key_invalid", param: "Idempotency-Key" });
  });

  it("keeps keys 24 hours, then purges them", async () => {
    await post("order-1007", { name: "i" });
    clock.advance({ hours: 23 });
    expect(await purgeIdempotencyKeys(deps)).toBe(0);
    clock.advance({ hours: 2 });
    expect(await purgeIdempotencyKeys(deps)).toBeGreaterThan(0);
    const again = await post("order-1007", { name: "i" });
    expect(again.headers["idempotent-replayed"]).toBeUndefined();
  });
});
