import type { QueueDefinition } from "../jobs/index.js";
import type { Deps } from "../kernel/deps.js";
import { deliverDueWebhooks } from "./delivery.js";
import { relayOutbox } from "./relay.js";

export const WEBHOOK_RELAY_QUEUE = "webhooks-relay";
export const WEBHOOK_DELIVERY_QUEUE = "webhooks-deliver";

/** A pump drains its table in batches, but hands over to the next tick after this many. */
const BATCHES_PER_RUN = 10;

async function drain(batch: () => Promise<number>, size: number): Promise<void> {
  for (let run = 0; run < BATCHES_PER_RUN; run++) {
    if ((await batch()) < size) return;
  }
}

/**
 * The webhook pumps, for startJobs: every few seconds one job relays the
 * outbox and one sends due deliveries. The durable state is in the tables
 * (outbox rows, deliveries with next_attempt_at); a pump job that dies is
 * simply the next tick's work, so the pumps neither retry nor dead-letter.
 */
export function webhookQueues(deps: Deps, options: { everySeconds?: number } = {}): Record<string, QueueDefinition> {
  const pump = {
    repeatEverySeconds: options.everySeconds ?? 5,
    retryLimit: 0,
    deadLetter: false,
    expireInSeconds: 300,
  };
  return {
    [WEBHOOK_RELAY_QUEUE]: {
      ...pump,
      handler: () => drain(async () => (await relayOutbox(deps, { limit: 500 })).events, 500),
    },
    [WEBHOOK_DELIVERY_QUEUE]: {
      ...pump,
      handler: () => drain(async () => (await deliverDueWebhooks(deps, { limit: 50 })).attempted, 50),
    },
  };
}
