/**
 * Jobs as the billing team sees them: pg-boss's states plus `dead`, a job
 * that used up its retries and waits in its queue's dead-letter queue for a
 * person. Pure: naming and mapping only.
 */

/** pg-boss's own job states, in its order. */
export const BOSS_STATES = ["created", "retry", "active", "completed", "cancelled", "failed"] as const;
export type BossState = (typeof BOSS_STATES)[number];

/** What the API and the CLI filter and show. */
export const JOB_STATES = [...BOSS_STATES, "dead"] as const;
export type JobState = (typeof JOB_STATES)[number];

const DEAD_LETTER_SUFFIX = "__dead_letter";

/** Queue names stay within what pg-boss accepts everywhere: letters, digits, `_`, `-`. */
export const QUEUE_NAME = /^[a-z][a-z0-9_-]{0,80}$/;

export function deadLetterQueueOf(queue: string): string {
  return `${queue}${DEAD_LETTER_SUFFIX}`;
}

function isDeadLetterQueue(name: string): boolean {
  return name.endsWith(DEAD_LETTER_SUFFIX);
}

/** The queue a job belongs to in the billing team's eyes: a dead letter belongs to the queue it died in. */
export function businessQueueOf(name: string): string {
  return isDeadLetterQueue(name) ? name.slice(0, -DEAD_LETTER_SUFFIX.length) : name;
}

/** pg-boss's internal queues (cron dispatch) are plumbing, not work anyone retries. */
export function isInternalQueue(name: string): boolean {
  return name.startsWith("__pgboss__");
}

/** A dead letter is waiting (nobody works dead-letter queues) until a person retries it. */
export function jobStateOf(queueName: string, state: BossState): JobState {
  if (isDeadLetterQueue(queueName) && (state === "created" || state === "retry")) return "dead";
  return state;
}

/** The pg-boss rows a filter on an API state selects. */
export function bossFilterFor(state: JobState): { states: BossState[]; deadLetter: boolean | undefined } {
  if (state === "dead") return { states: ["created", "retry"], deadLetter: true };
  if (state === "created" || state === "retry") return { states: [state], deadLetter: false };
  return { states: [state], deadLetter: undefined };
}

export type RetryPlan = { kind: "retry_failed" } | { kind: "retry_dead_letter" } | { kind: "refuse"; reason: string };

/** Only a failed job or a dead letter can be retried; anything else is still running or done. */
export function retryPlanFor(queueName: string, state: BossState, archived: boolean): RetryPlan {
  if (archived) return { kind: "refuse", reason: "the job is archived; send it again instead" };
  const shown = jobStateOf(queueName, state);
  if (shown === "dead") return { kind: "retry_dead_letter" };
  if (shown === "failed" && !isDeadLetterQueue(queueName)) return { kind: "retry_failed" };
  return { kind: "refuse", reason: `a ${shown} job cannot be retried; only failed and dead jobs can` };
}
