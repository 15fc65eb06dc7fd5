import client from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";
import { startJobs } from "./runner.js";
import { getJob } from "./service.js";
import { eventually } from "./test-support.js";

const { db, url } = await freshDatabase();

describe("accrue_job_queue_depth", () => {
  it("counts jobs per queue and state when scraped", async () => {
    const jobs = await startJobs({
      db,
      clock: new TestClock("2026-11-01T00:00:00Z"),
      connectionString: url,
      onError: () => {},
      tuning: { pollingIntervalSeconds: 0.5 },
      handlers: {
        "late-fee": {
          retryLimit: 0,
          handler: async () => {
            throw new Error("no fee schedule");
          },
        },
      },
    });
    afterAll(() => jobs.stop());
    const failing = (await jobs.send("late-fee", {})) ?? "";
    await jobs.send("late-fee", {}, { startAfter: new Date(4102444800000) });
    await eventually(async () => (await getJob({ db }, failing)).state === "failed");

    const text = await client.register.getSingleMetricAsString("accrue_job_queue_depth");
    expect(text).toContain('accrue_job_queue_depth{queue="late-fee",state="failed"} 1');
    expect(text).toContain('accrue_job_queue_depth{queue="late-fee",state="created"} 1');
    expect(text).toContain('accrue_job_queue_depth{queue="late-fee",state="dead"} 1');
    expect(text).toContain('accrue_job_queue_depth{queue="late-fee",state="active"} 0');
  });
});
