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
