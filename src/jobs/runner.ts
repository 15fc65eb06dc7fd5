import PgBoss from "pg-boss";
import type { Deps } from "../kernel/deps.js";
import type { JobQueue } from "../kernel/jobs.js";
import { BOSS_SCHEMA } from "./boss.js";
import { measureQueueDepthFrom } from "./metrics.js";
import { deadLetterQueueOf, QUEUE_NAME } from "./model.js";

/** What a handler receives. `retryCount` is 0 on the first run. */
export interface Job<T = Record<string, unknown>> {
  id: string;
  queue: string;
  data: T;
  retryCount: number;
}

/**
 * A plain async function. It may run more than once for one job (a crash, an
 * expiry, a retry), so its effect must be idempotent: see performEffectOnce.
 * Throwing fails the run; pg-boss retries it with backoff.
 */
// biome-ignore lint/suspicious/noExplicitAny: each queue chooses its data shape
export type JobHandler<T = any> = (job: Job<T>) => Promise<void>;

export interface QueueDefinition {
  handler: JobHandler;
  /** Runs after the first that a failing job gets (default 5). */
  retryLimit?: number;
  /** Delay before the first retry (default 30 s); doubled each retry with retryBackoff. */
  retryDelaySeconds?: number;
  /** Exponential backoff with jitter (default true). */
  retryBackoff?: boolean;
  /**
   * How long a run may stay active (default 15 min). A run past it is failed
   * and retried: this is how a job whose process died runs again.
   */
  expireInSeconds?: number;
  /** Jobs of this queue run at once in this process (default 1). */
  concurrency?: number;
  /**
   * One waiting job per singletonKey: a send naming a key that already has a
   * job waiting creates nothing (pg-boss policy "short"). A job running does
   * not count, so work asked for while it runs gets one more run after it.
   */
  oneWaitingPerKey?: boolean;
  /** A failed job's copy goes to `<queue>__dead_letter` for a person (default true). */
  deadLetter?: boolean;
  /**
   * Sends one job every this many seconds while the runner runs; the queue
   * holds at most one waiting job, so many processes do not pile work up.
   * For pumps such as the webhook relay that drain a table of durable work.
   */
  repeatEverySeconds?: number;
}

export interface StartJobsOptions extends Deps {
  connectionString: string;
  handlers: Record<string, JobHandler | QueueDefinition>;
  /** Connections of pg-boss's own pool (default 4). */
  poolSize?: number;
  /** How long stop() waits for in-flight jobs before failing them for a retry (default 30 s). */
  stopTimeoutSeconds?: number;
  onError?: (error: unknown) => void;
  /** Timings, shortened by tests. */
  tuning?: {
    pollingIntervalSeconds?: number;
    /** How often expired runs are failed and retried (default 60 s). */
    maintenanceIntervalSeconds?: number;
    cronMonitorIntervalSeconds?: number;
    cronWorkerIntervalSeconds?: number;
  };
}

export interface JobRunner extends JobQueue {
  /** Sends `data` to `queue` on a cron schedule (minute resolution), in `tz` (default UTC). */
  schedule(queue: string, cron: string, data?: object, options?: { tz?: string }): Promise<void>;
  unschedule(queue: string): Promise<void>;
  /** Stops fetching, lets in-flight jobs finish (up to stopTimeoutSeconds), then closes. */
  stop(): Promise<void>;
  readonly queues: readonly string[];
}

export const DEFAULTS = { retryLimit: 5, retryDelaySeconds: 30, retryBackoff: true, expireInSeconds: 15 * 60 };

function definitionOf(entry: JobHandler | QueueDefinition): QueueDefinition {
  return typeof entry === "function" ? { handler: entry } : entry;
}

