import { afterAll, describe, expect, it } from "vitest";
import { testApp } from "../../test/support/app.js";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";
import { startJobs } from "./runner.js";
import { getJob } from "./service.js";
import { eventually } from "./test-support.js";

const { db, url } = await freshDatabase();
const clock = new TestClock("2026-11-02T09:00:00Z");
const { app, adminKey, keyFor, auth } = await testApp({ db, clock });
const admin = auth(adminKey);

let failing = true;
const jobs = await startJobs({
  db,
  clock,
  connectionString: url,
  onError: () => {},
  tuning: { pollingIntervalSeconds: 0.5 },
  handlers: {
    "invoice-pdf": {
      retryLimit: 0,
      handler: async () => {
        if (failing) throw new Error("font missing");
      },
    },
  },
});
afterAll(() => jobs.stop());

describe("job routes", () => {
  it("lists failed and dead jobs, shows one, and retries it", async () => {
    const id = (await jobs.send("invoice-pdf", { invoice_id: "inv_7" })) ?? "";
    await eventually(async () => (await getJob({ db }, id)).state === "failed");

    const failed = await app.inject({ method: "GET", url: "/v1/jobs?state=failed&queue=invoice-pdf", headers: admin });
    expect(failed.statusCode).toBe(200);
    expect(failed.json()).toMatchObject({
      object: "list",
      has_more: false,
      data: [{ id, queue: "invoice-pdf", state: "failed" }],
    });
    const dead = await app.inject({ method: "GET", url: "/v1/jobs?state=dead", headers: admin });
    expect(dead.json().data).toEqual([
      expect.objectContaining({ queue: "invoice-pdf", data: { invoice_id: "inv_7" } }),
    ]);

    const one = await app.inject({ method: "GET", url: `/v1/jobs/${id}`, headers: admin });
    expect(one.json()).toMatchObject({
      object: "job",
      id,
      retry_count: 0,
      retry_limit: 0,
      data: { invoice_id: "inv_7" },
    });
    expect(JSON.stringify(one.json().output)).toContain("font missing");

    failing = false;
    const retried = await app.inject({ method: "POST", url: `/v1/jobs/${id}/retry`, headers: admin });
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toMatchObject({ id, state: "retry" });
    await eventually(async () => (await getJob({ db }, id)).state === "completed");
    const again = await app.inject({ method: "POST", url: `/v1/jobs/${id}/retry`, headers: admin });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe("job_not_retryable");
    expect((await app.inject({ method: "GET", url: "/v1/jobs?state=dead", headers: admin })).json().data).toEqual([]);
  });

  it("answers 400 for a malformed id and 404 for an unknown one", async () => {
    const malformed = await app.inject({ method: "GET", url: "/v1/jobs/inv_123", headers: admin });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.param).toBe("id");
    const unknown = await app.inject({
      method: "GET",
      url: "/v1/jobs/00000000-0000-4000-8000-000000000000",
      headers: admin,
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe("job_not_found");
    const badState = await app.inject({ method: "GET", url: "/v1/jobs?state=stuck", headers: admin });
    expect(badState.statusCode).toBe(400);
  });

  it("lets jobs:read list and jobs:manage retry", async () => {
    const developer = auth(await keyFor("developer"));
    expect((await app.inject({ method: "GET", url: "/v1/jobs", headers: developer })).statusCode).toBe(200);
    const retry = await app.inject({
      method: "POST",
      url: "/v1/jobs/00000000-0000-4000-8000-000000000000/retry",
      headers: developer,
    });
    expect(retry.statusCode).toBe(403);
  });
});
