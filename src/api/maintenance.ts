import { purgeEndedSessions } from "../access/index.js";
import type { JobRunner, QueueDefinition } from "../jobs/index.js";
import type { Deps } from "../kernel/deps.js";
import { purgeIdempotencyKeys } from "./idempotency.js";

/** Housekeeping that keeps tables small: expired idempotency keys and ended sessions. */
export const MAINTENANCE_QUEUE = "maintenance-daily";

export function maintenanceQueues(deps: Deps): Record<string, QueueDefinition> {
  return {
    [MAINTENANCE_QUEUE]: {
      retryLimit: 3,
      handler: async () => {
        await purgeIdempotencyKeys(deps);
        await purgeEndedSessions(deps);
      },
    },
  };
}

export async function scheduleMaintenance(jobs: JobRunner): Promise<void> {
  await jobs.schedule(MAINTENANCE_QUEUE, "17 3 * * *", {}, { tz: "UTC" });
}
