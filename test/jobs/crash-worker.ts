/**
 * A worker process for src/jobs/crash.test.ts, killed with SIGKILL in the
 * middle of a job. Usage: node --import tsx test/jobs/crash-worker.ts URL QUEUE MODE
 * MODE before_effect: hang before the effect commits; after_effect: commit
 * the effect, then hang before pg-boss hears that the job finished.
 */
import { sql } from "kysely";
import { performEffectOnce, startJobs } from "../../src/jobs/index.js";
import { systemClock } from "../../src/kernel/clock.js";
import { openDatabase } from "../../src/kernel/db.js";
import { crashQueue, recordEffect } from "./crash-queue.js";

const [url = "", queue = "", mode = ""] = process.argv.slice(2);
const db = openDatabase({ connectionString: url, poolSize: 2 });
const deps = { db, clock: systemClock };

await startJobs({
  ...deps,
  connectionString: url,
  onError: () => {},
  tuning: { pollingIntervalSeconds: 0.5 },
  handlers: {
    [queue]: crashQueue(async (job) => {
      await sql`insert into crash_runs (job_id, process) values (${job.id}, 'child')`.execute(db);
      if (mode === "after_effect") await performEffectOnce(deps, { key: job.id, queue }, recordEffect(job.id));
      process.stdout.write("started\n");
      await new Promise(() => {});
    }),
  },
});
process.stdout.write("ready\n");
