import { type RawBuilder, sql } from "kysely";
import type { Temporal } from "temporal-polyfill";
import { toDate } from "../kernel/clock.js";
import type { Executor } from "../kernel/db.js";
import { BOSS_SCHEMA } from "./boss.js";
import type { BossState } from "./model.js";

/**
 * SQL over the jobs module's tables: pg-boss's schema (read here because
 * pg-boss has no listing API; every change goes through pg-boss's own
 * commands in service.ts) and `job_effects`.
 */
export interface JobRow {
  id: string;
  name: string;
  state: BossState;
  data: unknown;
  output: unknown;
  retry_count: number;
  retry_limit: number;
  retry_delay: number;
  retry_backoff: boolean;
  singleton_key: string | null;
  dead_letter: string | null;
  created_on: Date;
  start_after: Date;
  started_on: Date | null;
  completed_on: Date | null;
  archived: boolean;
}

const job = sql.table(`${BOSS_SCHEMA}.job`);
const archive = sql.table(`${BOSS_SCHEMA}.archive`);

function columns(archived: boolean) {
  return sql`id::text as id, name, state::text as state, data, output, retry_count, retry_limit, retry_delay,
    retry_backoff, singleton_key, dead_letter, created_on, start_after, started_on, completed_on,
    ${sql.lit(archived)} as archived`;
}

/** Live jobs and archived ones, as one relation. */
const allJobs = sql`(select ${columns(false)} from ${job} union all select ${columns(true)} from ${archive}) as jobs`;

export interface JobFilter {
  queueNames?: string[] | undefined;
  states?: BossState[] | undefined;
  /** true: only dead-letter queues; false: none of them; undefined: both. */
  deadLetter?: boolean | undefined;
  deadLetterSuffix: string;
}

function whereOf(filter: JobFilter): RawBuilder<unknown> {
  const conditions = [sql`name not like '\\_\\_pgboss\\_\\_%'`];
  if (filter.queueNames !== undefined) conditions.push(sql`name = any(${filter.queueNames})`);
  if (filter.states !== undefined) conditions.push(sql`state = any(${filter.states})`);
  const dead = sql`right(name, ${filter.deadLetterSuffix.length}) = ${filter.deadLetterSuffix}`;
  if (filter.deadLetter === true) conditions.push(dead);
  if (filter.deadLetter === false) conditions.push(sql`not (${dead})`);
  return sql.join(conditions, sql` and `);
}

/**
 * Newest first by (created_on, id): pg-boss ids are random UUIDs, so the id
 * alone does not sort by time. Cursors are job ids, resolved in SQL so the
 * timestamps keep their microseconds.
 */
export async function listJobRows(
  db: Executor,
  filter: JobFilter,
  page: { limit: number; after?: string | undefined; before?: string | undefined },
): Promise<JobRow[]> {
  const where = [whereOf(filter)];
  const cursor = (id: string) => sql`(select created_on, id from ${allJobs} where id = ${id} limit 1)`;
  if (page.after !== undefined) where.push(sql`(created_on, id) < ${cursor(page.after)}`);
  if (page.before !== undefined) where.push(sql`(created_on, id) > ${cursor(page.before)}`);
  const direction = page.before !== undefined ? sql`asc` : sql`desc`;
  const result = await sql<JobRow>`select * from ${allJobs} where ${sql.join(where, sql` and `)}
    order by created_on ${direction}, id ${direction} limit ${page.limit}`.execute(db);
  return result.rows;
}

/** A live job first (locked when asked, for a retry), else its archived copy. */
export async function findJobRow(db: Executor, id: string, options: { lock?: boolean } = {}): Promise<JobRow | null> {
  const lock = options.lock === true ? sql`for update` : sql``;
  const live = await sql<JobRow>`select ${columns(false)} from ${job} where id = ${id}::uuid ${lock}`.execute(db);
  if (live.rows[0] !== undefined) return live.rows[0];
  const archived = await sql<JobRow>`select ${columns(true)} from ${archive} where id = ${id}::uuid`.execute(db);
  return archived.rows[0] ?? null;
}

/**
 * pg-boss copies a job into its dead-letter queue in the same statement that
 * fails it, so the copy's created_on equals the original's completed_on and
 * its data is the same: that pair finds one from the other (compared in SQL,
 * where the timestamps keep their microseconds).
 */
export async function findDeadLetterCopy(db: Executor, failedId: string, deadLetterQueue: string) {
  const result = await sql<{ id: string; name: string }>`select copy.id::text as id, copy.name from ${job} copy
    join ${job} original on original.id = ${failedId}::uuid
    where copy.name = ${deadLetterQueue} and copy.state < 'active' and copy.created_on = original.completed_on
      and copy.data is not distinct from original.data
    limit 1`.execute(db);
  return result.rows[0] ?? null;
}

export async function findFailedOriginal(db: Executor, deadId: string, queue: string) {
  const result = await sql<{
    id: string;
    name: string;
  }>`select original.id::text as id, original.name from ${job} original
    join ${job} copy on copy.id = ${deadId}::uuid
    where original.name = ${queue} and original.state = 'failed' and original.completed_on = copy.created_on
      and original.data is not distinct from copy.data
    limit 1 for update of original`.execute(db);
  return result.rows[0] ?? null;
}

export async function countJobsByQueueAndState(
  db: Executor,
): Promise<{ name: string; state: BossState; count: string }[]> {
  const result = await sql<{ name: string; state: BossState; count: string }>`
    select name, state::text as state, count(*) as count from ${job}
    where name not like '\\_\\_pgboss\\_\\_%' group by name, state`.execute(db);
  return result.rows;
}

export async function listQueueNames(db: Executor): Promise<string[]> {
  const result = await sql<{ name: string }>`select name from ${sql.table(`${BOSS_SCHEMA}.queue`)}
    where name not like '\\_\\_pgboss\\_\\_%' order by name`.execute(db);
  return result.rows.map((row) => row.name);
}

/** Claims an effect key; false when an earlier run already performed it. */
export async function claimJobEffect(
  db: Executor,
  key: string,
  queue: string | undefined,
  at: Temporal.Instant,
): Promise<boolean> {
  const result = await sql<{ job_key: string }>`insert into job_effects (job_key, queue, performed_at)
    values (${key}, ${queue ?? null}, ${toDate(at)}) on conflict (job_key) do nothing returning job_key`.execute(db);
  return result.rows.length === 1;
}
