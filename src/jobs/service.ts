import type { Temporal } from "temporal-polyfill";
import { fromDate } from "../kernel/clock.js";
import { type Executor, inTransaction, type Tx } from "../kernel/db.js";
import type { Deps } from "../kernel/deps.js";
import { assertNever, DomainError } from "../kernel/errors.js";
import type { Page, PageRequest } from "../kernel/pagination.js";
import { bossCommands } from "./boss.js";
import "./errors.js";
import { bossFilterFor, businessQueueOf, deadLetterQueueOf, type JobState, jobStateOf, retryPlanFor } from "./model.js";
import {
  claimJobEffect,
  findDeadLetterCopy,
  findFailedOriginal,
  findJobRow,
  type JobRow,
  listJobRows,
} from "./store.js";

/** A job as the API and the CLI show it. pg-boss ids are UUIDs and are shown as they are. */
export interface JobView {
  object: "job";
  id: string;
  queue: string;
  state: JobState;
  data: unknown;
  /** What the handler returned or, for a failure, the error pg-boss recorded. */
  output: unknown;
  retry_count: number;
  retry_limit: number;
  retry_delay_seconds: number;
  retry_backoff: boolean;
  singleton_key: string | null;
  created_at: string;
  start_after: string;
  started_at: string | null;
  completed_at: string | null;
  archived: boolean;
}

function iso(date: Date): string {
  return fromDate(date).toString();
}

function toJobView(row: JobRow): JobView {
  return {
    object: "job",
    id: row.id,
    queue: businessQueueOf(row.name),
    state: jobStateOf(row.name, row.state),
    data: row.data ?? null,
    output: row.output ?? null,
    retry_count: row.retry_count,
    retry_limit: row.retry_limit,
    retry_delay_seconds: row.retry_delay,
    retry_backoff: row.retry_backoff,
    singleton_key: row.singleton_key,
    created_at: iso(row.created_on),
    start_after: iso(row.start_after),
    started_at: row.started_on === null ? null : iso(row.started_on),
    completed_at: row.completed_on === null ? null : iso(row.completed_on),
    archived: row.archived,
  };
}

export interface JobListQuery extends PageRequest {
  queue?: string | undefined;
  state?: JobState | undefined;
}

const DEAD_LETTER_SUFFIX = deadLetterQueueOf("");

export async function listJobs(deps: Pick<Deps, "db">, query: JobListQuery): Promise<Page<JobView>> {
  for (const [param, cursor] of [
    ["starting_after", query.starting_after],
    ["ending_before", query.ending_before],
  ] as const) {
    if (cursor !== undefined && (await findJobRow(deps.db, cursor)) === null) {
      throw new DomainError("job_not_found", `no job ${cursor}`, { param });
    }
  }
  const filter = query.state === undefined ? { states: undefined, deadLetter: undefined } : bossFilterFor(query.state);
  const queueNames =
    query.queue === undefined
      ? undefined
      : filter.deadLetter === true
        ? [deadLetterQueueOf(query.queue)]
        : filter.deadLetter === false
          ? [query.queue]
          : [query.queue, deadLetterQueueOf(query.queue)];
  const rows = await listJobRows(
    deps.db,
    { ...filter, queueNames, deadLetterSuffix: DEAD_LETTER_SUFFIX },
    { limit: query.limit + 1, after: query.starting_after, before: query.ending_before },
  );
  const has_more = rows.length > query.limit;
  const data = rows.slice(0, query.limit);
  if (query.ending_before !== undefined) data.reverse();
  return { data: data.map(toJobView), has_more };
}

export async function getJob(deps: Pick<Deps, "db">, id: string): Promise<JobView> {
  const row = await findJobRow(deps.db, id);
  if (row === null) throw new DomainError("job_not_found", `no job ${id}`, { param: "id" });
  return toJobView(row);
}

/**
 * Gives a failed or dead job one more run. Both halves of a dead job (the
 * failed original and its copy in the dead-letter queue) are handled in one
 * transaction, so a retried job never stays listed as dead.
 */
export async function retryJob(deps: Pick<Deps, "db">, id: string): Promise<JobView> {
  return inTransaction(deps.db, async (tx) => {
    const row = await findJobRow(tx, id, { lock: true });
    if (row === null) throw new DomainError("job_not_found", `no job ${id}`, { param: "id" });
    const plan = retryPlanFor(row.name, row.state, row.archived);
    switch (plan.kind) {
      case "refuse":
        throw new DomainError("job_not_retryable", plan.reason, { param: "id" });
      case "retry_failed":
        return retryFailed(tx, row);
      case "retry_dead_letter":
        return retryDeadLetter(tx, row);
      default:
        return assertNever(plan, "retry plan");
    }
  });
}

async function retryFailed(tx: Tx, row: JobRow): Promise<JobView> {
  const boss = bossCommands(tx);
  await boss.retry(row.name, row.id);
  const copy = await findDeadLetterCopy(tx, row.id, deadLetterQueueOf(row.name));
  if (copy !== null) await boss.deleteJob(copy.name, copy.id);
  return reload(tx, row.id);
}

async function retryDeadLetter(tx: Tx, row: JobRow): Promise<JobView> {
  const boss = bossCommands(tx);
  const queue = businessQueueOf(row.name);
  const original = await findFailedOriginal(tx, row.id, queue);
  let runId: string | null;
  if (original !== null) {
    await boss.retry(original.name, original.id);
    runId = original.id;
  } else {
    // The original was archived: the dead letter still holds its data, so send it afresh.
    runId = await boss.send(queue, (row.data ?? {}) as object);
  }
  await boss.deleteJob(row.name, row.id);
  if (runId === null) throw new Error(`pg-boss refused to re-send dead job ${row.id}`);
  return reload(tx, runId);
}

async function reload(db: Executor, id: string): Promise<JobView> {
  const row = await findJobRow(db, id);
  if (row === null) throw new Error(`job ${id} vanished during a retry`);
  return toJobView(row);
}

export interface JobEffect {
  /**
   * What the effect is, in business words, unique for all time:
   * `dunning:inv_01…:step-2`, `billing-run:2026-11`. The job id works when
   * nothing better exists, but a business key also stops a duplicate job.
   */
  key: string;
  queue?: string;
}

/**
 * "Exactly once in effect": the effect and its `job_effects` row commit in one
 * transaction. A run that crashed before commit left neither, so its re-run
 * performs the effect; a run that crashed after commit (before pg-boss heard it
 * finish) left both, so its re-run finds the row and does nothing. Two runs at
 * once (an expired job re-fetched while the first still runs) meet on the
 * primary key: the second waits for the first and then skips.
 * Returns whether this run performed the effect.
 */
export async function performEffectOnce(
  deps: Deps,
  effect: JobEffect,
  work: (tx: Tx, at: Temporal.Instant) => Promise<void>,
): Promise<boolean> {
  return inTransaction(deps.db, async (tx) => {
    const at = deps.clock.now();
    if (!(await claimJobEffect(tx, effect.key, effect.queue, at))) return false;
    await work(tx, at);
    return true;
  });
}
