import type { Executor } from "./db.js";

/**
 * Durable work, seen from below: a service on any row can enqueue a job
 * through this interface without importing src/jobs (row 6), which
 * implements it over pg-boss. The job runs later, survives a crash, and is
 * retried with backoff; its handler must be idempotent (src/jobs/effects.ts).
 */
export interface JobQueue {
  /**
   * Enqueues `data` on `queue` and returns the job id. On a queue declared
   * with one waiting job per key (src/jobs, `policy: "short"`), sending a
   * `singletonKey` that is already waiting creates nothing and returns null.
   */
  send(queue: string, data: object, options?: { singletonKey?: string; startAfter?: Date }): Promise<string | null>;
}

/**
 * Enqueuing inside a transaction: the job commits with the work that asked
 * for it, or neither does (pg-boss keeps its queue in our database). The
 * jobs module provides the implementation when it loads, as invoicing
 * registers usage's port; a process that enqueues this way (the server, the
 * CLI, a test) loads src/jobs.
 */
type JobQueueOn = (db: Executor) => JobQueue;

let provided: JobQueueOn | undefined;

export function provideJobQueueOn(queueOn: JobQueueOn): void {
  provided = queueOn;
}

/** A queue whose sends run on `db`: in the caller's transaction when `db` is one. */
export function jobQueueOn(db: Executor): JobQueue {
  if (provided === undefined) throw new Error("the jobs module is not loaded: work cannot be enqueued");
  return provided(db);
}
