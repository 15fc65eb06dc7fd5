import { customerDeps } from "../customers/index.js";
import { type RequestContext, systemContext } from "../kernel/actor.js";
import type { Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { jobQueueOn } from "../kernel/jobs.js";
import { type PeriodKey, ratedPeriodsAt } from "./charge-store.js";
import {
  deleteLateRating,
  findLateRating,
  lateRatingsOf,
  type OwedFor,
  recordLateRatings,
} from "./late-rating-store.js";
import { type LatePeriodOutcome, rateLatePeriod } from "./rating-late.js";

/**
 * Late events are re-rated by a durable job, not inline in ingestion: a batch
 * is stored and acknowledged at ingestion speed, and a re-rating that fails
 * (the draft finalized under it, an archived customer) is retried with
 * backoff and finally left failed in /v1/jobs for a person, never lost.
 *
 * After a batch is stored, each rated period it touched gets a row in
 * usage_late_ratings and a job on usage-late-rating, in one transaction. The
 * queue holds one waiting job per period (its singleton key), so a burst of
 * batches for October queues one job; a batch arriving while that job runs
 * queues one more, which rates what the first could not have seen.
 *
 * A backdated rate card version approved over periods on a draft queues the
 * same job. The row keeps what the period is owed for (late events, the
 * versions), so the job, which reads it when it runs, stores its rating
 * with the reason that holds then: a version's job that finds late events
 * owed too says both, and a version approved while a late-event job waits
 * (one waiting job per period) is rated, and named, by that job.
 */
export const LATE_RATING_QUEUE = "usage-late-rating";

interface LateRatingJobData {
  customer: string;
  period_start: string;
  period_end: string;
  /** What asked for this job, to show in /v1/jobs; the rating's reason is read from the owed row when it runs. */
  reason?: "late_event" | "rate_card_change";
  /** The rate card version whose approval queued it. */
  rate_card_version?: string;
  /** The ingestion request that queued it: the re-rating's audit events carry it, to trace a change to its batch. */
  request_id?: string;
}

const keyOf = (period: PeriodKey) =>
  `${period.customer_id}:${period.period_start.toISOString()}:${period.period_end.toISOString()}`;

const order = (a: PeriodKey, b: PeriodKey) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0);

/**
 * Called by ingestion with a stored batch's events: records the rated
 * periods they fall in and queues their jobs, in the transaction that
 * stores the batch, so the events and the re-rating they owe commit together
 * (a crash between two commits would leave events no job rates). Returns
 * the periods.
 */
export async function queueLateRatingsIn(
  tx: Tx,
  deps: Deps,
  ctx: RequestContext,
  events: readonly { customer_id: string; ts: Date }[],
): Promise<PeriodKey[]> {
  if (events.length === 0) return [];
  const distinct = new Map<string, { customer_id: string; ts: Date }>();
  for (const event of events) distinct.set(`${event.customer_id}@${event.ts.getTime()}`, event);
  const periods = await ratedPeriodsAt(tx, [...distinct.values()]);
  const at = new Date(deps.clock.now().epochMilliseconds);
  return queuePeriodRatingsIn(tx, ctx, { periods, owed: { late_events: true, rate_card_version_ids: [] }, at });
}

/**
 * Records periods as owed a re-rating and queues their jobs, in the caller's
 * transaction: late events, or a backdated rate card version approved over
 * periods whose usage is on a draft (`owed` says which). Returns the
 * periods, sorted.
 */
export async function queuePeriodRatingsIn(
  tx: Tx,
  ctx: RequestContext,
  request: { periods: readonly PeriodKey[]; owed: OwedFor; at: Date },
): Promise<PeriodKey[]> {
  const sorted = [...request.periods].sort(order);
  if (sorted.length === 0) return [];
  await recordLateRatings(tx, sorted, request.owed, request.at);
  const queue = jobQueueOn(tx);
  const [version] = request.owed.rate_card_version_ids;
  for (const period of sorted) {
    const data: LateRatingJobData = {
      customer: period.customer_id,
      period_start: period.period_start.toISOString(),
      period_end: period.period_end.toISOString(),
      reason: version === undefined ? "late_event" : "rate_card_change",
      ...(version === undefined ? {} : { rate_card_version: version }),
      request_id: ctx.request_id,
    };
    await queue.send(LATE_RATING_QUEUE, data, { singletonKey: keyOf(period) });
  }
  return sorted;
}

/**
 * Re-rates a period owed a re-rating, at the customer's time (a test clock's
 * for its customers). Nothing owed (the row is gone: an earlier run or a
 * clock's advance did it) is nothing to do, so a job run twice rates once.
 */
export async function rateOwedPeriod(
  deps: Deps,
  ctx: RequestContext,
  period: PeriodKey,
): Promise<LatePeriodOutcome | null> {
  const owed = await findLateRating(deps.db, period);
  if (owed === undefined) return null;
  const outcome = await rateLatePeriod(await customerDeps(deps, period.customer_id), ctx, period, owed);
  // After the rating has committed: a crash in between re-runs it, and re-rating a draft or
  // adjusting a period already adjusted changes nothing the second time.
  await deleteLateRating(deps.db, owed);
  return outcome;
}

/**
 * A test clock's advance: the periods owed for its customers, oldest first,
 * before the stop bills. One that fails stays owed (its job shows the
 * failure and is retried); the advance goes on.
 */
export async function rateOwedLateEvents(deps: Deps, ctx: RequestContext, customerIds: readonly string[]) {
  for (const owed of await lateRatingsOf(deps.db, customerIds)) {
    try {
      await rateOwedPeriod(deps, ctx, owed);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
  }
}

interface LateRatingQueue {
  retryLimit: number;
  retryDelaySeconds: number;
  oneWaitingPerKey: boolean;
  handler: (job: { data: LateRatingJobData }) => Promise<void>;
}

/** The queue for startJobs. Five retries from a minute, doubled: a failure is left for a person after about half an hour. */
export function usageLateRatingQueues(deps: Deps): Record<string, LateRatingQueue> {
  return {
    [LATE_RATING_QUEUE]: {
      retryLimit: 5,
      retryDelaySeconds: 60,
      oneWaitingPerKey: true,
      handler: async (job) => {
        const period: PeriodKey = {
          customer_id: job.data.customer,
          period_start: new Date(job.data.period_start),
          period_end: new Date(job.data.period_end),
        };
        const ctx = systemContext(LATE_RATING_QUEUE, job.data.request_id ?? newId("request"));
        await rateOwedPeriod(deps, ctx, period);
      },
    },
  };
}
