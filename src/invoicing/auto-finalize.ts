import type { Temporal } from "temporal-polyfill";
import { type RequestContext, systemContext } from "../kernel/actor.js";
import { inTransaction } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { DomainError } from "../kernel/errors.js";
import { newId } from "../kernel/ids.js";
import { finalizeInvoice } from "./finalization.js";
import { finalizeDraftsInOneGo } from "./finalize-batch.js";
import { autoFinalizeDecision } from "./review-model.js";
import { reviewForFinalize } from "./review-service.js";
import { draftIds } from "./review-store.js";

/**
 * Clean drafts finalize on their own once their customer's grace period has
 * passed. A draft whose grace has passed but that has a finding standing or
 * needs an approver is held: it stays in the review queue for a person.
 * Drafts of customers without a grace period, or still within it, are left
 * alone and reported as neither.
 */

type Outcome = "finalized" | "held" | "not_due";

interface Run {
  asOf: Temporal.Instant;
  /** Named customers only (a test clock advancing); otherwise customers on a test clock are left to their clock. */
  named: boolean;
}

async function finalizeIfDue(deps: Deps, ctx: RequestContext, id: string, run: Run): Promise<Outcome> {
  const { asOf } = run;
  try {
    return await inTransaction(
      deps.db,
      async (tx) => {
        // The review at the run's instant: the grace period is measured against asOf.
        const at: Deps = { db: tx, clock: { now: () => asOf } };
        const { status, test_clock, outcome } = await reviewForFinalize(at, tx, id);
        if (status !== "draft" || (test_clock !== null && !run.named)) return "not_due";
        const decision = autoFinalizeDecision(outcome, asOf);
        if (decision === "finalize") {
          await finalizeInvoice(at, ctx, id);
          return "finalized";
        }
        return decision === "hold" ? "held" : "not_due";
      },
      CONFLICTS,
    );
  } catch (error) {
    // Still losing lock conflicts: nothing for a person to fix; the draft waits for the next run.
    if (error instanceof DomainError && error.code === "serialization_retry_exhausted") return "not_due";
    // A closed period or a PO that no longer covers the draft: a person sorts it out from the queue.
    if (error instanceof DomainError) return "held";
    throw error;
  }
}

/** Deadlocks with another finalization (a page in flight) are retried before the draft is left for the next run. */
const CONFLICTS = { retries: 2 } as const;

const PAGE = 500;

/** A deadlock or serialization failure: the page rolled back whole, and the careful path can take it. */
const isLockConflict = (error: unknown) => ["40P01", "40001"].includes((error as { code?: string }).code ?? "");

/**
 * A page of drafts: the plain ones finalized together (finalize-batch.ts),
 * the rest one at a time. If the page cannot go through together (a closed
 * period, a lock conflict), every draft of it takes the careful path, which
 * holds only the ones that cannot finalize.
 */
async function finalizePage(deps: Deps, ctx: RequestContext, ids: readonly string[], run: Run) {
  let careful: readonly string[] = ids;
  const finalized: string[] = [];
  const held: string[] = [];
  if (!run.named) {
    try {
      const batch = await finalizeDraftsInOneGo(deps, ctx, ids, run.asOf);
      finalized.push(...batch.finalized);
      held.push(...batch.held);
      careful = batch.careful;
    } catch (error) {
      if (!(error instanceof DomainError) && !isLockConflict(error)) throw error;
    }
  }
  for (const id of careful) {
    const outcome = await finalizeIfDue(deps, ctx, id, run);
    if (outcome === "finalized") finalized.push(id);
    if (outcome === "held") held.push(id);
  }
  return { finalized, held };
}

/**
 * Every draft due, a page at a time, two pages in flight: while one page's
 * transaction is in the database, the next page is read and reviewed.
 */
export async function finalizeDueDrafts(
  deps: Deps,
  ctx: RequestContext,
  options: { asOf: Temporal.Instant; customerIds?: readonly string[] },
): Promise<{ finalized: string[]; held: string[] }> {
  const run: Run = { asOf: options.asOf, named: options.customerIds !== undefined };
  const finalized: string[] = [];
  const held: string[] = [];
  let cursor: string | undefined;
  let inFlight: Promise<{ finalized: string[]; held: string[] }> | undefined;
  const settle = async () => {
    if (inFlight === undefined) return;
    const page = await inFlight;
    inFlight = undefined;
    finalized.push(...page.finalized);
    held.push(...page.held);
  };
  try {
    for (;;) {
      const ids = await draftIds(deps.db, { starting_after: cursor, customer_ids: options.customerIds, limit: PAGE });
      const work = finalizePage(deps, ctx, ids, run);
      // Awaited below; until then a failure must not count as unhandled.
      work.catch(() => undefined);
      await settle();
      inFlight = work;
      if (ids.length < PAGE) break;
      cursor = ids[ids.length - 1];
    }
    await settle();
  } finally {
    await inFlight?.catch(() => undefined);
  }
  return { finalized, held };
}

export const AUTO_FINALIZE_QUEUE = "invoice-auto-finalize";

/** The job runner's shapes, declared by structure: invoicing may not import jobs (a higher row). */
interface AutoFinalizeQueue {
  retryLimit: number;
  handler: () => Promise<void>;
}
interface Scheduler {
  schedule(queue: string, cron: string, data?: object, options?: { tz?: string }): Promise<void>;
}

export function autoFinalizeQueues(deps: Deps): Record<string, AutoFinalizeQueue> {
  return {
    [AUTO_FINALIZE_QUEUE]: {
      retryLimit: 2,
      handler: async () => {
        await finalizeDueDrafts(deps, systemContext("auto-finalize", newId("request")), { asOf: deps.clock.now() });
      },
    },
  };
}

/** Every 15 minutes: a grace period is counted in hours, so a draft waits at most a quarter hour past it. */
export async function scheduleAutoFinalize(jobs: Scheduler): Promise<void> {
  await jobs.schedule(AUTO_FINALIZE_QUEUE, "*/15 * * * *", {}, { tz: "UTC" });
}
