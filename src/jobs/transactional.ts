import type { Executor } from "../kernel/db.js";
import { type JobQueue, provideJobQueueOn } from "../kernel/jobs.js";
import { bossCommands } from "./boss.js";
import { deadLetterQueueOf } from "./model.js";
import { DEFAULTS } from "./runner.js";

/**
 * Sends on the caller's executor (kernel/jobs.ts `jobQueueOn`), so a job and
 * the rows that asked for it commit together.
 *
 * pg-boss drops a send to a queue it does not know without a word (its
 * insert joins the queue table). A queue no runner has declared yet (a fresh
 * database before the first server start, a test without workers) is
 * therefore declared here, with the runner's defaults and a dead-letter
 * queue, so the job waits for a worker instead of vanishing; the runner
 * applies the queue's own settings when it starts. A send naming a
 * singletonKey declares the queue with one waiting job per key, the policy
 * such queues are declared with (QueueDefinition.oneWaitingPerKey).
 */
function queueOn(db: Executor): JobQueue {
  const boss = bossCommands(db);
  return {
    send: async (queue, data, options = {}) => {
      const sendOptions = {
        ...(options.singletonKey === undefined ? {} : { singletonKey: options.singletonKey }),
        ...(options.startAfter === undefined ? {} : { startAfter: options.startAfter }),
      };
      const id = await boss.send(queue, data, sendOptions);
      // Null from a known queue: a job with this singletonKey is already waiting.
      if (id !== null || (await boss.getQueue(queue)) !== null) return id;
      const deadLetter = deadLetterQueueOf(queue);
      await boss.createQueue(deadLetter, { name: deadLetter });
      await boss.createQueue(queue, {
        name: queue,
        policy: options.singletonKey === undefined ? "standard" : "short",
        retryLimit: DEFAULTS.retryLimit,
        retryDelay: DEFAULTS.retryDelaySeconds,
        retryBackoff: DEFAULTS.retryBackoff,
        expireInSeconds: DEFAULTS.expireInSeconds,
        deadLetter,
      });
      return boss.send(queue, data, sendOptions);
    },
  };
}

provideJobQueueOn(queueOn);