/** Starts pg-boss on its own pool, declares every queue (and its dead-letter queue), and starts the workers. */
export async function startJobs(options: StartJobsOptions): Promise<JobRunner> {
  const tuning = options.tuning ?? {};
  const boss = new PgBoss({
    connectionString: options.connectionString,
    schema: BOSS_SCHEMA,
    max: options.poolSize ?? 4,
    application_name: "accrue-jobs",
    migrate: false,
    maintenanceIntervalSeconds: tuning.maintenanceIntervalSeconds ?? 60,
    cronMonitorIntervalSeconds: tuning.cronMonitorIntervalSeconds ?? 30,
    cronWorkerIntervalSeconds: tuning.cronWorkerIntervalSeconds ?? 5,
    // Completed jobs (pump ticks among them) leave the live table after a day;
    // failed ones stay a week for people to look at. The archive keeps both a week more.
    archiveCompletedAfterSeconds: 24 * 60 * 60,
    archiveFailedAfterSeconds: 7 * 24 * 60 * 60,
    deleteAfterDays: 7,
  });
  const onError = options.onError ?? ((error: unknown) => console.error("accrue jobs:", error));
  boss.on("error", onError);
  await boss.start();
  const timers: NodeJS.Timeout[] = [];
  try {
    for (const [queue, entry] of Object.entries(options.handlers)) {
      const definition = definitionOf(entry);
      await declareQueue(boss, queue, definition);
      await startWorkers(boss, queue, definition, tuning.pollingIntervalSeconds ?? 2);
      if (definition.repeatEverySeconds !== undefined) {
        timers.push(repeat(boss, queue, definition.repeatEverySeconds, onError));
      }
    }
  } catch (error) {
    await boss.stop({ graceful: false });
    throw error;
  }
  measureQueueDepthFrom(options.db);
  return runnerOver(boss, Object.keys(options.handlers), timers, (options.stopTimeoutSeconds ?? 30) * 1000);
}

async function declareQueue(boss: PgBoss, queue: string, definition: QueueDefinition): Promise<void> {
  if (!QUEUE_NAME.test(queue)) throw new Error(`queue name ${queue} must match ${QUEUE_NAME}`);
  const deadLetter = definition.deadLetter === false ? undefined : deadLetterQueueOf(queue);
  if (deadLetter !== undefined) await boss.createQueue(deadLetter, { name: deadLetter });
  const settings: PgBoss.Queue = {
    name: queue,
    // A repeating pump keeps one waiting job at most: "short" makes a second send a no-op;
    // with singleton keys, one waiting job per key.
    policy: definition.repeatEverySeconds === undefined && definition.oneWaitingPerKey !== true ? "standard" : "short",
    retryLimit: definition.retryLimit ?? DEFAULTS.retryLimit,
    retryDelay: definition.retryDelaySeconds ?? DEFAULTS.retryDelaySeconds,
    retryBackoff: definition.retryBackoff ?? DEFAULTS.retryBackoff,
    expireInSeconds: definition.expireInSeconds ?? DEFAULTS.expireInSeconds,
    ...(deadLetter === undefined ? {} : { deadLetter }),
  };
  // createQueue leaves an existing queue as it was; updateQueue applies today's settings.
  await boss.createQueue(queue, settings);
  await boss.updateQueue(queue, settings);
}

async function startWorkers(
  boss: PgBoss,
  queue: string,
  definition: QueueDefinition,
  pollingIntervalSeconds: number,
): Promise<void> {
  const handler = definition.handler;
  for (let worker = 0; worker < (definition.concurrency ?? 1); worker++) {
    await boss.work(queue, { includeMetadata: true, batchSize: 1, pollingIntervalSeconds }, async (jobs) => {
      for (const job of jobs) {
        await handler({ id: job.id, queue: job.name, data: job.data, retryCount: job.retryCount });
      }
    });
  }
}

function repeat(boss: PgBoss, queue: string, seconds: number, onError: (error: unknown) => void): NodeJS.Timeout {
  const tick = () => {
    boss.send(queue, {}).catch(onError);
  };
  tick();
  return setInterval(tick, seconds * 1000);
}

function runnerOver(boss: PgBoss, queues: string[], timers: NodeJS.Timeout[], stopTimeoutMs: number): JobRunner {
  let stopping: Promise<void> | undefined;
  return {
    queues,
    send: (queue, data, sendOptions = {}) => {
      const options: PgBoss.SendOptions = {};
      if (sendOptions.singletonKey !== undefined) options.singletonKey = sendOptions.singletonKey;
      if (sendOptions.startAfter !== undefined) options.startAfter = sendOptions.startAfter;
      return boss.send(queue, data, options);
    },
    schedule: (queue, cron, data = {}, scheduleOptions = {}) =>
      boss.schedule(queue, cron, data, { tz: scheduleOptions.tz ?? "UTC" }),
    unschedule: (queue) => boss.unschedule(queue),
    stop: () => {
      stopping ??= (async () => {
        for (const timer of timers) clearInterval(timer);
        await boss.stop({ graceful: true, wait: true, close: true, timeout: stopTimeoutMs });
        // The pool has been told to end, but a connection may still be closing when the caller
        // stops the database next; its "terminating connection" error then says nothing new.
        boss.removeAllListeners("error");
        boss.on("error", () => {});
      })();
      return stopping;
    },
  };
}
