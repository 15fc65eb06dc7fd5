import { sql } from "kysely";
import type { JobHandler, QueueDefinition } from "../../src/jobs/index.js";
import type { Tx } from "../../src/kernel/db.js";

/**
 * The queue both the crashing worker and the surviving one declare: a run
 * expires after 3 s and is retried at once, so a killed run comes back fast.
 */
export function crashQueue(handler: JobHandler): QueueDefinition {
  return { handler, expireInSeconds: 3, retryLimit: 3, retryDelaySeconds: 0, retryBackoff: false };
}

/** The effect: a row in a table with no unique key, so a second effect would show as a second row. */
export function recordEffect(jobId: string) {
  return async (tx: Tx) => {
    await sql`insert into crash_effects (job_id) values (${jobId})`.execute(tx);
  };
}
