import { systemContext } from "../kernel/actor.js";
import type { Deps } from "../kernel/deps.js";
import { newId } from "../kernel/ids.js";
import { runBilling } from "./billing-run.js";

/**
 * The scheduled billing run. Hourly, because a period ends at midnight in
 * each customer's own time zone; a run finding nothing due writes a run
 * record with zero counts. Failed items are retried by the next run, so the
 * job itself is retried only when the run as a whole fails.
 */
export const BILLING_RUN_QUEUE = "billing-run";

/**
 * The job runner's shapes, declared here by structure: invoicing sits on a
 * lower row than jobs and may not import it; the server passes the real ones.
 */
interface BillingRunQueue {
  retryLimit: number;
  handler: () => Promise<void>;
}
interface Scheduler {
  schedule(queue: string, cron: string, data?: object, options?: { tz?: string }): Promise<void>;
}

export function billingRunQueues(deps: Deps): Record<string, BillingRunQueue> {
  return {
    [BILLING_RUN_QUEUE]: {
      retryLimit: 2,
      handler: async () => {
        await runBilling(deps, systemContext("billing-run", newId("request")), { as_of: deps.clock.now() });
      },
    },
  };
}

export async function scheduleBillingRuns(jobs: Scheduler): Promise<void> {
  await jobs.schedule(BILLING_RUN_QUEUE, "5 * * * *", {}, { tz: "UTC" });
}
