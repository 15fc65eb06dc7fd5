import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";
import { type JobRunner, startJobs } from "./runner.js";
import { getJob, listJobs, retryJob } from "./service.js";
import { eventually } from "./test-support.js";

const { db, url } = await freshDatabase();
const clock = new TestClock("2026-11-01T00:00:00Z");
const runners: JobRunner[] = [];
afterAll(async () => {
  for (const runner of runners) await runner.stop();
});

const fast = { pollingIntervalSeconds: 0.5, cronMonitorIntervalSeconds: 1, cronWorkerIntervalSeconds: 1 };

async function runner(handlers: Parameters<typeof startJobs>[0]["handlers"]): Promise<JobRunner> {
  const started = await startJobs({ db, clock, connectionString: url, handlers, tuning: fast, onError: () => {} });
  runners.push(started);
  return started;
}

const page = { limit: 100 };

describe("the job runner", () => {
  it("runs a job sent to a queue and records it completed", async () => {
    const seen: unknown[] = [];
    const jobs = await runner({ "invoice-email": async (job) => void seen.push(job.data) });
    const id = await jobs.send("invoice-email", { invoice_id: "inv_1" });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await eventually(async () => (await getJob({ db }, id ?? "")).state === "completed", { what: "completion" });
    expect(seen).toEqual([{ invoice_id: "inv_1" }]);
  });

  it("retries with backoff, dead-letters the job, and a person's retry runs it again", async () => {
    let failing = true;
    const runs: number[] = [];
    const startedAt: number[] = [];
    const jobs = await runner({
      "dunning-step": {
        retryLimit: 2,
        retryDelaySeconds: 1,
        retryBackoff: true,
        handler: async (job) => {
          runs.push(job.retryCount);
          startedAt.push(performance.now());
          if (failing) throw new Error("mail server down");
        },
      },
    });
    const id = (await jobs.send("dunning-step", { invoice_id: "inv_2", step: 1 })) ?? "";
    const failed = await eventually(async () => {
      const job = await getJob({ db }, id);
      return job.state === "failed" ? job : undefined;
    });
    // One run and two retries: retry_count counts the retries.
    expect(runs).toEqual([0, 1, 2]);
    // Backoff with jitter: the first retry waits 1–2 s (1 × 2¹ / 2 × (1 + r)), the second 2–4 s (1 × 2² / 2 × (1 + r)).
    const [first = 0, second = 0, third = 0] = startedAt;
    expect(second - first).toBeGreaterThanOrEqual(900);
    expect(third - second).toBeGreaterThanOrEqual(1900);
    expect(failed).toMatchObject({ retry_count: 2, retry_limit: 2, retry_delay_seconds: 1, retry_backoff: true });
    expect(JSON.stringify(failed.output)).toContain("mail server down");

    const dead = await listJobs({ db }, { ...page, state: "dead", queue: "dunning-step" });
    expect(dead.data).toHaveLength(1);
    expect(dead.data[0]).toMatchObject({
      queue: "dunning-step",
      state: "dead",
      data: { invoice_id: "inv_2", step: 1 },
    });
    const failedList = await listJobs({ db }, { ...page, state: "failed" });
    expect(failedList.data.map((job) => job.id)).toEqual([id]);

    failing = false;
    const retried = await retryJob({ db }, dead.data[0]?.id ?? "");
    expect(retried).toMatchObject({ id, state: "retry" });
    await eventually(async () => (await getJob({ db }, id)).state === "completed", { what: "the retried run" });
    expect((await listJobs({ db }, { ...page, state: "dead" })).data).toEqual([]);
  });

  it("retrying a failed job also takes its copy out of the dead-letter queue", async () => {
    let failing = true;
    const jobs = await runner({
      "payout-batch": {
        retryLimit: 0,
        handler: async () => {
          if (failing) throw new Error("bank file rejected");
        },
      },
    });
    const id = (await jobs.send("payout-batch", { batch: 7 })) ?? "";
    await eventually(async () => (await getJob({ db }, id)).state === "failed");
    expect((await listJobs({ db }, { ...page, state: "dead", queue: "payout-batch" })).data).toHaveLength(1);
    failing = false;
    await retryJob({ db }, id);
    expect((await listJobs({ db }, { ...page, state: "dead", queue: "payout-batch" })).data).toEqual([]);
    await eventually(async () => (await getJob({ db }, id)).state === "completed");
    await expect(retryJob({ db }, id)).rejects.toMatchObject({ code: "job_not_retryable" });
  });

  it("sends scheduled jobs on their cron schedule", async () => {
    const seen: unknown[] = [];
    const jobs = await runner({ "billing-run": async (job) => void seen.push(job.data) });
    await jobs.schedule("billing-run", "* * * * *", { run: "daily" }, { tz: "Europe/Berlin" });
    await eventually(async () => seen.length > 0, { what: "the scheduled job" });
    expect(seen[0]).toEqual({ run: "daily" });
    await jobs.unschedule("billing-run");
  });

  it("repeats a pump job while running, one waiting job at a time", async () => {
    let runs = 0;
    await runner({ "outbox-pump": { repeatEverySeconds: 1, deadLetter: false, handler: async () => void runs++ } });
    await eventually(async () => runs >= 2, { what: "two pump runs" });
    const waiting = await listJobs({ db }, { ...page, queue: "outbox-pump", state: "created" });
    expect(waiting.data.length).toBeLessThanOrEqual(1);
  });

  it("stops gracefully: an in-flight job finishes before the runner closes", async () => {
    let started = false;
    let finished = false;
    const jobs = await startJobs({
      db,
      clock,
      connectionString: url,
      tuning: fast,
      handlers: {
        "statement-pdf": async () => {
          started = true;
          await sleep(1500);
          finished = true;
        },
      },
    });
    const id = (await jobs.send("statement-pdf", {})) ?? "";
    await eventually(async () => started, { what: "the job to start" });
    await jobs.stop();
    expect(finished).toBe(true);
    await eventually(async () => (await getJob({ db }, id)).state === "completed", { timeoutMs: 3000 });
  });

  it("pages through jobs newest first", async () => {
    const jobs = await runner({ "paging-demo": { handler: async () => {} } });
    for (let index = 0; index < 5; index++)
      await jobs.send("paging-demo", { index }, { startAfter: new Date(4102444800000) });
    const first = await listJobs({ db }, { limit: 2, queue: "paging-demo" });
    expect(first.has_more).toBe(true);
    expect(first.data.map((job) => (job.data as { index: number }).index)).toEqual([4, 3]);
    const second = await listJobs({ db }, { limit: 2, queue: "paging-demo", starting_after: first.data[1]?.id });
    expect(second.data.map((job) => (job.data as { index: number }).index)).toEqual([2, 1]);
    const back = await listJobs({ db }, { limit: 2, queue: "paging-demo", ending_before: second.data[0]?.id });
    expect(back.data.map((job) => (job.data as { index: number }).index)).toEqual([4, 3]);
    await expect(getJob({ db }, "00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({
      code: "job_not_found",
    });
  });
});
