import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { crashQueue, recordEffect } from "../../test/jobs/crash-queue.js";
import { freshDatabase } from "../../test/support/database.js";
import { TestClock } from "../kernel/clock.js";
import { bossCommands } from "./boss.js";
import { type JobRunner, startJobs } from "./runner.js";
import { getJob, performEffectOnce } from "./service.js";
import { eventually } from "./test-support.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const { db, url } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-11-01T00:00:00Z") };
await sql`create table crash_runs (job_id text not null, process text not null)`.execute(db);
await sql`create table crash_effects (job_id text not null)`.execute(db);

const children: ChildProcess[] = [];
const runners: JobRunner[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  for (const runner of runners) await runner.stop();
});

/** Starts a worker process and resolves when it prints `line`. */
function startChild(queue: string, mode: string): { child: ChildProcess; printed: (line: string) => Promise<void> } {
  const child = spawn(process.execPath, ["--import", "tsx", "test/jobs/crash-worker.ts", url, queue, mode], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const printed = (line: string) =>
    eventually(async () => output.split("\n").includes(line), {
      timeoutMs: 30_000,
      what: `the worker to print ${line}`,
    }).then(() => {});
  return { child, printed };
}

async function countRows(table: "crash_runs" | "crash_effects", jobId: string): Promise<number> {
  const result = await sql<{
    count: string;
  }>`select count(*) as count from ${sql.table(table)} where job_id = ${jobId}`.execute(db);
  return Number(result.rows[0]?.count);
}

describe("a job whose worker process is killed mid-run", () => {
  for (const mode of ["before_effect", "after_effect"] as const) {
    it(`runs again after restart and takes effect exactly once (killed ${mode.replace("_", " ")})`, async () => {
      const queue = `crash-${mode.replace("_", "-")}`;
      const { child, printed } = startChild(queue, mode);
      await printed("ready");
      const id = (await bossCommands(db).send(queue, { invoice_id: "inv_crash" })) ?? "";
      await printed("started");
      child.kill("SIGKILL");
      await once(child, "exit");
      expect((await getJob(deps, id)).state).toBe("active");

      const survivor = await startJobs({
        ...deps,
        connectionString: url,
        onError: () => {},
        tuning: { pollingIntervalSeconds: 0.5, maintenanceIntervalSeconds: 1 },
        handlers: {
          [queue]: crashQueue(async (job) => {
            await sql`insert into crash_runs (job_id, process) values (${job.id}, 'survivor')`.execute(db);
            await performEffectOnce(deps, { key: job.id, queue }, recordEffect(job.id));
          }),
        },
      });
      runners.push(survivor);
      const done = await eventually(
        async () => {
          const job = await getJob(deps, id);
          return job.state === "completed" ? job : undefined;
        },
        { timeoutMs: 30_000, what: "the job to complete after the restart" },
      );

      expect(done.retry_count).toBe(1);
      expect(await countRows("crash_runs", id)).toBe(2);
      expect(await countRows("crash_effects", id)).toBe(1);
    }, 60_000);
  }
});
